"""E-mail subscriptions, the reader's side (issue 19, item 1): the Subscribe
form's one answer whatever the address's state, double opt-in by a signed,
expiring link, one-click unsubscribe (RFC 8058), and the form's defences."""

import re
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.cache import caches
from freezegun import freeze_time

from digests.comments.forms import form_timestamp
from digests.subscriptions import limits
from digests.subscriptions import mail as sub_mail
from digests.subscriptions.models import Subscriber

from .factories import IssueFactory
from .smtp_sink import smtp_server, text_of

pytestmark = pytest.mark.django_db

URL = "/subscribe/"
CONFIRM_LINK = re.compile(r"https?://\S+/subscribe/confirm/[^/\s]+/")
# What differs from one response to the next: the reader's token, the form's time.
CSRF_VALUE = re.compile(rb'name="(csrfmiddlewaretoken|shown_at)" value="[^"]*"')


@pytest.fixture(autouse=True)
def quick(settings):
    settings.DIGESTS_SITE_URL = "https://digest.example.org"


def subscribe(client, email="ada@example.org", ip="192.0.2.10", **overrides):
    data = {"email": email, "website": "", "shown_at": form_timestamp(time.time() - 30)}
    data.update(overrides)
    return client.post(URL, data, REMOTE_ADDR=ip)


def confirm_link(message):
    return CONFIRM_LINK.search(message.body).group(0)


def path_of(url):
    return url.split("digest.example.org", 1)[1]


def test_the_form_is_first_on_subscribe_and_at_the_end_of_every_issue(client):
    page = client.get(URL).content.decode()
    assert page.index('class="subscribe-form"') < page.index("In a feed reader")
    assert "RSS:" in page  # the feeds are kept
    issue = IssueFactory()
    page = client.get(issue.get_absolute_url()).content.decode()
    form = page[page.index('class="subscribe-form"') :]
    assert 'action="/subscribe/"' in page
    assert '<"digests:' not in page  # the page cache filled in the reader's markers
    token = re.search(r'name="shown_at" value="([^"]+)"', form).group(1)
    assert signing.loads(token, salt="digests.comments.form-time") > time.time() - 60


def test_a_new_address_is_pending_and_mailed_a_link(client):
    response = subscribe(client, "Ada@Example.org")
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.status) == ("Ada@Example.org", "pending")
    assert subscriber.confirmation_sent_at is not None
    [message] = mail.outbox
    assert message.to == ["Ada@Example.org"]
    assert message.alternatives[0].mimetype == "text/html"
    assert confirm_link(message).startswith("https://digest.example.org/subscribe/confirm/")


def test_the_answer_is_the_same_for_new_pending_and_confirmed_addresses(client, settings):
    settings.DIGESTS_SUBSCRIBE_RESEND_MINUTES = 0
    Subscriber.objects.create(email="pending@example.org")
    confirmed = Subscriber(email="confirmed@example.org")
    confirmed.move_to(Subscriber.Status.CONFIRMED)
    confirmed.save()
    answers = [
        subscribe(client, address, ip=f"192.0.2.{n}")
        for n, address in enumerate(
            ["new@example.org", "pending@example.org", "confirmed@example.org"]
        )
    ]
    assert {a.status_code for a in answers} == {200}
    bodies = {CSRF_VALUE.sub(b"", a.content) for a in answers}
    assert len(bodies) == 1
    assert b"confirmed@example.org" not in answers[2].content
    # A new or pending address gets the link; a confirmed one, a note saying so.
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["new@example.org"].startswith("Confirm")
    assert subjects["pending@example.org"].startswith("Confirm")
    assert "already subscribed" in subjects["confirmed@example.org"]
    assert "/subscribe/confirm/" not in mail.outbox[2].body
    assert Subscriber.objects.get(email="confirmed@example.org").status == "confirmed"


