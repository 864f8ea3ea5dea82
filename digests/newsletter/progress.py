"""How far a delivery has got, in the figures its progress page shows: the
send log's counts, the sending rate, the time left, and whether anything
seems to be sending at all.

A constant number of queries whatever the size of the send log."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from .models import Delivery, Message

# The rate of a delivery under way is measured over this much of its recent past.
RATE_WINDOW = timedelta(minutes=5)
SHOWN_PROBLEMS = 50


@dataclass
class Progress:
    delivery: Delivery
    now: object
    counts: dict = field(default_factory=dict)
    rate: float | None = None  # messages sent per minute
    rate_basis: str = ""  # over what time the rate was measured, in words
    minutes_left: float | None = None
    stale: bool = False  # sending, yet nobody has sent anything for too long
    problems: list = field(default_factory=list)  # failed and bounced rows, the first few

    @property
    def total(self):
        return self.delivery.total or sum(self.counts.values())

    @property
    def processed(self):
        return self.total - self.counts.get(Message.Status.QUEUED, 0)

    @property
    def percent(self):
        return round(100 * self.processed / self.total) if self.total else 0

    @property
    def problem_count(self):
        return self.counts.get(Message.Status.FAILED, 0) + self.counts.get(
            Message.Status.BOUNCED, 0
        )

    @property
    def waiting_for_server(self):
        return (
            self.delivery.retry_at is not None and self.delivery.status == Delivery.Status.SENDING
        )

    @property
    def retry_overdue(self):
        return self.waiting_for_server and self.delivery.retry_at <= self.now

    @property
    def quiet_for(self):
        """How long nothing must have happened before the page says so, in words."""
        seconds = round(2 * settings.DIGESTS_MAIL_LEASE_SECONDS)
        return f"{seconds // 60} minutes" if seconds >= 120 else f"{seconds} seconds"

    @property
    def time_left(self):
        return duration_in_words(self.minutes_left) if self.minutes_left is not None else ""


def duration_in_words(minutes):
    if minutes < 1:
        return "less than a minute"
    minutes = round(minutes)
    if minutes < 60:
        return f"about {minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h {minutes} min" if minutes else f"about {hours} h"


def of(delivery, now=None):
    now = now or timezone.now()
    progress = Progress(delivery=delivery, now=now, counts=delivery.counts())
    progress.rate, progress.rate_basis = rate_of(delivery, now)
    queued = progress.counts.get(Message.Status.QUEUED, 0)
    if delivery.status == Delivery.Status.SENDING and progress.rate and not delivery.retry_at:
        progress.minutes_left = queued / progress.rate
    progress.stale = seems_stalled(delivery, now, queued)
    progress.problems = list(
        delivery.messages.filter(status__in=[Message.Status.FAILED, Message.Status.BOUNCED])
        .select_related("subscriber")
        .order_by("pk")[:SHOWN_PROBLEMS]
    )
    return progress


def rate_of(delivery, now):
    """(messages a minute, what it was measured over): recent for a delivery
    under way, the whole run's average for one paused or ended."""
    if delivery.started_at is None:
        return None, ""
    sent = delivery.messages.filter(status=Message.Status.SENT)
    if delivery.status == Delivery.Status.SENDING:
        since = max(delivery.started_at, now - RATE_WINDOW)
        count = sent.filter(sent_at__gte=since).count()
        seconds = (now - since).total_seconds()
        basis = (
            f"last {RATE_WINDOW.seconds // 60} minutes"
            if since > delivery.started_at
            else "since the start"
        )
    else:
        figures = sent.aggregate(count=Count("pk"), last=Max("sent_at"))
        count = figures["count"]
        end = figures["last"] or delivery.started_at
        seconds = (end - delivery.started_at).total_seconds()
        basis = "on average"
    if seconds <= 0:
        return None, ""
    return count * 60 / seconds, basis


def seems_stalled(delivery, now, queued):
    """Something was due twice the time a claim lasts ago and nothing has
    happened since: no worker is taking the delivery's tasks.

    Waiting is not stalling: for the mail server (``retry_at``), for rows
    whose next attempt is still to come, or for the issue's publication."""
    quiet = timedelta(seconds=2 * settings.DIGESTS_MAIL_LEASE_SECONDS)
    if delivery.status == Delivery.Status.SCHEDULED:
        issue = delivery.issue
        return issue.is_public and now - max(issue.published_at, delivery.created_at) > quiet
    if delivery.status != Delivery.Status.SENDING:
        return False
    moments = [
        delivery.created_at,
        delivery.started_at,
        delivery.last_activity_at,
        delivery.retry_at,
    ]
    if queued:
        waiting = delivery.messages.filter(status=Message.Status.QUEUED).aggregate(
            due_now=Count("pk", filter=Q(next_attempt_at__isnull=True)),
            first_due=Min("next_attempt_at"),
        )
        if not waiting["due_now"]:
            moments.append(waiting["first_due"])
    return now - max(moment for moment in moments if moment is not None) > quiet
