"""Sending an issue to its subscribers, in-process against a real SMTP server:
what each message holds, who gets one, and what each kind of failure does to
the send log and the subscriber."""

import email
import email.policy
import smtplib
from datetime import timedelta
from email.utils import parseaddr
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from digests import mail_retry
from digests.newsletter import desk, sending
from digests.newsletter.edition import Edition
from digests.newsletter.models import Delivery, Message
from digests.subscriptions.mail import read_unsubscribe_token
from digests.subscriptions.models import Subscriber

from .factories import IssueFactory, PaperFactory, SectionFactory
from .smtp_sink import smtp_server

SITE = "https://digest.example.org"


@pytest.fixture
def issue(db, settings):
    settings.DIGESTS_SITE_URL = SITE + "/"
    issue = IssueFactory(title="AI Research Highlights: June–July", slug="june-july")
    llm = SectionFactory(name="Large Language Models", slug="llm")
    PaperFactory(
        issue=issue, section=llm, position=1, arxiv_id="2307.01234",
        title="Scaling Laws for Tiny Models", annotation="A **short** read on scaling.",
    )
    PaperFactory(
        issue=issue, section=llm, position=2, arxiv_id="2307.05678",
        title="Attention, Revisited", annotation="Why [this](https://example.org/x) matters.",
    )
    return issue


def subscribers(n, status=Subscriber.Status.CONFIRMED, prefix="reader"):
    return Subscriber.objects.bulk_create(
        [Subscriber(email=f"{prefix}{i}@example.org", status=status) for i in range(n)]
    )


@pytest.fixture
def sink(settings):
    with smtp_server(settings) as sink:
        yield sink


def started(issue, **kwargs):
    """A delivery with its snapshot taken, as start_delivery leaves it."""
    delivery = Delivery.objects.create(issue=issue)
    sending.snapshot(delivery)
    delivery.refresh_from_db()
    return delivery


# --- The message -------------------------------------------------------------------------


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.hrefs, self.styled = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        self.styled += "style" in attrs
        if "href" in attrs:
            self.hrefs.append(attrs["href"])


def test_each_message_is_valid_mime_with_both_parts_and_its_own_unsubscribe_link(issue):
    a, b = subscribers(2)
    edition = Edition.of(issue)
    raw = {s.pk: edition.message(s, delivery_id=7).message().as_bytes() for s in (a, b)}
    links = set()
    for subscriber in (a, b):
        parsed = email.message_from_bytes(raw[subscriber.pk], policy=email.policy.default)
        assert not parsed.defects
        assert parsed.get_content_type() == "multipart/alternative"
        assert parseaddr(parsed["To"])[1] == subscriber.email
        assert parsed["Subject"] == "AI Research Highlights: June–July"
        text = parsed.get_body(preferencelist=("plain",)).get_content()
        html = parsed.get_body(preferencelist=("html",)).get_content()
        link = parsed["List-Unsubscribe"].strip().strip("<>")
        assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert link.startswith(SITE + "/")
        assert read_unsubscribe_token(link.rstrip("/").rsplit("/", 1)[1]) == subscriber.email
        assert link in text and link in html
        links.add(link)
        # The plain part reads as text: titles, arXiv and site links, the editor's words.
        assert "Scaling Laws for Tiny Models" in text and "https://arxiv.org/abs/2307.01234" in text
        assert "A **short** read on scaling." in text and "<" not in text.replace("<http", "")
        # CSS inlined by css-inline: no <style> block left, styled elements, no pixels.
        tags = Tags()
        tags.feed(html)
        assert "style" not in tags.tags and "img" not in tags.tags and "script" not in tags.tags
        assert tags.styled > 10
        # Links go straight to the site, arXiv or the editor's own links: none rewritten.
        assert all(h.startswith((SITE + "/", "https://arxiv.org/", "https://example.org/"))
                   for h in tags.hrefs)
        assert parsed["Message-ID"] == edition.message_id(7, subscriber.pk)
    assert len(links) == 2


def test_message_id_is_the_same_on_every_attempt(issue):
    (a,) = subscribers(1)
    first = Edition.of(issue).message(a, delivery_id=3).message()["Message-ID"]
    again = Edition.of(issue).message(a, delivery_id=3).message()["Message-ID"]
    assert first == again == f"<issue{issue.pk}.delivery3.s{a.pk}@digest.example.org>"


