"""Saving an issue asks again about its deliveries that wait for publication:
its time may have moved, or it may have been published at last."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from ..models import Issue
from .models import Delivery


@receiver(post_save, sender=Issue)
def issue_saved(sender, instance, raw=False, **kwargs):
    if raw or instance.status != Issue.Status.PUBLISHED:
        return
    waiting = list(
        Delivery.objects.filter(issue=instance, status=Delivery.Status.SCHEDULED).values_list(
            "pk", flat=True
        )
    )
    if waiting:
        transaction.on_commit(lambda: ask(waiting, instance.published_at))


def ask(delivery_ids, when):
    from .tasks import later, start_delivery

    for pk in delivery_ids:
        later(start_delivery, when, pk)
