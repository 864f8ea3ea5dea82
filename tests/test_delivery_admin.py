"""The editor's side of a delivery: the Newsletter box on an issue's page
(test copy, Send with its confirmation, Send when published), and a
delivery's progress page with Pause, Resume, Cancel and its figures."""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from digests.models import Delivery, Message, Subscriber

from .factories import IssueFactory, PaperFactory, SectionFactory, UserFactory
from .servers import free_port
from .smtp_sink import smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(db):
    """Staff who may look at issues, not change them."""
    user = UserFactory(username="reader-on-staff", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="digests", codename__in=["view_issue", "view_paper"]
        )
    )
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def issue(db):
    issue = IssueFactory(title="Research Highlights, June 2023")
    PaperFactory(issue=issue, section=SectionFactory(name="Large Language Models"))
    return issue


def subscriber(email, status=Subscriber.Status.CONFIRMED):
    person = Subscriber(email=email)
    person.move_to(status)
    person.save()
    return person


def change_url(issue):
    return reverse("admin:digests_issue_change", args=[issue.pk])


def copy_url(issue):
    return reverse("admin:digests_issue_newsletter_test", args=[issue.pk])


def send_url(issue):
    return reverse("admin:digests_issue_newsletter_send", args=[issue.pk])


def progress_url(delivery):
    return reverse("admin:digests_delivery_change", args=[delivery.pk])


def button_url(delivery, name):
    return reverse(f"admin:digests_delivery_{name}", args=[delivery.pk])


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]