# --- Who gets it ---------------------------------------------------------------------------


def test_snapshot_holds_the_confirmed_only(issue):
    subscribers(3)
    subscribers(2, Subscriber.Status.PENDING, "pending")
    subscribers(1, Subscriber.Status.UNSUBSCRIBED, "gone")
    subscribers(1, Subscriber.Status.BOUNCED, "bounced")
    delivery = started(issue)
    assert delivery.total == 3
    assert sending.snapshot(delivery) == 3  # twice: no second row for anyone
    assert set(delivery.messages.values_list("subscriber__email", flat=True)) == {
        "reader0@example.org", "reader1@example.org", "reader2@example.org"
    }


def test_a_whole_delivery_through_the_database_queue(issue, sink, task_queue, settings):
    settings.DIGESTS_MAIL_BATCH = 7
    subscribers(40)
    subscribers(2, Subscriber.Status.PENDING, "pending")
    with transaction.atomic():  # as the admin's request
        delivery = desk.send(issue)
        assert DBTaskResult.objects.count() == 0  # enqueued once the transaction commits
    assert DBTaskResult.objects.count() == 1
    task_queue()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DONE and delivery.total == 40
    assert delivery.counts()["sent"] == 40
    received = sorted(rcpt[0] for rcpt, _ in sink.messages)
    assert received == sorted(f"reader{i}@example.org" for i in range(40))


def test_unsubscribing_mid_delivery_skips_the_reader(issue, sink):
    a, b = subscribers(2)
    delivery = started(issue)
    Subscriber.objects.filter(pk=b.pk).update(status=Subscriber.Status.UNSUBSCRIBED)
    assert sending.run(delivery.pk) is None
    assert [rcpt for rcpt, _ in sink.messages] == [[a.email]]
    assert Message.objects.get(subscriber=b).status == Message.Status.SKIPPED


def test_a_new_delivery_after_a_cancelled_one_skips_those_already_sent(issue, sink, settings):
    settings.DIGESTS_MAIL_BATCH = 3
    subscribers(5)
    first = started(issue)
    rows = sending.claim(first, 3)
    senders = sending.Senders(2)
    sending.send_batch(rows, Edition.of(issue), first.pk, senders)
    senders.close()
    sending.cancel(first)
    second = started(issue)
    assert second.total == 2
    sending.run(second.pk)
    assert len(sink.messages) == 5
    assert len({rcpt[0] for rcpt, _ in sink.messages}) == 5


# --- Claims --------------------------------------------------------------------------------


def test_two_tasks_never_claim_the_same_row(issue):
    subscribers(10)
    delivery = started(issue)
    first = sending.claim(delivery, 4)
    second = sending.claim(delivery, 4)
    third = sending.claim(delivery, 4)
    ids = [row.pk for row in first + second + third]
    assert len(ids) == len(set(ids)) == 10
    assert sending.claim(delivery, 4) == []


def test_a_claim_that_ran_out_is_taken_over(issue, settings):
    settings.DIGESTS_MAIL_LEASE_SECONDS = 60
    subscribers(3)
    delivery = started(issue)
    held = sending.claim(delivery, 3)
    assert sending.claim(delivery, 3) == []
    later = timezone.now() + timedelta(seconds=61)
    assert sending.next_wake(delivery) > timezone.now()
    assert {row.pk for row in sending.claim(delivery, 3, now=later)} == {r.pk for r in held}


# --- Failures --------------------------------------------------------------------------------


def test_a_550_marks_the_subscriber_bounced_and_the_rest_go_out(issue, sink):
    good, bad = subscribers(2)
    sink.refuse[bad.email] = "550 5.1.1 No such mailbox"
    delivery = started(issue)
    assert sending.run(delivery.pk) is None
    bad.refresh_from_db()
    assert bad.status == Subscriber.Status.BOUNCED and bad.bounced_at
    row = Message.objects.get(subscriber=bad)
    assert row.status == Message.Status.BOUNCED and "550" in row.error
    assert [rcpt for rcpt, _ in sink.messages] == [[good.email]]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DONE


