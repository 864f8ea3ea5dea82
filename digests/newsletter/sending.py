"""Sending a delivery: claim a batch of the send log, send it over a few
connections at once (``Senders``), write down what happened, hand over.

Every decision is written to the send log before the next batch, so a task
may die at any point: the rows it had claimed wait until their claim runs out
(``DIGESTS_MAIL_LEASE_SECONDS``) and another task sends them. A subscriber
gets a second copy only if the task died between the mail server accepting
the message and the log saying so (at most one batch, ``DIGESTS_MAIL_BATCH``).

How a failure counts:

* the mail server cannot be reached (refused, dropped, timed out) or refuses
  the sender: nobody is at fault; the delivery waits (``retry_at``), doubling
  the wait up to ten minutes, and goes on by itself once the server answers;
* a 4xx answer for one address: that row is tried again later, at most
  ``DIGESTS_MAIL_MAX_ATTEMPTS`` times, then counted failed;
* a 5xx answer for one address: the subscriber is marked bounced.
"""

import contextlib
import logging
import smtplib
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from .. import mail_retry
from ..subscriptions.models import Subscriber
from . import audience
from .edition import Edition
from .models import Delivery, Message

log = logging.getLogger(__name__)

SNAPSHOT_CHUNK = 5000


class ServerUnavailable(Exception):
    """The mail server can't take any message now; the delivery waits."""


# --- Starting ------------------------------------------------------------------------


def snapshot(delivery):
    """A send log row for each subscriber confirmed now who has not been sent
    this issue by an earlier delivery. Safe to run twice."""
    subscribers = (
        audience.still_to_receive(delivery.issue_id).order_by("pk").values_list("pk", flat=True)
    )
    chunk = []
    for pk in subscribers.iterator(chunk_size=SNAPSHOT_CHUNK):
        chunk.append(Message(delivery=delivery, subscriber_id=pk))
        if len(chunk) == SNAPSHOT_CHUNK:
            Message.objects.bulk_create(chunk, ignore_conflicts=True)
            chunk = []
    if chunk:
        Message.objects.bulk_create(chunk, ignore_conflicts=True)
    total = delivery.messages.count()
    Delivery.objects.filter(pk=delivery.pk).update(
        total=total, started_at=timezone.now(), last_activity_at=timezone.now()
    )
    return total


def begin(delivery_id):
    """Start a delivery that is due: take the snapshot, then fan out.

    A scheduled delivery starts when its issue is public; until then this
    only says when to look again (the issue's publication time) or, for an
    issue back in draft, nothing (saving the issue asks again)."""
    delivery = Delivery.objects.select_related("issue").filter(pk=delivery_id).first()
    if delivery is None:  # deleted since it was asked for
        return None
    issue = delivery.issue
    if delivery.status == Delivery.Status.SCHEDULED:
        if not issue.is_public:
            return issue.published_at if issue.status == issue.Status.PUBLISHED else None
        moved = Delivery.objects.filter(
            pk=delivery.pk, status=Delivery.Status.SCHEDULED
        ).update(status=Delivery.Status.SENDING)
        if not moved:  # another task started it, or the editor cancelled it
            return None
        delivery.refresh_from_db()
    if delivery.status != Delivery.Status.SENDING or delivery.started_at is not None:
        return None
    snapshot(delivery)
    return "started"


# --- Claiming ------------------------------------------------------------------------------


def _free(now):
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _due(now):
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def claim(delivery, size, now=None):
    """Up to ``size`` queued rows for this task alone, with their subscribers.

    One UPDATE: the claim condition sits on the outer query too, so when two
    tasks pick the same rows on PostgreSQL the second finds them claimed once
    the first commits, and takes fewer (SQLite runs one writer at a time)."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    candidates = (
        Message.objects.filter(delivery=delivery, status=Message.Status.QUEUED)
        .filter(_free(now), _due(now))
        .order_by("pk")
        .values("pk")[:size]
    )
    Message.objects.filter(pk__in=candidates, status=Message.Status.QUEUED).filter(
        _free(now)
    ).update(
        claim=token, claimed_until=now + timedelta(seconds=settings.DIGESTS_MAIL_LEASE_SECONDS)
    )
    return list(
        Message.objects.filter(claim=token, status=Message.Status.QUEUED)
        .select_related("subscriber")
        .order_by("pk")
    )


def release(rows):
    Message.objects.filter(pk__in=[row.pk for row in rows], status=Message.Status.QUEUED).update(
        claimed_until=None, claim=""
    )


def next_wake(delivery, now=None):
    """When queued rows will next be sendable (a retry or a claim running
    out), or None if none are left."""
    now = now or timezone.now()
    queued = Message.objects.filter(delivery=delivery, status=Message.Status.QUEUED)
    if not queued.exists():
        return None
    if queued.filter(_free(now), _due(now)).exists():
        return now
    times = queued.aggregate(retry=Min("next_attempt_at"), claim=Min("claimed_until"))
    return max(now, min(t for t in times.values() if t is not None))


# --- Sending one batch -----------------------------------------------------------------------


def is_unavailable(error):
    """A failure of the server or the connection, not of one address: refused
    or dropped connections, timeouts, a refused sender or login (smtplib's
    errors are OSErrors too; only a refused recipient or message is not)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
        return False
    return isinstance(error, OSError)


