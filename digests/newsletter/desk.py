"""The editor's side of a delivery: send now, send when published, pause,
resume, cancel. Each returns what happened in words an editor reads, or
raises DeskError with the reason it can't."""

from django.db import IntegrityError, transaction

from . import sending
from .models import Delivery
from .tasks import fan_out, later, schedule_time, start_delivery


class DeskError(Exception):
    pass


def send(issue, user=None, *, when_published=False):
    """A new delivery of ``issue``: now if the issue is public, else (with
    ``when_published``) once it is."""
    if issue.is_public:
        status = Delivery.Status.SENDING
    elif when_published:
        status = Delivery.Status.SCHEDULED
    else:
        raise DeskError(
            "This issue is not public yet: publish it first, or choose “Send when published”."
        )
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(issue=issue, status=status, created_by=user)
    except IntegrityError:
        raise DeskError(
            "This issue already has a delivery under way: pause or cancel it first."
        ) from None
    transaction.on_commit(
        lambda: later(start_delivery, schedule_time(delivery), delivery.pk)
    )
    return delivery


def pause(delivery):
    if not sending.pause(delivery):
        raise DeskError("Only a delivery that is sending can be paused.")


def resume(delivery):
    if not sending.resume(delivery):
        raise DeskError("Only a paused delivery can be resumed.")
    transaction.on_commit(lambda: fan_out(delivery.pk))


def cancel(delivery):
    if not sending.cancel(delivery):
        raise DeskError("This delivery has ended already.")
