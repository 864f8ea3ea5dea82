"""The links and mail of a subscription: the signed confirmation link (it
expires), the subscriber's own unsubscribe link (it doesn't), the RFC 8058
headers, and the confirmation e-mail.

Mail is sent synchronously for now, from ``send_confirmation`` only, so the
task queue can take it over as one job.
"""

import logging
import time

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

log = logging.getLogger(__name__)

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


def list_unsubscribe_headers(subscriber, site_url=None):
    """The headers that make mail programs show an Unsubscribe button (RFC 8058)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscriber, site_url)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- The mail ------------------------------------------------------------------------------


def site_url_of(request_or_site_url):
    if request_or_site_url is None or isinstance(request_or_site_url, str):
        return request_or_site_url or settings.DIGESTS_SITE_URL
    return settings.DIGESTS_SITE_URL  # a request: links still go to the site's public address


def send_confirmation(subscriber, request_or_site_url=None):
    """Mail ``subscriber`` the link that confirms their subscription or, if
    they are confirmed already, a short note saying so. True if sent."""
    site_url = site_url_of(request_or_site_url)
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
    try:
        message.send()
    except Exception as error:  # the reader's answer does not depend on the mail server
        log.warning("subscription mail to subscriber %s failed: %s", subscriber.pk, error)
        return False
    return True