def text(response):
    """The page's words, without tags and with spaces squeezed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def a_delivery(issue, status=Delivery.Status.SENDING, **fields):
    now = timezone.now()
    fields.setdefault("started_at", now - timedelta(minutes=1))
    fields.setdefault("last_activity_at", now)
    return Delivery.objects.create(issue=issue, status=status, **fields)


def log_rows(delivery, status, count, *, prefix=None, **fields):
    prefix = prefix or status
    rows = [
        Message(delivery=delivery, subscriber=subscriber(f"{prefix}{n}@example.com"), status=status)
        for n in range(count)
    ]
    for row in rows:
        for name, value in fields.items():
            setattr(row, name, value)
    return Message.objects.bulk_create(rows)


# The Newsletter box


def test_box_counts_confirmed_subscribers_and_offers_a_test_to_the_editor(editor_client, issue):
    subscriber("a@example.com")
    subscriber("b@example.com")
    subscriber("pending@example.com", Subscriber.Status.PENDING)
    response = editor_client.get(change_url(issue))
    page = text(response)
    assert "2 confirmed subscribers" in page
    assert 'name="address" id="id_newsletter_address" value="editor@example.org"' in (
        response.content.decode()
    )
    assert f'href="{send_url(issue)}"' in response.content.decode()
    assert "Send to 2 subscribers…" in page


def test_viewer_sees_the_state_but_no_button_and_may_not_send(client, viewer, issue):
    subscriber("a@example.com")
    delivery = a_delivery(issue)
    client.force_login(viewer)
    response = client.get(change_url(issue))
    assert response.status_code == 200
    page = text(response)
    assert "1 confirmed subscriber" in page
    assert "Delivery under way" in page
    assert progress_url(delivery) in response.content.decode()
    assert "Send test" not in page and "Send to" not in page
    assert client.post(copy_url(issue), {"address": "x@example.com"}).status_code == 403
    assert client.get(send_url(issue)).status_code == 403
    assert client.post(send_url(issue), {"when": "now"}).status_code == 403
    # The progress page: figures, no buttons, and the buttons refuse.
    progress_page = client.get(progress_url(delivery))
    assert progress_page.status_code == 200
    assert "Pause" not in text(progress_page)
    for name in ("pause", "cancel", "ask_again"):
        assert client.post(button_url(delivery, name)).status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENDING


def test_staff_without_issue_permissions_see_no_deliveries(client, staff_without_permission, issue):
    delivery = a_delivery(issue)
    client.force_login(staff_without_permission)
    assert client.get(progress_url(delivery)).status_code == 403
    assert client.get(reverse("admin:digests_delivery_changelist")).status_code == 403


def test_a_test_copy_reaches_the_mail_server_marked_test(editor_client, issue, settings):
    with smtp_server(settings) as sink:
        response = editor_client.post(copy_url(issue), {"address": "me@example.net"}, follow=True)
    assert response.redirect_chain[-1][0] == change_url(issue)
    assert any("sent to me@example.net" in message for message in shown_messages(response))
    assert len(sink.messages) == 1
    recipients, message = sink.messages[0]
    assert recipients == ["me@example.net"]
    assert message["Subject"] == "[Test] Research Highlights, June 2023"
    assert not Delivery.objects.exists()


def test_mail_server_down_at_test_send_is_a_clear_message_not_an_error_page(
    editor_client, issue, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 5
    response = editor_client.post(copy_url(issue), {"address": "me@example.net"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(change_url(issue), 302)]
    (message,) = shown_messages(response)
    assert message.startswith("No test was sent: the mail server could not be reached")
    assert "ConnectionRefusedError" in message


def test_a_refused_test_address_is_said_and_nothing_breaks(editor_client, issue, settings):
    with smtp_server(settings) as sink:
        sink.refuse["me@example.net"] = "550 5.1.1 No such user"
        response = editor_client.post(copy_url(issue), {"address": "me@example.net"}, follow=True)
    (message,) = shown_messages(response)
    assert "No test was sent" in message and "550" in message
    assert sink.messages == []


def test_a_test_to_something_not_an_address_is_refused(editor_client, issue, mailoutbox):
    response = editor_client.post(copy_url(issue), {"address": "not an address"}, follow=True)
    assert shown_messages(response) == [
        "No test was sent: “not an address” is not an e-mail address."
    ]
    assert mailoutbox == []


# Sending


def test_confirm_page_repeats_the_number_and_the_title(editor_client, issue):
    for n in range(3):
        subscriber(f"reader{n}@example.com")
    subscriber("gone@example.com", Subscriber.Status.UNSUBSCRIBED)
    response = editor_client.get(send_url(issue))
    assert response.status_code == 200
    page = text(response)
    assert "Send “Research Highlights, June 2023” to 3 subscribers now?" in page
    assert 'value="Send to 3 subscribers"' in response.content.decode()
    assert not Delivery.objects.exists()  # asking is not sending


def test_send_delivers_one_message_to_each_confirmed_subscriber(
    editor_client, editor, issue, settings, task_queue, django_capture_on_commit_callbacks
):
    addresses = [f"reader{n}@example.com" for n in range(5)]
    for address in addresses:
        subscriber(address)
    subscriber("pending@example.com", Subscriber.Status.PENDING)
    with smtp_server(settings) as sink:
        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(send_url(issue), {"when": "now"})
        delivery = Delivery.objects.get()
        assert response.status_code == 302
        assert response["Location"] == progress_url(delivery)
        assert delivery.status == Delivery.Status.SENDING
        assert delivery.created_by == editor
        task_queue()
    assert sorted(recipients[0] for recipients, _ in sink.messages) == addresses
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DONE
    page = text(editor_client.get(progress_url(delivery)))
    assert "5 of 5 handled (100 %)" in page
    # The box now says it is done and offers no second send to the same people.
    box = text(editor_client.get(change_url(issue)))
    assert "Latest delivery: sent" in box
    assert "Every confirmed subscriber has been sent this issue." in box


def test_sending_a_draft_now_says_why_not(editor_client):
    draft = IssueFactory.draft(title="Not Yet")
    response = editor_client.post(send_url(draft), {"when": "now"}, follow=True)
    assert response.redirect_chain[-1][0] == change_url(draft)
    assert shown_messages(response) == [
        "This issue is not public yet: publish it first, or choose “Send when published”."
    ]
    assert not Delivery.objects.exists()


def test_a_draft_offers_send_when_published_and_it_waits(editor_client):
    draft = IssueFactory.draft(title="Not Yet")
    subscriber("a@example.com")
    box = text(editor_client.get(change_url(draft)))
    assert "Send when published…" in box and "Send to" not in box
    confirm = text(editor_client.get(send_url(draft)))
    assert "Send “Not Yet” to its subscribers when it is published?" in confirm
    response = editor_client.post(send_url(draft), {"when": "published"}, follow=True)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SCHEDULED
    assert response.redirect_chain[-1][0] == progress_url(delivery)
    assert "the issue is a draft: it starts once you publish it" in text(response)
    assert "Set up by editor" in text(response)


def test_a_second_delivery_while_one_is_under_way_is_refused(editor_client, issue):
    a_delivery(issue)
    response = editor_client.post(send_url(issue), {"when": "now"}, follow=True)
    assert shown_messages(response) == [
        "This issue already has a delivery under way: pause or cancel it first."
    ]
    assert Delivery.objects.count() == 1


def test_send_needs_a_choice_of_when(editor_client, issue):
    assert editor_client.post(send_url(issue), {}).status_code == 400


# The progress page and its buttons


@pytest.mark.parametrize(
    ("button", "before", "after"),
    [
        ("pause", Delivery.Status.SENDING, Delivery.Status.PAUSED),
        ("resume", Delivery.Status.PAUSED, Delivery.Status.SENDING),
        ("cancel", Delivery.Status.SENDING, Delivery.Status.CANCELLED),
        ("cancel", Delivery.Status.PAUSED, Delivery.Status.CANCELLED),
    ],
)
def test_buttons_change_the_status(
    editor_client, issue, button, before, after, django_capture_on_commit_callbacks
):
    delivery = a_delivery(issue, before)
    page = editor_client.get(progress_url(delivery)).content.decode()
    assert f'action="{button_url(delivery, button)}"' in page
    with django_capture_on_commit_callbacks() as asked:
        response = editor_client.post(button_url(delivery, button), follow=True)
    assert response.redirect_chain == [(progress_url(delivery), 302)]
    delivery.refresh_from_db()
    assert delivery.status == after
    assert len(shown_messages(response)) == 1
    # Resume asks the workers again once the change is committed.
    assert len(asked) == (1 if button == "resume" else 0)


def test_a_button_that_does_not_apply_says_so(editor_client, issue):
    delivery = a_delivery(issue, Delivery.Status.DONE)
    response = editor_client.post(button_url(delivery, "pause"), follow=True)
    assert shown_messages(response) == ["Only a delivery that is sending can be paused."]
    assert "Pause" not in text(response)  # an ended delivery shows no buttons
    assert editor_client.get(button_url(delivery, "pause")).status_code == 405


def test_progress_page_shows_the_counts_rate_and_time_left(editor_client, editor, issue):
    now = timezone.now()
    delivery = a_delivery(
        issue, started_at=now - timedelta(minutes=20), total=104, created_by=editor
    )
    # 30 sent in the last five minutes (6 a minute), 10 long before.
    log_rows(delivery, "sent", 30, sent_at=now - timedelta(minutes=2))
    log_rows(delivery, "sent", 10, prefix="early", sent_at=now - timedelta(minutes=15))
    log_rows(delivery, "queued", 60)
    log_rows(delivery, "failed", 2, attempts=6, error="SMTPRecipientsRefused: 451 4.3.0 Try later")
    log_rows(
        delivery, "bounced", 1, attempts=1, error="SMTPRecipientsRefused: 550 5.1.1 No such user"
    )
    log_rows(delivery, "skipped", 1)
    response = editor_client.get(progress_url(delivery))
    assert response.status_code == 200
    page = text(response)
    for figure, value in [
        ("Queued", 60),
        ("Sent", 40),
        ("Failed", 2),
        ("Bounced", 1),
        ("Skipped", 1),
    ]:
        assert f"{figure} {value} " in page
    assert "44 of 104 handled (42 %)" in page
    assert "Rate 6 a minute last 5 minutes" in page
    assert "about 10 min left" in page  # 60 queued at 6 a minute
    assert "Started by editor" in page
    # The rows not delivered, with their errors.
    assert "Not delivered" in page
    assert "bounced0@example.com bounced 1 SMTPRecipientsRefused: 550 5.1.1 No such user" in page
    assert "failed1@example.com failed 6 SMTPRecipientsRefused: 451 4.3.0 Try later" in page
    assert "queued0@example.com" not in page


def test_only_the_first_fifty_undelivered_rows_are_listed(editor_client, issue):
    delivery = a_delivery(issue, Delivery.Status.DONE, finished_at=timezone.now())
    log_rows(delivery, "bounced", 55, error="550 no")
    page = text(editor_client.get(progress_url(delivery)))
    assert "Not delivered: the first 50 of 55" in page
    assert page.count("550 no") == 50


def test_a_finished_delivery_shows_its_average_rate_and_no_time_left(editor_client, issue):
    start = timezone.now() - timedelta(hours=1)
    delivery = a_delivery(
        issue, Delivery.Status.DONE, started_at=start, finished_at=start + timedelta(minutes=10)
    )
    log_rows(delivery, "sent", 50, sent_at=start + timedelta(minutes=10))
    page = text(editor_client.get(progress_url(delivery)))
    assert "Rate 5 a minute on average" in page
    assert "left" not in page


def test_progress_page_refreshes_itself_only_while_sending(editor_client, issue):
    refresh = '<meta http-equiv="refresh" content="5">'
    delivery = a_delivery(issue)
    assert refresh in editor_client.get(progress_url(delivery)).content.decode()
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.PAUSED)
    assert refresh not in editor_client.get(progress_url(delivery)).content.decode()
    assert refresh not in editor_client.get(change_url(issue)).content.decode()


def test_mail_server_unavailable_says_when_the_next_try_is(editor_client, issue):
    retry_at = timezone.now() + timedelta(minutes=3)
    delivery = a_delivery(
        issue,
        retry_at=retry_at,
        failures_in_a_row=3,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    log_rows(delivery, "queued", 5)
    page = text(editor_client.get(progress_url(delivery)))
    assert f"Mail server unavailable, next try at {timezone.localtime(retry_at):%H:%M}" in page
    assert "Last error: ConnectionRefusedError: [Errno 111] Connection refused" in page
    assert "time left unknown until the mail server answers" in page
    assert "No worker seems to be running" not in page
    # Its time has come and gone: the page does not promise a try in the past.
    Delivery.objects.filter(pk=delivery.pk).update(retry_at=timezone.now() - timedelta(seconds=20))
    assert "Mail server unavailable, a new try was due at" in text(
        editor_client.get(progress_url(delivery))
    )
    # Once it answers again, the page says it was down for a while, not that it is.
    Delivery.objects.filter(pk=delivery.pk).update(retry_at=None, failures_in_a_row=0)
    page = text(editor_client.get(progress_url(delivery)))
    assert "Mail server unavailable" not in page
    assert "The mail server could not be reached at some point" in page
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in page


def test_stale_worker_warning_when_nothing_moved_for_twice_the_lease(
    editor_client, issue, settings
):
    settings.DIGESTS_MAIL_LEASE_SECONDS = 60
    now = timezone.now()
    delivery = a_delivery(
        issue,
        created_at=now - timedelta(minutes=30),
        started_at=now - timedelta(minutes=30),
        last_activity_at=now - timedelta(minutes=3),
    )
    log_rows(delivery, "queued", 5)
    response = editor_client.get(progress_url(delivery))
    page = text(response)
    assert "No worker seems to be running" in page
    assert "manage.py db_worker" in page and "rqworker" in page
    assert f'action="{button_url(delivery, "ask_again")}"' in response.content.decode()
    # A row waiting for a later attempt does not excuse the ones due now.
    log_rows(delivery, "queued", 1, prefix="later", next_attempt_at=now + timedelta(minutes=9))
    assert "No worker seems to be running" in text(editor_client.get(progress_url(delivery)))

    Delivery.objects.filter(pk=delivery.pk).update(last_activity_at=now - timedelta(seconds=90))
    assert "No worker seems to be running" not in text(editor_client.get(progress_url(delivery)))


def test_waiting_rows_or_a_waited_for_server_are_not_a_stale_worker(editor_client, issue, settings):
    settings.DIGESTS_MAIL_LEASE_SECONDS = 60
    now = timezone.now()
    long_ago = now - timedelta(minutes=30)
    delivery = a_delivery(
        issue, created_at=long_ago, started_at=long_ago, last_activity_at=long_ago
    )
    # Every queued row waits for its next attempt, still to come.
    log_rows(delivery, "queued", 3, next_attempt_at=now + timedelta(minutes=4))
    assert "No worker seems" not in text(editor_client.get(progress_url(delivery)))
    # The server is waited for: quiet until its time has passed by twice the lease.
    Message.objects.update(next_attempt_at=None)
    Delivery.objects.filter(pk=delivery.pk).update(retry_at=now - timedelta(seconds=30))
    assert "No worker seems" not in text(editor_client.get(progress_url(delivery)))
    Delivery.objects.filter(pk=delivery.pk).update(retry_at=now - timedelta(minutes=5))
    assert "No worker seems" in text(editor_client.get(progress_url(delivery)))


def test_a_paused_delivery_is_never_called_stale(editor_client, issue, settings):
    long_ago = timezone.now() - timedelta(hours=2)
    delivery = a_delivery(
        issue,
        Delivery.Status.PAUSED,
        created_at=long_ago,
        started_at=long_ago,
        last_activity_at=long_ago,
    )
    log_rows(delivery, "queued", 3)
    assert "No worker seems" not in text(editor_client.get(progress_url(delivery)))


def test_ask_again_sets_a_stalled_delivery_going(
    editor_client, issue, settings, django_capture_on_commit_callbacks
):
    long_ago = timezone.now() - timedelta(hours=1)
    delivery = a_delivery(issue, started_at=long_ago, last_activity_at=long_ago, total=3)
    log_rows(delivery, "queued", 3)
    with smtp_server(settings) as sink:
        response = editor_client.post(button_url(delivery, "ask_again"), follow=True)
    assert len(sink.messages) == 3
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DONE
    assert shown_messages(response)[0].startswith("Asked the workers again.")


# The list, and what the generic admin may not do


def test_delivery_list_shows_issue_status_and_figures(editor_client, issue):
    delivery = a_delivery(issue, total=10)
    log_rows(delivery, "sent", 6)
    log_rows(delivery, "failed", 1)
    log_rows(delivery, "bounced", 2)
    log_rows(delivery, "queued", 1)
    other = a_delivery(IssueFactory(title="Another Issue"), Delivery.Status.DONE)
    response = editor_client.get(reverse("admin:digests_delivery_changelist"))
    page = text(response)
    assert issue.title in page
    assert "6 / 10" in page
    row = re.search(r"6 / 10 (\d+) (\d+)", page)
    assert row.groups() == ("1", "2")
    filtered = editor_client.get(
        reverse("admin:digests_delivery_changelist"), {"status__exact": "done"}
    )
    assert list(filtered.context["cl"].result_list) == [other]


def test_deliveries_are_neither_added_nor_deleted_by_hand(editor_client, client, superuser, issue):
    delivery = a_delivery(issue)
    client.force_login(superuser)
    for user_client in (editor_client, client):
        assert user_client.get(reverse("admin:digests_delivery_add")).status_code == 403
        delete = reverse("admin:digests_delivery_delete", args=[delivery.pk])
        assert user_client.post(delete, {"post": "yes"}).status_code == 403
        listing = user_client.get(reverse("admin:digests_delivery_changelist"))
        assert reverse("admin:digests_delivery_add") not in listing.content.decode()
    # The progress page is no form: posting to it changes nothing.
    assert client.post(progress_url(delivery), {"status": "done", "total": 99}).status_code == 405
    delivery.refresh_from_db()
    assert (delivery.status, delivery.total) == (Delivery.Status.SENDING, 0)
    assert Delivery.objects.filter(pk=delivery.pk).exists()


def test_send_log_rows_have_no_admin_of_their_own(editor_client):
    assert not admin.site.is_registered(Message)


def test_a_scheduled_delivery_left_waiting_after_publication_is_stale(editor_client, settings):
    settings.DIGESTS_MAIL_LEASE_SECONDS = 60
    long_ago = timezone.now() - timedelta(hours=1)
    public = IssueFactory(published_at=long_ago)
    draft = IssueFactory.draft()
    waiting = {
        issue: Delivery.objects.create(
            issue=issue, status=Delivery.Status.SCHEDULED, created_at=long_ago
        )
        for issue in (public, draft)
    }
    page = text(editor_client.get(progress_url(waiting[public])))
    assert "No worker seems to be running" in page
    assert "(the issue is public: it should start any moment)" in page
    page = text(editor_client.get(progress_url(waiting[draft])))
    assert "No worker seems to be running" not in page
    assert "(the issue is a draft: it starts once you publish it)" in page


def test_progress_page_and_list_cost_the_same_queries_whatever_the_send_log(editor_client, issue):
    delivery = a_delivery(issue)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(url).status_code == 200
        return len(captured)

    pages = [progress_url(delivery), reverse("admin:digests_delivery_changelist")]
    log_rows(delivery, "bounced", 2)
    log_rows(delivery, "queued", 2)
    small = [queries(url) for url in pages]
    log_rows(delivery, "bounced", 40, prefix="more-bounced")
    log_rows(delivery, "sent", 40, sent_at=timezone.now())
    a_delivery(IssueFactory(), Delivery.Status.DONE)
    assert [queries(url) for url in pages] == small
