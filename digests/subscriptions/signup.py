"""What happens when someone asks to subscribe, confirms or unsubscribes.

The answer to a request is the same whatever the address's state, so the form
tells no one who subscribes: a new or pending address is (re)sent the
confirmation link; a confirmed one gets a short "you're already subscribed"
note; an unsubscribed, bounced or complained one must confirm afresh (it
keeps its status until it does). One address is mailed at most once per
``DIGESTS_SUBSCRIBE_RESEND_MINUTES``.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import limits, mail
from .models import Subscriber

STOPPED = (Subscriber.Status.UNSUBSCRIBED, Subscriber.Status.BOUNCED, Subscriber.Status.COMPLAINED)


def find(address):
    return Subscriber.objects.filter(email__iexact=address).first()


def request_subscription(address, request_or_site_url=None):
    """Record the wish and mail the address (if it wasn't mailed just now)."""
    subscriber = find(address)
    if subscriber is None:
        try:
            with transaction.atomic():
                subscriber = Subscriber.objects.create(email=address)
        except IntegrityError:  # the same address, at the same moment
            subscriber = find(address)
    if not limits.may_mail(address):
        return subscriber
    sent = mail.send_confirmation(subscriber, request_or_site_url)
    if sent and subscriber.status != Subscriber.Status.CONFIRMED:
        subscriber.confirmation_sent_at = timezone.now()
        subscriber.save(update_fields=["confirmation_sent_at"])
    return subscriber


def confirmable(token):
    """The subscriber a confirmation link is for, or None (bad, expired, stale).

    A link made before the address was unsubscribed (or bounced, or marked
    as spam) no longer confirms it: that needs a new link."""
    found = mail.read_confirm_token(token)
    if found is None:
        return None
    address, issued = found
    subscriber = find(address)
    if subscriber is None:
        return None
    if subscriber.status in STOPPED:
        stopped = getattr(subscriber, Subscriber.STAMPS[subscriber.status])
        if stopped and stopped.timestamp() > issued:
            return None
    return subscriber


def confirm(token):
    subscriber = confirmable(token)
    if subscriber is not None and subscriber.status != Subscriber.Status.CONFIRMED:
        subscriber.move_to(Subscriber.Status.CONFIRMED)
        subscriber.save(update_fields=["status", "confirmed_at"])
    return subscriber


def unsubscribable(token):
    address = mail.read_unsubscribe_token(token)
    return find(address) if address else None


def unsubscribe(token):
    subscriber = unsubscribable(token)
    if subscriber is not None and subscriber.status not in STOPPED:
        subscriber.move_to(Subscriber.Status.UNSUBSCRIBED)
        subscriber.save(update_fields=["status", "unsubscribed_at"])
    return subscriber
