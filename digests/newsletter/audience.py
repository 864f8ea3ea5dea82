"""Who a new delivery of an issue would reach: the confirmed subscribers
who have not been sent it by an earlier delivery (the rule the snapshot in
``sending.snapshot`` applies when the delivery starts)."""

from ..subscriptions.models import Subscriber
from .models import Message


def confirmed():
    return Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED)


def already_sent(issue):
    return Message.objects.filter(delivery__issue=issue, status=Message.Status.SENT).values(
        "subscriber_id"
    )


def still_to_receive(issue):
    return confirmed().exclude(pk__in=already_sent(issue))