def describe(error):
    """The mail server's answer as an editor reads it: "550 5.1.1 No such user"."""
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        code, answer = next(iter(error.recipients.values()))
    elif isinstance(error, smtplib.SMTPResponseException):
        code, answer = error.smtp_code, error.smtp_error
    else:
        return f"{type(error).__name__}: {error}"[:300]
    if isinstance(answer, bytes):
        answer = answer.decode(errors="replace")
    return f"{code} {answer}"[:300]


class Outcome:
    """What one batch did, written to the send log in a few UPDATEs."""

    def __init__(self):
        self.sent = []
        self.skipped = []
        self.retry = []  # (row, error)
        self.bounced = []  # (row, error)

    def write(self, now):
        """One transaction for the batch; rows another task took over meanwhile
        are written all the same (what was sent was sent)."""
        with transaction.atomic():
            if self.sent:
                Message.objects.filter(
                    pk__in=[row.pk for row in self.sent], status=Message.Status.QUEUED
                ).update(status=Message.Status.SENT, sent_at=now, claimed_until=None, claim="")
            if self.skipped:
                Message.objects.filter(pk__in=[row.pk for row in self.skipped]).update(
                    status=Message.Status.SKIPPED, claimed_until=None, claim=""
                )
            for row, error in self.retry:
                attempts = row.attempts + 1
                gave_up = attempts >= settings.DIGESTS_MAIL_MAX_ATTEMPTS
                wait = settings.DIGESTS_MAIL_RETRY_SECONDS * 2 ** (attempts - 1)
                Message.objects.filter(pk=row.pk).update(
                    status=Message.Status.FAILED if gave_up else Message.Status.QUEUED,
                    attempts=attempts,
                    next_attempt_at=now + timedelta(seconds=wait),
                    claimed_until=None,
                    claim="",
                    error=describe(error),
                )
            for row, error in self.bounced:
                Message.objects.filter(pk=row.pk).update(
                    status=Message.Status.BOUNCED,
                    attempts=row.attempts + 1,
                    claimed_until=None,
                    claim="",
                    error=describe(error),
                )
                mark_subscriber(row.subscriber_id, Subscriber.Status.BOUNCED, now)


def mark_subscriber(subscriber_id, status, now=None):
    """Bounced or complained: the address gets nothing more (unsubscribed stays)."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return
    subscriber.move_to(status, now=now)
    subscriber.save(update_fields=["status", Subscriber.STAMPS[status]])


class Senders:
    """``DIGESTS_MAIL_CONNECTIONS`` connections to the mail server, one per
    thread: while one thread waits for the server's answer, another builds
    its next message. Threads only build and send; the send log is written
    by the task's own thread, with its own database connection."""

    def __init__(self, size=None):
        self.size = size or settings.DIGESTS_MAIL_CONNECTIONS
        self.pool = ThreadPoolExecutor(self.size, thread_name_prefix="mail")
        self.connections = [None] * self.size

    def send(self, rows, edition, delivery_id):
        """Send ``rows`` shared among the connections. Returns ([(row, error or
        None)] for the rows tried, the rows not tried, and the error that
        stopped a connection because the server is unavailable, or None)."""
        shares = [rows[i :: self.size] for i in range(self.size)]
        futures = [
            self.pool.submit(self._send_share, i, share, edition, delivery_id)
            for i, share in enumerate(shares)
            if share
        ]
        tried, untried, stop = [], [], None
        for future in futures:
            done, left, error = future.result()
            tried += done
            untried += left
            stop = stop or error
        return tried, untried, stop

    def _send_share(self, index, rows, edition, delivery_id):
        tried = []
        for position, row in enumerate(rows):
            try:
                connection = self._connection(index)
                message = edition.message(
                    row.subscriber, delivery_id=delivery_id, connection=connection
                )
                connection.send_messages([message])
            except Exception as error:
                if is_unavailable(error):
                    self._drop(index)
                    return tried, rows[position:], error
                tried.append((row, error))
            else:
                tried.append((row, None))
        return tried, [], None

    def _connection(self, index):
        if self.connections[index] is None:
            connection = get_connection(fail_silently=False)
            connection.open()
            self.connections[index] = connection
        return self.connections[index]

    def _drop(self, index):
        connection, self.connections[index] = self.connections[index], None
        if connection is not None:
            with contextlib.suppress(Exception):  # the connection is gone either way
                connection.close()

    def close(self):
        for index in range(self.size):
            self._drop(index)
        self.pool.shutdown()


