"""Reply notifications, moderator notices and subscription confirmations go
through the task queue (issue 19, item 4): the request that causes them only
asks, the worker sends, and a temporary mail failure is tried again later.

These tests use the site's own database queue (``task_queue``) and a real
SMTP server; the other comment and subscription tests run tasks at once."""

import smtplib
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from digests import mail_retry
from digests.comments import tasks as comment_tasks
from digests.models import Comment
from digests.subscriptions import tasks as subscription_tasks
from digests.subscriptions.models import Subscriber

from .comment_helpers import post_comment
from .factories import CommentFactory, IssueFactory
from .servers import free_port
from .services import silent_listener
from .smtp_sink import smtp_server
from .test_subscriptions import CSRF_VALUE, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def site(settings):
    settings.DIGESTS_SITE_URL = "https://digest.example.org"
    settings.DIGESTS_MODERATOR_EMAILS = ["mod@example.org"]
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def thread():
    issue = IssueFactory()
    root = CommentFactory(
        issue=issue, author_email="asker@example.org", author_name="Asker", notify_replies=True
    )
    CommentFactory(issue=issue, author_email="replier@example.org")  # a known author
    return issue, root


def mail_down(settings, port=None):
    """Point Django's mail at a port where nothing listens (connection refused)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port or free_port()


def queued(a_task):
    return DBTaskResult.objects.filter(task_path=a_task.module_path)


def waiting(a_task):
    """The tasks not yet run, as (arguments, when they may run or None for now)."""
    return [
        (row.args_kwargs, row.task_result.task.run_after)
        for row in queued(a_task).filter(status="READY")
    ]


def post_reply(client, issue, root, **overrides):
    return post_comment(
        client,
        issue.get_absolute_url(),
        author_email="replier@example.org",
        body="An answer",
        reply_to=str(root.pk),
        **overrides,
    )


# --- Sent by the worker, not the request -----------------------------------------------------


def test_a_reply_is_mailed_by_the_worker_not_in_the_request(client, thread, task_queue):
    issue, root = thread
    assert post_reply(client, issue, root).status_code == 302
    reply = Comment.objects.get(body="An answer")
    assert mail.outbox == []
    assert waiting(comment_tasks.tell_thread) == [
        ({"args": [reply.pk], "kwargs": {}}, None)
    ]
    task_queue()
    [message] = mail.outbox
    assert message.to == ["asker@example.org"] and "replied to you" in message.subject
    assert queued(comment_tasks.tell_thread).get().status == "SUCCESSFUL"


def test_a_held_comment_notice_is_mailed_by_the_worker(client, task_queue):
    issue = IssueFactory()
    post_comment(client, issue.get_absolute_url(), body="First words here")
    assert Comment.objects.get().status == Comment.Status.PENDING
    assert mail.outbox == [] and len(waiting(comment_tasks.tell_moderators)) == 1
    task_queue()
    [message] = mail.outbox
    assert message.to == ["mod@example.org"] and "First words here" in message.body


def test_a_comment_moderated_before_its_notice_goes_out_needs_none(client, task_queue):
    issue = IssueFactory()
    post_comment(client, issue.get_absolute_url(), body="Spam, really")
    Comment.objects.update(status=Comment.Status.SPAM)
    task_queue()
    assert mail.outbox == []


def test_a_top_level_comment_asks_the_queue_for_nothing(client, thread, task_queue):
    issue, _ = thread
    post_comment(client, issue.get_absolute_url(), author_email="replier@example.org")
    assert Comment.objects.get(body="Nice update!").is_approved
    assert not queued(comment_tasks.tell_thread).exists()


def test_a_confirmation_is_mailed_by_the_worker_not_in_the_request(client, settings, task_queue):
    with smtp_server(settings) as sink:
        response = subscribe(client, "grace@example.org")
        assert response.status_code == 200 and b"Check your inbox" in response.content
        subscriber = Subscriber.objects.get()
        assert sink.messages == [] and subscriber.confirmation_sent_at is None
        assert waiting(subscription_tasks.mail_confirmation) == [
            ({"args": [subscriber.pk], "kwargs": {}}, None)
        ]
        task_queue()
        [(recipients, message)] = sink.messages
    assert recipients == ["grace@example.org"]
    assert message["Subject"].startswith("Confirm")
    subscriber.refresh_from_db()
    assert subscriber.confirmation_sent_at is not None


def test_the_worker_reads_the_subscriber_as_it_is_then(client, task_queue):
    subscribe(client, "grace@example.org")
    subscriber = Subscriber.objects.get()
    subscriber.move_to(Subscriber.Status.CONFIRMED)  # confirmed by an earlier link meanwhile
    subscriber.save()
    task_queue()
    [message] = mail.outbox
    assert "already subscribed" in message.subject


def test_the_resend_interval_holds_for_queued_requests(client, task_queue):
    for n in range(3):
        subscribe(client, "grace@example.org", ip=f"192.0.2.{n}")
    assert len(waiting(subscription_tasks.mail_confirmation)) == 3  # the request only asks
    task_queue()
    assert len(mail.outbox) == 1


# --- The mail server down --------------------------------------------------------------------


def test_with_the_mail_server_hanging_a_subscribe_post_answers_at_once_alike(
    client, settings, task_queue
):
    normal = subscribe(client, "first@example.org", ip="192.0.2.1")
    with silent_listener() as port:
        mail_down(settings, port)
        started = time.monotonic()
        hanging = subscribe(client, "second@example.org", ip="192.0.2.2")
        took = time.monotonic() - started
    assert took < 2, took  # the mail server would have held it EMAIL_TIMEOUT (5 s)
    assert hanging.status_code == normal.status_code == 200
    assert CSRF_VALUE.sub(b"", hanging.content) == CSRF_VALUE.sub(b"", normal.content)
    assert Subscriber.objects.filter(email="second@example.org", status="pending").exists()


def test_with_the_mail_server_hanging_a_reply_posts_at_once(client, settings, thread, task_queue):
    issue, root = thread
    with silent_listener() as port:
        mail_down(settings, port)
        started = time.monotonic()
        response = post_reply(client, issue, root)
        took = time.monotonic() - started
    assert took < 2, took
    assert response.status_code == 302
    assert Comment.objects.get(body="An answer").is_approved


def test_a_confirmation_is_tried_again_later_when_the_server_is_down(
    client, settings, task_queue
):
    mail_down(settings)
    subscribe(client, "grace@example.org")
    subscriber = Subscriber.objects.get()
    task_queue()  # connection refused
    assert mail.outbox == [] and Subscriber.objects.get().confirmation_sent_at is None
    [(arguments, run_after)] = waiting(subscription_tasks.mail_confirmation)
    assert arguments == {"args": [subscriber.pk], "kwargs": {"attempt": 1}}
    assert timedelta(seconds=50) < run_after - timezone.now() <= timedelta(seconds=60)
    task_queue()  # not due yet
    assert len(waiting(subscription_tasks.mail_confirmation)) == 1
    with smtp_server(settings) as sink, freeze_time(timezone.now() + timedelta(minutes=2)):
        task_queue()
    [(recipients, _)] = sink.messages
    assert recipients == ["grace@example.org"]
    assert Subscriber.objects.get().confirmation_sent_at is not None
    assert waiting(subscription_tasks.mail_confirmation) == []


def test_a_refused_address_is_not_tried_again(client, settings, task_queue):
    with smtp_server(settings) as sink:
        sink.refuse["grace@example.org"] = "550 5.1.1 No such user"
        subscribe(client, "grace@example.org")
        task_queue()
    assert sink.messages == []
    assert waiting(subscription_tasks.mail_confirmation) == []
    assert Subscriber.objects.get().confirmation_sent_at is None


def test_a_reply_is_tried_again_only_for_the_addresses_that_failed(
    client, settings, thread, task_queue
):
    issue, root = thread
    other = CommentFactory(
        issue=issue, parent=root, in_reply_to=root, author_email="busy@example.org",
        notify_replies=True,
    )  # fmt: skip
    with smtp_server(settings) as sink:
        sink.refuse["busy@example.org"] = "451 4.2.0 Mailbox busy, try later"
        post_reply(client, issue, other)
        task_queue()
        assert [recipients for recipients, _ in sink.messages] == [["asker@example.org"]]
        [(arguments, run_after)] = waiting(comment_tasks.tell_thread)
        assert arguments["kwargs"] == {"addresses": ["busy@example.org"], "attempt": 1}
        del sink.refuse["busy@example.org"]
        with freeze_time(run_after + timedelta(seconds=1)):
            task_queue()
    assert [recipients for recipients, _ in sink.messages] == [
        ["asker@example.org"],
        ["busy@example.org"],
    ]


def test_a_moderator_notice_is_tried_again_when_the_server_is_down(client, settings, task_queue):
    mail_down(settings)
    post_comment(client, IssueFactory().get_absolute_url(), body="Held for a look")
    task_queue()
    [(arguments, _)] = waiting(comment_tasks.tell_moderators)
    assert arguments["kwargs"] == {"attempt": 1}
    assert Comment.objects.get().status == Comment.Status.PENDING  # the comment stands


def test_a_queue_that_cannot_be_reached_loses_no_comment_and_no_subscriber(
    client, settings, thread
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["other"]}
    }  # every enqueue is refused: the queue named "default" is not this backend's
    issue, root = thread
    assert post_reply(client, issue, root).status_code == 302
    assert Comment.objects.filter(body="An answer").exists()
    assert subscribe(client, "grace@example.org").status_code == 200
    assert Subscriber.objects.filter(email="grace@example.org").exists()


# --- When to try again -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "temporary"),
    [
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError("timed out"), True),
        (smtplib.SMTPServerDisconnected("gone"), True),
        (smtplib.SMTPRecipientsRefused({"a@x": (451, b"later")}), True),
        (smtplib.SMTPDataError(421, b"closing"), True),
        (smtplib.SMTPRecipientsRefused({"a@x": (550, b"no such user")}), False),
        (smtplib.SMTPDataError(554, b"rejected"), False),
        (ValueError("a bug, not the network"), False),
    ],
)
def test_which_failures_are_tried_again(error, temporary):
    assert mail_retry.is_temporary(error) is temporary


def test_tries_stop_after_the_last_wait(task_queue):
    last = len(mail_retry.WAITS)
    assert mail_retry.try_again(subscription_tasks.mail_confirmation, last, 1) is None
    result = mail_retry.try_again(subscription_tasks.mail_confirmation, last - 1, 1)
    assert result.kwargs == {"attempt": last} and result.task.run_after is not None


def test_a_backend_that_cannot_wait_does_not_try_again():
    # The in-process tests' immediate backend runs a task at once or not at all.
    assert mail_retry.try_again(subscription_tasks.mail_confirmation, 0, 1) is None
