"""A subscriber is an address and where it stands: pending (asked, not yet
confirmed), confirmed (receives issues), unsubscribed, bounced or complained.

Addresses are unique whatever their case (``Lower("email")``); each change of
status keeps its time, so an editor can answer "since when?".
"""

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "waiting for confirmation"
        CONFIRMED = "confirmed", "confirmed"
        UNSUBSCRIBED = "unsubscribed", "unsubscribed"
        BOUNCED = "bounced", "bounced"
        COMPLAINED = "complained", "marked as spam"

    class Source(models.TextChoices):
        FORM = "form", "subscribe form"
        IMPORT = "import", "CSV import"

    email = models.EmailField("e-mail address", max_length=254)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=6, choices=Source.choices, default=Source.FORM)
    created_at = models.DateTimeField("asked", default=timezone.now)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="subscriber_email_unique_any_case",
                violation_error_message="This address is already on the list.",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["pending", "confirmed", "unsubscribed", "bounced", "complained"]
                ),
                name="subscriber_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="subscriber_status_idx")]

    def __str__(self):
        return self.email

    STAMPS = {
        Status.CONFIRMED: "confirmed_at",
        Status.UNSUBSCRIBED: "unsubscribed_at",
        Status.BOUNCED: "bounced_at",
        Status.COMPLAINED: "complained_at",
    }

    def move_to(self, status, *, now=None):
        """Set ``status`` and the time of that change (not saved)."""
        self.status = status
        stamp = self.STAMPS.get(status)
        if stamp:
            setattr(self, stamp, now or timezone.now())