def send_batch(rows, edition, delivery_id, senders):
    """Send ``rows`` and write down what happened; raises ServerUnavailable
    (after writing the rows done and releasing the others) when the server
    can't take more."""
    outcome = Outcome()
    todo = []
    for row in rows:
        if row.subscriber.status == Subscriber.Status.CONFIRMED:
            todo.append(row)
        else:  # unsubscribed, bounced or complained since the snapshot
            outcome.skipped.append(row)
    tried, untried, stop = senders.send(todo, edition, delivery_id)
    for row, error in tried:
        if error is None:
            outcome.sent.append(row)
            continue
        code = mail_retry.smtp_code(error)
        if code is not None and code >= 500:
            outcome.bounced.append((row, error))
        else:
            outcome.retry.append((row, error))
    outcome.write(timezone.now())
    if stop is not None:
        release(untried)
        raise ServerUnavailable(describe(stop)) from stop


# --- A task's run ------------------------------------------------------------------------


def run(delivery_id, *, seconds=None):
    """Send for up to ``seconds``; returns when to run again (a datetime), or
    None when this task has nothing more to do."""
    deadline = time.monotonic() + (seconds or settings.DIGESTS_MAIL_TASK_SECONDS)
    edition = None
    senders = Senders()
    try:
        while True:
            delivery = Delivery.objects.select_related("issue").filter(pk=delivery_id).first()
            now = timezone.now()
            if delivery is None or delivery.status != Delivery.Status.SENDING:
                return None
            if delivery.started_at is None:  # its snapshot is not taken yet
                return None
            if delivery.retry_at and delivery.retry_at > now:
                return delivery.retry_at
            rows = claim(delivery, settings.DIGESTS_MAIL_BATCH, now)
            if not rows:
                wake = next_wake(delivery, now)
                if wake is None:
                    finish(delivery)
                return wake
            if edition is None:
                edition = Edition.of(delivery.issue)
            try:
                send_batch(rows, edition, delivery.pk, senders)
            except ServerUnavailable as error:
                return wait_for_server(delivery, error)
            recovered(delivery)
            if time.monotonic() > deadline:
                return timezone.now()
    finally:
        senders.close()


def wait_for_server(delivery, error):
    failures = delivery.failures_in_a_row + 1
    wait = min(
        settings.DIGESTS_MAIL_RETRY_SECONDS * 2 ** (failures - 1),
        settings.DIGESTS_MAIL_RETRY_MAX_SECONDS,
    )
    retry_at = timezone.now() + timedelta(seconds=wait)
    Delivery.objects.filter(pk=delivery.pk).update(
        retry_at=retry_at, failures_in_a_row=failures, last_error=str(error)[:300]
    )
    log.warning("delivery %s: mail server unavailable (%s); again in %ss", delivery.pk, error, wait)
    return retry_at


def recovered(delivery):
    now = timezone.now()
    changes = {"last_activity_at": now}
    if delivery.failures_in_a_row or delivery.retry_at:
        changes.update(failures_in_a_row=0, retry_at=None)
    Delivery.objects.filter(pk=delivery.pk).update(**changes)


def finish(delivery):
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.DONE, finished_at=timezone.now(), retry_at=None
    )


# --- The editor's buttons ------------------------------------------------------------------


def send_test(issue, address):
    """One copy of the issue to ``address``, marked as a test; raises on failure."""
    Edition.of(issue).test_message(address).send(fail_silently=False)


def pause(delivery):
    return Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.PAUSED
    )


def resume(delivery):
    return Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PAUSED).update(
        status=Delivery.Status.SENDING, retry_at=None, failures_in_a_row=0
    )


def cancel(delivery):
    return Delivery.objects.filter(pk=delivery.pk, status__in=Delivery.ACTIVE).update(
        status=Delivery.Status.CANCELLED, finished_at=timezone.now()
    )