def test_one_address_is_mailed_at_most_once_per_interval(client):
    subscribe(client, ip="192.0.2.1")
    second = subscribe(client, ip="192.0.2.2")
    assert second.status_code == 200 and b"Check your inbox" in second.content
    assert len(mail.outbox) == 1
    # Once the interval is over (its mark in the limits store expires) it is mailed again.
    caches["limits"].delete(limits.key_of("mailed", "ada@example.org"))
    subscribe(client, ip="192.0.2.3")
    assert len(mail.outbox) == 2


@pytest.mark.parametrize("status", ["unsubscribed", "bounced", "complained"])
def test_a_stopped_address_needs_a_new_confirmation(client, status):
    subscriber = Subscriber(email="ada@example.org")
    subscriber.move_to(status)
    subscriber.save()
    response = subscribe(client)
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == status  # until confirmed
    [message] = mail.outbox
    link = path_of(confirm_link(message))
    assert client.post(link).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == "confirmed"


def test_get_shows_a_button_and_changes_nothing_post_confirms(client):
    subscribe(client)
    link = path_of(confirm_link(mail.outbox[0]))
    page = client.get(link)
    assert page.status_code == 200
    assert b"Confirm my subscription" in page.content
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]
    assert Subscriber.objects.get().status == "pending"
    done = client.post(link)
    assert done.status_code == 200 and b"You're subscribed" in done.content
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "confirmed" and subscriber.confirmed_at is not None


def test_the_confirm_button_needs_the_csrf_token():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    subscriber = Subscriber.objects.create(email="ada@example.org")
    link = path_of(sub_mail.confirm_url(subscriber))
    assert client.post(link).status_code == 403
    assert Subscriber.objects.get().status == "pending"


@pytest.mark.parametrize("token", ["nonsense", "a" * 300, "x:y:z"])
def test_a_bad_confirmation_link_is_400_with_a_way_to_ask_again(client, token):
    for response in (
        client.get(f"/subscribe/confirm/{token}/"),
        client.post(f"/subscribe/confirm/{token}/"),
    ):
        assert response.status_code == 400
        assert b"ask for a new one" in response.content
        assert b'href="/subscribe/"' in response.content


def test_an_expired_confirmation_link_is_400(client, settings):
    subscriber = Subscriber.objects.create(email="ada@example.org")
    with freeze_time("2026-01-01"):
        link = path_of(sub_mail.confirm_url(subscriber))
    assert client.post(link).status_code == 400
    assert Subscriber.objects.get().status == "pending"


def test_a_link_made_before_unsubscribing_no_longer_confirms(client):
    subscriber = Subscriber.objects.create(email="ada@example.org")
    with freeze_time(timedelta(hours=-1), tick=True):
        link = path_of(sub_mail.confirm_url(subscriber))
    subscriber.move_to(Subscriber.Status.UNSUBSCRIBED)
    subscriber.save()
    assert client.post(link).status_code == 400
    assert Subscriber.objects.get().status == "unsubscribed"


def confirmed_subscriber():
    subscriber = Subscriber(email="ada@example.org")
    subscriber.move_to(Subscriber.Status.CONFIRMED)
    subscriber.save()
    return subscriber


def test_unsubscribe_get_shows_a_button_post_unsubscribes():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    subscriber = confirmed_subscriber()
    link = path_of(sub_mail.unsubscribe_url(subscriber))
    page = client.get(link)
    assert page.status_code == 200 and b"Unsubscribe?" in page.content
    assert Subscriber.objects.get().status == "confirmed"
    done = client.post(link)
    assert done.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed" and subscriber.unsubscribed_at is not None


