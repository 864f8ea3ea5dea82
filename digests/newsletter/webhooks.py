"""Reports from the e-mail service: a bounce or a spam complaint stops the
address, and so does an unsubscribe made at the service.

django-anymail receives each service's webhook (checks the shared secret,
reads the service's format) and sends one ``tracking`` signal per event and
recipient, in the same words whatever the service; this is its receiver.
It is quiet about everything else: an address that is no subscriber, an
open or a delivery, a report older than the subscriber's last confirmation
(a bounce of mail sent before they subscribed again).

A bounce the service itself calls temporary (a full mailbox) changes nothing,
as it keeps the address off the service's own suppression list: anymail counts
those as "bounced" for some services, so the service's own words are read.
"""

import logging

from anymail.signals import EventType, RejectReason, tracking
from django.dispatch import receiver

from ..subscriptions.models import Subscriber
from .models import Message
from .sending import mark_subscriber

log = logging.getLogger(__name__)

Status = Subscriber.Status

STATUS_OF_EVENT = {
    EventType.BOUNCED: Status.BOUNCED,
    EventType.COMPLAINED: Status.COMPLAINED,
    EventType.UNSUBSCRIBED: Status.UNSUBSCRIBED,
}
# "rejected": the service would not send at all. Only these reasons are about the address.
STATUS_OF_REJECTION = {
    RejectReason.BOUNCED: Status.BOUNCED,
    RejectReason.INVALID: Status.BOUNCED,
    RejectReason.UNSUBSCRIBED: Status.UNSUBSCRIBED,
}


def is_soft_bounce(event):
    """A bounce its service calls temporary (Amazon SES, Postmark, Brevo, SendGrid)."""
    raw = event.esp_event
    if not isinstance(raw, dict):
        return False
    bounce = raw.get("bounce")
    return (
        (isinstance(bounce, dict) and bounce.get("bounceType") == "Transient")  # Amazon SES
        or raw.get("Type") == "SoftBounce"  # Postmark
        or raw.get("event") == "soft_bounce"  # Brevo
        or (raw.get("event") == "bounce" and raw.get("type") == "blocked")  # SendGrid
    )


def status_for(event):
    """The subscriber's new status this event calls for, or None."""
    if event.event_type == EventType.REJECTED:
        return STATUS_OF_REJECTION.get(event.reject_reason)
    if event.event_type == EventType.BOUNCED and is_soft_bounce(event):
        return None
    return STATUS_OF_EVENT.get(event.event_type)


@receiver(tracking, dispatch_uid="digests.newsletter.webhooks")
def mail_event(sender, event, esp_name, **kwargs):
    status = status_for(event)
    if status is None or not event.recipient:
        return
    subscriber = Subscriber.objects.filter(email__iexact=event.recipient.strip()).first()
    if subscriber is None:
        return
    confirmed = subscriber.confirmed_at
    if confirmed and event.timestamp and event.timestamp < confirmed:
        return  # about mail sent before the address subscribed again
    mark_subscriber(subscriber.pk, status)
    if status == Status.BOUNCED:
        bounced_message(subscriber, f"{esp_name}: {event.mta_response or event.description or ''}")
    log.info("%s reported subscriber %s %s", esp_name, subscriber.pk, event.event_type)


def bounced_message(subscriber, error):
    """Mark the last issue sent to ``subscriber`` as refused (services report
    their own message ids, not ours, so the latest one sent is taken)."""
    latest = (
        Message.objects.filter(subscriber=subscriber, status=Message.Status.SENT)
        .order_by("-sent_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if latest is not None:
        Message.objects.filter(pk=latest).update(
            status=Message.Status.BOUNCED, error=error.strip()[:300]
        )
    return latest
