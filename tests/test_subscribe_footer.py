"""The Subscribe box in every page's footer (issue 19): the Subscribe form's
fields and defences in one line, from cached pages and without script, with
the same answer as /subscribe/."""

import re
import time

import pytest
from django.core import mail, signing
from django.test import Client

from digests.subscriptions.models import Subscriber

from .factories import IssueFactory, PaperFactory
from .test_subscriptions import CSRF_VALUE

pytestmark = pytest.mark.django_db

FOOTER_FORM = re.compile(r'<form class="footer-subscribe".*?</form>', re.S)
FIELD = re.compile(r'<input type="(?:hidden|email|text)" name="([a-z_]+)"(?: value="([^"]*)")?')


@pytest.fixture
def pages():
    paper = PaperFactory(tags=["long-context"])
    return {
        "home": "/",
        "issue": paper.issue.get_absolute_url(),
        "paper": paper.get_absolute_url(),
        "tag": "/tags/long-context/",
        "archive": "/issues/",
        "subscribe": "/subscribe/",
    }


def footer_form(response):
    assert response.status_code == 200
    [form] = FOOTER_FORM.findall(response.content.decode())
    return form


def fields_of(form):
    return {name: value for name, value in FIELD.findall(form)}


def test_every_page_has_the_box_with_the_forms_defences(client, pages):
    for name, url in pages.items():
        form = footer_form(client.get(url))
        assert 'method="post" action="/subscribe/"' in form, name
        assert '<"digests:' not in form, name  # the page cache filled in the reader's markers
        fields = fields_of(form)
        assert set(fields) == {"csrfmiddlewaretoken", "email", "website", "shown_at"}, name
        assert fields["csrfmiddlewaretoken"], name
        shown_at = signing.loads(fields["shown_at"], salt="digests.comments.form-time")
        assert time.time() - 60 < shown_at < time.time() + 1, name
        assert 'class="field field--trap" aria-hidden="true"' in form  # the honeypot, hidden
        assert 'Get every issue by <span class="nowrap">e-mail</span>' in form


def test_ids_stay_unique_beside_the_end_of_issue_form(client, pages):
    page = client.get(pages["issue"]).content.decode()
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert 'for="footer-subscribe-email"' in page and 'for="subscribe-email"' in page


def test_one_cached_copy_gives_each_reader_their_own_token_and_time(pages):
    first, second = Client(), Client()
    one = first.get(pages["home"])
    two = second.get(pages["home"])
    assert two["X-Page-Cache"] == "hit"
    assert fields_of(footer_form(one))["csrfmiddlewaretoken"] != (
        fields_of(footer_form(two))["csrfmiddlewaretoken"]
    )
    assert "csrftoken" in two.cookies and "private" in two["Cache-Control"]


def send(reader, page, email):
    """What a browser without script sends from the page's footer form."""
    fields = fields_of(footer_form(page))
    fields["email"] = email
    return reader.post("/subscribe/", fields, REMOTE_ADDR="192.0.2.77")


def test_posting_the_box_from_a_cached_page_subscribes(pages, settings):
    settings.DIGESTS_SUBSCRIBE_MIN_SECONDS = 0
    Client().get(pages["paper"])  # now in the page cache
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(pages["paper"])
    assert page["X-Page-Cache"] == "hit"
    response = send(reader, page, "grace@example.org")
    assert response.status_code == 200 and b"Check your inbox" in response.content
    assert Subscriber.objects.get().email == "grace@example.org"
    [message] = mail.outbox
    assert message.to == ["grace@example.org"] and message.subject.startswith("Confirm")


def test_the_answer_is_the_same_as_from_the_subscribe_page(pages, settings):
    settings.DIGESTS_SUBSCRIBE_MIN_SECONDS = 0
    reader = Client(enforce_csrf_checks=True)
    from_footer = send(reader, reader.get(pages["tag"]), "a@example.org")
    page = reader.get("/subscribe/").content.decode()
    form = re.search(r'<form class="subscribe-form".*?</form>', page, re.S).group(0)
    fields = fields_of(form)
    fields["email"] = "b@example.org"
    from_page = reader.post("/subscribe/", fields, REMOTE_ADDR="192.0.2.78")
    assert from_footer.status_code == from_page.status_code == 200
    assert CSRF_VALUE.sub(b"", from_footer.content) == CSRF_VALUE.sub(b"", from_page.content)


def test_the_box_has_the_forms_defences(pages, settings):
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(pages["home"])
    fields = fields_of(footer_form(page))
    # Sent at once (no one types an address that fast): refused, the address kept.
    fields["email"] = "quick@example.org"
    refused = reader.post("/subscribe/", fields, REMOTE_ADDR="192.0.2.79")
    assert refused.status_code == 400 and b"faster than anyone" in refused.content
    assert b'value="quick@example.org"' in refused.content
    # Without its CSRF token: refused.
    settings.DIGESTS_SUBSCRIBE_MIN_SECONDS = 0
    fields.pop("csrfmiddlewaretoken")
    assert reader.post("/subscribe/", fields, REMOTE_ADDR="192.0.2.79").status_code == 403
    # The hidden field filled in: the same answer, nothing done.
    fields = fields_of(footer_form(reader.get(pages["home"])))
    fields.update(email="bot@example.org", website="http://spam.example")
    trapped = reader.post("/subscribe/", fields, REMOTE_ADDR="192.0.2.79")
    assert trapped.status_code == 200 and b"Check your inbox" in trapped.content
    assert not Subscriber.objects.exists() and mail.outbox == []


def test_the_end_of_issue_heading_keeps_e_mail_whole(client):
    page = client.get(IssueFactory().get_absolute_url()).content.decode()
    assert (
        '<h2 id="subscribe-form-title" class="subscribe-form__title">'
        'Get every issue by <span class="nowrap">e-mail</span></h2>'
    ) in page
