"""A delivery is one issue sent to the subscribers confirmed when it starts.

Its send log holds a row per (delivery, subscriber): the only record of who
has been sent the issue, so a retried or restarted task sends each row once.
A row is *claimed* by the task sending it until ``claimed_until``; a task that
dies leaves its claim to run out, and another takes the row over.
"""

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone


class Delivery(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "starts when the issue is published"
        SENDING = "sending", "sending"
        PAUSED = "paused", "paused"
        CANCELLED = "cancelled", "cancelled"
        DONE = "done", "sent"

    ACTIVE = (Status.SCHEDULED, Status.SENDING, Status.PAUSED)

    issue = models.ForeignKey("digests.Issue", on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField("subscribers in the snapshot", default=0)
    # The mail server could not be reached: no one is sent anything before this.
    retry_at = models.DateTimeField(null=True, blank=True)
    failures_in_a_row = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            # One delivery at a time per issue; a cancelled one may be followed by another.
            models.UniqueConstraint(
                fields=["issue"],
                condition=Q(status__in=["scheduled", "sending", "paused"]),
                name="delivery_one_active_per_issue",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "sending", "paused", "cancelled", "done"]),
                name="delivery_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.issue} → subscribers"

    @property
    def is_active(self):
        return self.status in self.ACTIVE

    def counts(self):
        """{status: n} of the send log, every status present."""
        found = dict(
            self.messages.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
        )
        return {status: found.get(status, 0) for status in Message.Status.values}


class Message(models.Model):
    """One row of a delivery's send log: one subscriber, one issue."""

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        SENT = "sent", "sent"
        FAILED = "failed", "failed (gave up after retries)"
        BOUNCED = "bounced", "refused by the receiving server"
        SKIPPED = "skipped", "skipped (no longer subscribed)"

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="messages")
    subscriber = models.ForeignKey(
        "digests.Subscriber", on_delete=models.CASCADE, related_name="messages"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "subscriber"], name="message_once_per_subscriber"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sent", "failed", "bounced", "skipped"]),
                name="message_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["delivery", "status"], name="message_delivery_status_idx"),
            models.Index(fields=["claim"], name="message_claim_idx"),
        ]

    def __str__(self):
        return f"{self.delivery_id}/{self.subscriber_id}: {self.status}"
