"""What happens when someone asks to subscribe, confirms or unsubscribes.

The answer to a request is the same whatever the address's state, so the form
tells no one who subscribes: a new or pending address is (re)sent the
confirmation link; a confirmed one gets a short "you're already subscribed"
note; an unsubscribed, bounced or complained one must confirm afresh (it
keeps its status until it does). The mail itself is the task queue's
(``tasks.py``), which also mails one address at most once per
``DIGESTS_SUBSCRIBE_RESEND_MINUTES``.
"""

import logging

from django.db import IntegrityError, transaction

from . import mail, tasks
from .models import Subscriber

log = logging.getLogger(__name__)

STOPPED = (Subscriber.Status.UNSUBSCRIBED, Subscriber.Status.BOUNCED, Subscriber.Status.COMPLAINED)


def find(address):
    return Subscriber.objects.filter(email__iexact=address).first()


def request_subscription(address):
    """Record the wish and ask the task queue to mail the address.

    The same steps whatever the address's state: whether it is mailed now
    or was mailed just now is decided by the task, out of the request."""
    subscriber = find(address)
    if subscriber is None:
        try:
            with transaction.atomic():
                subscriber = Subscriber.objects.create(email=address)
        except IntegrityError:  # the same address, at the same moment
            subscriber = find(address)
    try:
        tasks.mail_confirmation.enqueue(subscriber.pk)
    except Exception as error:  # the queue is down: the answer stays the same
        log.warning("subscription mail for subscriber %s not queued: %s", subscriber.pk, error)
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
