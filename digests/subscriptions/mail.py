"""The links and mail of a subscription: the signed confirmation link (it
expires), the subscriber's own unsubscribe link (it doesn't), the RFC 8058
headers, and the confirmation e-mail.

``send_confirmation`` sends; the task queue calls it (``tasks.py``), never the
reader's request.
"""

import time

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

CONFIRM_SALT = "digests.subscribe"
UNSUBSCRIBE_SALT = "digests.subscribe.unsubscribe"


def absolute(path, site_url=None):
    return (site_url or settings.DIGESTS_SITE_URL).rstrip("/") + path


# --- Confirmation: signed, expiring ---------------------------------------------------


def confirm_token(subscriber, *, now=None):
    """The address and when the link was made, signed with a timestamp."""
    value = {"e": subscriber.email.casefold(), "t": round(now or time.time(), 3)}
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign_object(value, compress=True)


def read_confirm_token(token):
    """(address, issued at) from a valid, unexpired link, else None."""
    max_age = settings.DIGESTS_SUBSCRIBE_CONFIRM_DAYS * 24 * 3600
    try:
        value = signing.TimestampSigner(salt=CONFIRM_SALT).unsign_object(token, max_age=max_age)
        return str(value["e"]), float(value["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def confirm_url(subscriber, site_url=None):
    return absolute(
        reverse("digests:subscribe_confirm", args=[confirm_token(subscriber)]), site_url
    )


# --- Unsubscribing: the subscriber's own link, no expiry -----------------------------------


def unsubscribe_token(subscriber):
    return signing.dumps(subscriber.email.casefold(), salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token):
    try:
        return str(signing.loads(token, salt=UNSUBSCRIBE_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def unsubscribe_url(subscriber, site_url=None):
    """The subscriber's one-click unsubscribe page (and RFC 8058 POST target)."""
    return absolute(
        reverse("digests:subscribe_unsubscribe", args=[unsubscribe_token(subscriber)]), site_url
    )


def list_unsubscribe_headers(subscriber, site_url=None, *, url=None):
    """The headers that make mail programs show an Unsubscribe button (RFC 8058);
    ``url``: the subscriber's unsubscribe link when the caller has made it already."""
    return {
        "List-Unsubscribe": f"<{url or unsubscribe_url(subscriber, site_url)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- The mail ------------------------------------------------------------------------------


def send_confirmation(subscriber, site_url=None):
    """Mail ``subscriber`` the link that confirms their subscription or, if
    they are confirmed already, a short note saying so; raises if the mail fails."""
    site_url = site_url or settings.DIGESTS_SITE_URL
    confirmed = subscriber.status == subscriber.Status.CONFIRMED
    context = {
        "site_name": settings.DIGESTS_SITE_NAME,
        "site_url": site_url.rstrip("/"),
        "email": subscriber.email,
        "days": settings.DIGESTS_SUBSCRIBE_CONFIRM_DAYS,
        "unsubscribe_url": unsubscribe_url(subscriber, site_url) if confirmed else "",
        "confirm_url": "" if confirmed else confirm_url(subscriber, site_url),
    }
    name = "subscribe_already" if confirmed else "subscribe_confirm"
    subject = (
        f"You're already subscribed to {settings.DIGESTS_SITE_NAME}"
        if confirmed
        else f"Confirm your subscription to {settings.DIGESTS_SITE_NAME}"
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"digests/email/{name}.txt", context),
        to=[subscriber.email],
        headers=list_unsubscribe_headers(subscriber, site_url) if confirmed else None,
    )
    message.attach_alternative(render_to_string(f"digests/email/{name}.html", context), "text/html")
    message.send()
