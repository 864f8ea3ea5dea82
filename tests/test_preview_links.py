"""Signed, expiring preview links: a reviewer without an account reads a draft issue."""

import re
import time

import pytest
from django.contrib.messages import get_messages
from django.core import signing
from django.urls import reverse

from digests import preview_links
from digests.models import Issue

from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.DIGESTS_PAGE_CACHE = True


@pytest.fixture
def draft():
    issue = IssueFactory.draft(title="Secret Summer Draft", slug="secret-summer")
    PaperFactory(
        issue=issue,
        section=SectionFactory(name="Large Language Models", slug="llm"),
        title="Unreleased Paper",
        annotation="Why it *matters*.",
    )
    return issue


def link_for(issue, **kwargs):
    return reverse("digests:issue_preview_link", args=[preview_links.make_token(issue, **kwargs)])


def create_in_admin(client, user, issue, days="7"):
    client.force_login(user)
    response = client.post(
        reverse("admin:digests_issue_preview_link", args=[issue.pk]), {"days": days}
    )
    client.logout()
    return response


def assert_private(response):
    control = response["Cache-Control"]
    assert "private" in control and "no-store" in control
    assert "noindex" in response["X-Robots-Tag"]
    assert "X-Page-Cache" not in response


def test_editor_creates_a_link_in_the_admin_and_an_anonymous_reviewer_reads_the_draft(
    client, editor, draft
):
    client.force_login(editor)
    change = client.get(reverse("admin:digests_issue_change", args=[draft.pk]))
    assert b"Create preview link" in change.content and b"Revoke all links" in change.content
    client.logout()

    response = create_in_admin(client, editor, draft)
    assert response.status_code == 200
    html = response.content.decode()
    url = re.search(r'id="preview-url"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*id="preview-url"', html
    )
    url = url.group(1)
    assert url.startswith("http://testserver/preview/")
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]

    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Secret Summer Draft" in body and "Why it <em>matters</em>." in body
    assert "Preview." in body and "shared this draft with you" in body
    assert '<meta name="robots" content="noindex' in body
    assert "Edit it in the admin" not in body  # the reviewer has no account
    assert_private(page)


def test_the_link_lasts_as_long_as_the_editor_chose(client, editor, draft):
    response = create_in_admin(client, editor, draft, days="1")
    token = re.search(r"/preview/([^/\"]+)/", response.content.decode()).group(1)
    expires = preview_links.expiry_of(token).timestamp()
    assert abs(expires - (time.time() + 86400)) < 60
    assert b"(1 day)" in response.content


def test_a_bad_duration_is_a_clear_400(client, editor, draft):
    response = create_in_admin(client, editor, draft, days="365")
    assert response.status_code == 400
    assert b"The link was not created" in response.content


def test_staff_without_permission_cannot_create_links(client, staff_without_permission, draft):
    response = create_in_admin(client, staff_without_permission, draft)
    assert response.status_code == 403


def test_a_link_for_a_published_issue_is_not_made(client, editor):
    issue = IssueFactory()
    response = create_in_admin(client, editor, issue)
    assert response.status_code == 302
    assert "instead of a preview link" in str(list(get_messages(response.wsgi_request)))


def test_scheduled_issue_preview_works_and_the_link_follows_publication(client, draft):
    scheduled = IssueFactory.scheduled(title="Scheduled One")
    response = client.get(link_for(scheduled))
    assert response.status_code == 200 and b"Scheduled One" in response.content
    # Once readers can see it, the link leads to the public page.
    Issue.objects.filter(pk=scheduled.pk).update(published_at=draft.created_at)
    response = client.get(link_for(scheduled))
    assert response.status_code == 302 and response["Location"] == scheduled.get_absolute_url()


def test_expired_link_is_a_friendly_403(client, draft):
    url = link_for(draft, days=1, now=time.time() - 2 * 86400)
    response = client.get(url)
    assert response.status_code == 403
    assert b"This preview link has expired" in response.content
    assert b"Secret Summer Draft" not in response.content
    assert_private(response)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"),  # signature
        lambda token: signing.dumps({"i": 1, "k": "x", "e": 2**40}, salt="other"),  # salt
        lambda token: "not-a-token",
    ],
)
def test_tampered_link_is_a_friendly_404(client, draft, tamper):
    token = preview_links.make_token(draft)
    response = client.get(reverse("digests:issue_preview_link", args=[tamper(token)]))
    assert response.status_code == 404
    assert b"This preview link is not valid" in response.content
    assert b"Secret Summer Draft" not in response.content


def test_a_link_cannot_be_moved_to_another_issue(client, draft):
    other = IssueFactory.draft(title="Other Secret")
    payload = signing.loads(preview_links.make_token(draft), salt=preview_links.SALT)
    forged = signing.dumps({**payload, "i": other.pk}, salt="wrong-salt")
    response = client.get(reverse("digests:issue_preview_link", args=[forged]))
    assert response.status_code == 404 and b"Other Secret" not in response.content


def test_revoking_stops_every_earlier_link_but_new_ones_work(client, editor, draft):
    first, second = link_for(draft), link_for(draft, days=30)
    assert client.get(first).status_code == 200
    client.force_login(editor)
    response = client.post(reverse("admin:digests_issue_revoke_preview_links", args=[draft.pk]))
    assert response.status_code == 302
    client.logout()
    for url in (first, second):
        response = client.get(url)
        assert response.status_code == 403
        assert b"withdrawn" in response.content
    draft.refresh_from_db()
    assert client.get(link_for(draft)).status_code == 200


def test_a_deleted_issue_link_is_a_404(client, draft):
    url = link_for(draft)
    Issue.objects.filter(pk=draft.pk).delete()
    assert client.get(url).status_code == 404


def test_preview_pages_never_enter_the_page_cache(client, draft):
    url = link_for(draft)
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert_private(response)
    # Revoked: if any copy were cached, this would still show the draft.
    Issue.objects.filter(pk=draft.pk).update(preview_key="new")
    response = client.get(url)
    assert response.status_code == 403 and b"Secret Summer Draft" not in response.content


def test_the_normal_address_still_hides_the_draft_from_the_reviewer(client, draft):
    client.get(link_for(draft))
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_comments_cannot_be_posted_through_a_preview_link(client, draft):
    response = client.post(link_for(draft), {"body": "hello", "author_name": "x"})
    assert response.status_code == 405
    assert not draft.comments.exists()


def test_revoking_needs_a_post(client, editor, draft):
    client.force_login(editor)
    url = reverse("admin:digests_issue_revoke_preview_links", args=[draft.pk])
    key = draft.preview_key
    assert client.get(url).status_code == 405
    draft.refresh_from_db()
    assert draft.preview_key == key


def test_the_page_cache_never_answers_a_preview_address(client, draft):
    """Even an entry stored under the address (say by an older release) is not served."""
    from django.core.cache import cache
    from django.test import RequestFactory

    from digests.caching import version
    from digests.caching.pages import PageCacheMiddleware, StoredPage

    url = link_for(draft)
    key = PageCacheMiddleware(lambda request: None).key(RequestFactory().get(url))
    body = b"Secret Summer Draft, stale copy"
    headers = {"Content-Type": "text/html; charset=utf-8"}
    current = version.current()
    cache.set(key, StoredPage(current, float("inf"), 200, headers, '"x"', None, [body], 31))
    Issue.objects.filter(pk=draft.pk).update(preview_key="withdrawn")
    response = client.get(url)
    assert response.status_code == 403 and b"stale copy" not in response.content
