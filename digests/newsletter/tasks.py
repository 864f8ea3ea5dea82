"""The newsletter's tasks, on Django's Tasks API (the django-tasks backport).

Each task is short and safe to run twice: the send log decides what is left,
so a task lost with its worker is made up for by ``resume_all`` (run by
``manage.py resume_deliveries`` when workers start) or by the claims of the
rows it held running out while another task goes on.
"""

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from . import sending
from .models import Delivery


def later(a_task, when, *args):
    """Enqueue ``a_task`` now or, for a time still to come, to run then."""
    if when is None or when <= timezone.now():
        return a_task.enqueue(*args)
    return a_task.using(run_after=when).enqueue(*args)


@task()
def start_delivery(delivery_id):
    """Take the snapshot of a delivery that is due, then start its senders."""
    result = sending.begin(delivery_id)
    if isinstance(result, datetime):  # a scheduled issue, not public yet
        later(start_delivery, result, delivery_id)
    elif result == "started":
        fan_out(delivery_id)


@task()
def send_delivery(delivery_id):
    """Send for a while, then hand over to a fresh task (or wait for the server)."""
    wake = sending.run(delivery_id)
    if wake is not None:
        later(send_delivery, wake, delivery_id)


def fan_out(delivery_id, senders=None):
    for _ in range(senders or settings.DIGESTS_MAIL_PARALLEL):
        send_delivery.enqueue(delivery_id)


def ask_again(delivery):
    """Enqueue again what ``delivery`` waits for: its start (the snapshot, or
    the check of a scheduled issue) or its senders. False if it waits for
    nothing (paused or ended)."""
    if delivery.status == Delivery.Status.SCHEDULED or (
        delivery.status == Delivery.Status.SENDING and delivery.started_at is None
    ):
        later(start_delivery, schedule_time(delivery), delivery.pk)
    elif delivery.status == Delivery.Status.SENDING:
        fan_out(delivery.pk)
    else:
        return False
    return True


def resume_all():
    """Ask again for every delivery that should be moving. What is already
    done is not done twice. Returns how many were asked for."""
    active = Delivery.objects.filter(status__in=Delivery.ACTIVE).select_related("issue")
    return sum(ask_again(delivery) for delivery in active)


def schedule_time(delivery):
    issue = delivery.issue
    if delivery.status == Delivery.Status.SCHEDULED and issue.status == issue.Status.PUBLISHED:
        return issue.published_at
    return None