def test_a_451_is_tried_again_later_then_counted_failed(issue, sink, settings):
    settings.DIGESTS_MAIL_RETRY_SECONDS = 30
    settings.DIGESTS_MAIL_MAX_ATTEMPTS = 2
    (reader,) = subscribers(1)
    sink.refuse[reader.email] = "451 4.3.0 Mailbox busy, try later"
    delivery = started(issue)
    wake = sending.run(delivery.pk)
    row = Message.objects.get()
    assert row.status == Message.Status.QUEUED and row.attempts == 1
    assert wake == row.next_attempt_at and wake > timezone.now() + timedelta(seconds=25)
    Message.objects.update(next_attempt_at=timezone.now())  # its time has come
    assert sending.run(delivery.pk) is None
    row.refresh_from_db()
    assert row.status == Message.Status.FAILED and row.attempts == 2 and "451" in row.error
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.CONFIRMED  # a busy mailbox is not a bounce


def test_a_451_then_accepted_is_sent_once(issue, sink):
    (reader,) = subscribers(1)
    sink.refuse[reader.email] = "451 4.3.0 Try later"
    delivery = started(issue)
    sending.run(delivery.pk)
    del sink.refuse[reader.email]
    Message.objects.update(next_attempt_at=timezone.now())
    assert sending.run(delivery.pk) is None
    assert len(sink.messages) == 1 and Message.objects.get().status == Message.Status.SENT