def test_rfc_8058_one_click_post_unsubscribes_without_csrf():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    subscriber = confirmed_subscriber()
    headers = sub_mail.list_unsubscribe_headers(subscriber)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].strip("<>")
    assert url == sub_mail.unsubscribe_url(subscriber)
    assert url.startswith("https://digest.example.org/subscribe/unsubscribe/")
    response = client.post(
        path_of(url),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert Subscriber.objects.get().status == "unsubscribed"


def test_only_get_and_post_reach_the_unsubscribe_link(client):
    link = path_of(sub_mail.unsubscribe_url(confirmed_subscriber()))
    assert client.put(link).status_code == 405
    assert Subscriber.objects.get().status == "confirmed"


def test_a_bad_unsubscribe_link_is_400(client):
    confirmed_subscriber()
    for response in (
        client.get("/subscribe/unsubscribe/bad/"),
        client.post("/subscribe/unsubscribe/bad/"),
    ):
        assert response.status_code == 400
    assert Subscriber.objects.get().status == "confirmed"


def test_resubscribing_needs_a_new_confirmation(client):
    subscriber = confirmed_subscriber()
    client.post(path_of(sub_mail.unsubscribe_url(subscriber)))
    subscribe(client)
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"
    [message] = mail.outbox
    assert message.subject.startswith("Confirm")


def test_the_honeypot_gets_the_same_answer_and_nothing_else(client):
    response = subscribe(client, website="http://spam.example")
    assert response.status_code == 200 and b"Check your inbox" in response.content
    assert Subscriber.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not an address"}, b"look like an e-mail address"),
        ({"email": ""}, b"Please give the address"),
        ({"shown_at": "forged"}, b"could not be checked"),
        ({"shown_at": "in a minute"}, b"faster than anyone"),
    ],
)
def test_bad_input_is_400_with_the_address_kept(client, overrides, message):
    if overrides.get("shown_at") == "in a minute":
        # Signed when the test runs, not when it is collected (a full run takes minutes).
        overrides = {"shown_at": form_timestamp(time.time() + 60)}
    response = subscribe(client, **overrides)
    assert response.status_code == 400
    assert message in response.content
    kept = overrides.get("email", "ada@example.org")
    if kept:
        assert f'value="{kept}"'.encode() in response.content
    assert Subscriber.objects.count() == 0 and mail.outbox == []


def test_too_many_requests_from_one_ip_is_429_with_retry_after(client, settings):
    settings.DIGESTS_SUBSCRIBE_WINDOW_MAX = 2
    for n in range(2):
        assert subscribe(client, f"r{n}@example.org").status_code == 200
    refused = subscribe(client, "r9@example.org")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= settings.DIGESTS_SUBSCRIBE_WINDOW
    assert b"r9@example.org" in refused.content  # kept in the form
    assert not Subscriber.objects.filter(email="r9@example.org").exists()
    assert subscribe(client, "r9@example.org", ip="192.0.2.99").status_code == 200


def test_too_many_requests_for_one_address_is_429(client, settings):
    settings.DIGESTS_SUBSCRIBE_ADDRESS_WINDOW_MAX = 2
    for n in range(2):
        assert subscribe(client, ip=f"192.0.2.{n}").status_code == 200
    refused = subscribe(client, "ADA@example.org", ip="192.0.2.50")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert subscribe(client, "other@example.org", ip="192.0.2.51").status_code == 200


def test_a_dead_limits_store_refuses_with_503(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "limits": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    response = subscribe(client)
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert Subscriber.objects.count() == 0


def test_a_mail_outage_still_answers_alike(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1
    response = subscribe(client)
    assert response.status_code == 200 and b"Check your inbox" in response.content
    assert Subscriber.objects.get().confirmation_sent_at is None


def test_subscribe_confirm_through_a_real_smtp_server(client, settings):
    with smtp_server(settings) as sink:
        assert subscribe(client, "grace@example.org").status_code == 200
    [(recipients, message)] = sink.messages
    assert recipients == ["grace@example.org"]
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(preferencelist=("html",)) is not None
    link = CONFIRM_LINK.search(text_of(message)).group(0)
    assert client.get(path_of(link)).status_code == 200
    assert Subscriber.objects.get().status == "pending"
    assert client.post(path_of(link)).status_code == 200
    assert Subscriber.objects.get().status == "confirmed"