def test_server_unreachable_makes_the_delivery_wait_without_blaming_anyone(issue, settings):
    from .servers import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    settings.EMAIL_TIMEOUT = 2
    settings.DIGESTS_MAIL_RETRY_SECONDS = 10
    subscribers(3)
    delivery = started(issue)
    wake = sending.run(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.retry_at == wake and delivery.failures_in_a_row == 1
    assert "Connection refused" in delivery.last_error or "Errno" in delivery.last_error
    assert wake > timezone.now() + timedelta(seconds=8)
    assert set(Message.objects.values_list("status", "attempts", "claimed_until")) == {
        ("queued", 0, None)
    }
    # Before retry_at nothing is tried; the wait doubles on the next failure.
    assert sending.run(delivery.pk) == wake
    Delivery.objects.update(retry_at=timezone.now())
    second = sending.run(delivery.pk)
    assert second > timezone.now() + timedelta(seconds=18)


def test_server_back_clears_the_wait(issue, sink):
    subscribers(2)
    delivery = started(issue)
    Delivery.objects.filter(pk=delivery.pk).update(
        retry_at=timezone.now() - timedelta(seconds=1), failures_in_a_row=3, last_error="down"
    )
    assert sending.run(delivery.pk) is None
    delivery.refresh_from_db()
    assert (delivery.retry_at, delivery.failures_in_a_row, delivery.status) == (None, 0, "done")
    assert len(sink.messages) == 2


@pytest.mark.parametrize(
    "error, kind",
    [
        (smtplib.SMTPRecipientsRefused({"a@x": (550, b"no")}), "bounce"),
        (smtplib.SMTPRecipientsRefused({"a@x": (452, b"full")}), "retry"),
        (smtplib.SMTPDataError(554, b"rejected"), "bounce"),
        (smtplib.SMTPDataError(451, b"later"), "retry"),
        (smtplib.SMTPServerDisconnected("gone"), "unavailable"),
        (ConnectionRefusedError(111, "refused"), "unavailable"),
        (smtplib.SMTPSenderRefused(553, b"sender", "x@y"), "unavailable"),
    ],
)
def test_how_each_failure_counts(error, kind):
    code = mail_retry.smtp_code(error)
    found = (
        "unavailable" if sending.is_unavailable(error)
        else "bounce" if code and code >= 500 else "retry"
    )
    assert found == kind


# --- The editor's buttons ----------------------------------------------------------------------


def test_pause_stops_sending_and_resume_goes_on(issue, sink, task_queue):
    subscribers(3)
    delivery = started(issue)
    desk.pause(delivery)
    assert sending.run(delivery.pk) is None and sink.messages == []
    with pytest.raises(desk.DeskError):
        desk.pause(delivery)
    desk.resume(delivery)
    assert sending.run(delivery.pk) is None
    assert len(sink.messages) == 3


def test_cancel_ends_it_and_nothing_more_is_sent(issue, sink):
    subscribers(3)
    delivery = started(issue)
    desk.cancel(delivery)
    assert sending.run(delivery.pk) is None and sink.messages == []
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.CANCELLED and delivery.finished_at


def test_one_delivery_at_a_time_per_issue(issue, sink):
    desk.send(issue)
    with pytest.raises(desk.DeskError, match="already has a delivery"):
        desk.send(issue)


def test_a_draft_is_not_sent_unless_asked_to_wait_for_publication(db, settings):
    draft = IssueFactory.draft()
    with pytest.raises(desk.DeskError, match="not public yet"):
        desk.send(draft)
    assert desk.send(draft, when_published=True).status == Delivery.Status.SCHEDULED


def test_a_scheduled_delivery_starts_at_the_publication_time(
    db, task_queue, django_capture_on_commit_callbacks
):
    issue = IssueFactory.scheduled()
    subscribers(2)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = desk.send(issue, when_published=True)
    task = DBTaskResult.objects.get()
    assert task.run_after == issue.published_at
    task_queue()  # not due yet: nothing runs
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SCHEDULED and delivery.total == 0
    # The editor moves publication to now: saving asks again, and it starts.
    issue.published_at = timezone.now() - timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        issue.save()
    task_queue()
    delivery.refresh_from_db()
    assert delivery.status in (Delivery.Status.SENDING, Delivery.Status.DONE)
    assert delivery.total == 2


def test_a_scheduled_delivery_of_an_issue_back_in_draft_waits(db):
    issue = IssueFactory.draft()
    delivery = desk.send(issue, when_published=True)
    assert sending.begin(delivery.pk) is None
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SCHEDULED


def test_resume_all_asks_again_for_what_should_be_moving(issue, task_queue):
    subscribers(2)
    sending_now = started(issue)
    other = IssueFactory.scheduled()
    waiting = Delivery.objects.create(issue=other, status=Delivery.Status.SCHEDULED)
    done = Delivery.objects.create(issue=IssueFactory(), status=Delivery.Status.DONE)
    from digests.newsletter.tasks import resume_all

    assert resume_all() == 2
    paths = list(DBTaskResult.objects.values_list("task_path", "args_kwargs"))
    assert sum(p.endswith("send_delivery") for p, _ in paths) == 2  # one per sender
    assert any(p.endswith("start_delivery") and a["args"] == [waiting.pk] for p, a in paths)
    assert not any(done.pk in a["args"] for _, a in paths if sending_now.pk != done.pk)


# --- Line lengths ------------------------------------------------------------------------------


def test_long_annotations_go_out_in_short_lines_code_kept_whole(issue):
    paper = issue.papers.first()
    long_paragraph = " ".join(f"word{n}" for n in range(700))  # ~6,000 characters, one line
    link = "https://example.org/" + "x" * 120
    paper.annotation = f"{long_paragraph} {link}\n\n```\nkeep   this    spacing\n```\n"
    paper.save()
    (reader,) = subscribers(1)
    raw = Edition.of(issue).message(reader, delivery_id=1).message().as_bytes(linesep="\r\n")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    html = parsed.get_body(preferencelist=("html",))
    text = parsed.get_body(preferencelist=("plain",))
    # Short enough to go as they are: no quoted-printable for the whole part.
    assert html["Content-Transfer-Encoding"] in ("7bit", "8bit")
    assert text["Content-Transfer-Encoding"] in ("7bit", "8bit")
    body = text.get_content()
    assert link in body and "keep   this    spacing" in body
    assert " ".join(body.split()).count("word0 word1 word2") == 1  # the words, in order
    page = html.get_content()
    assert "keep   this    spacing" in page and " ".join(page.split()).count("word699") == 1


def test_the_send_log_keeps_the_servers_answer_as_an_editor_reads_it(issue, sink):
    (reader,) = subscribers(1)
    sink.refuse[reader.email] = "550 5.1.1 No such mailbox here"
    sending.run(started(issue).pk)
    assert Message.objects.get().error == "550 5.1.1 No such mailbox here"
