"""The page cache: fast for anonymous readers, and never stale."""

import re
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digests.comments import rules
from digests.models import Comment

from .comment_helpers import form_data
from .factories import CommentFactory, IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    return PaperFactory(title="Original Paper Title", tags=["llm"])


def get(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code in (200, 304), (url, response.status_code)
    return response


def test_a_second_anonymous_visit_is_a_hit_without_queries(client, paper):
    url = paper.issue.get_absolute_url()
    assert get(client, url)["X-Page-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        again = get(client, url)
    assert again["X-Page-Cache"] == "hit"
    assert len(queries) == 0
    assert "Original Paper Title" in again.content.decode()


def test_each_reader_gets_their_own_form_token_and_time_from_one_cached_copy(paper):
    url = paper.issue.get_absolute_url()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page_one = get(first, url).content.decode()
    response_two = get(second, url)
    page_two = response_two.content.decode()
    assert response_two["X-Page-Cache"] == "hit"
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.search(page_one)[1] != token.search(page_two)[1]
    assert "__digests_" not in page_two
    assert "Cookie" in response_two["Vary"]
    # The token from the cached page is accepted (after the reader took their time).
    data = form_data(body="Posted from a cached page")
    data["csrfmiddlewaretoken"] = token.search(page_two)[1]
    posted = second.post(url, data, REMOTE_ADDR="192.0.2.44")
    assert posted.status_code == 302
    assert Comment.objects.filter(body="Posted from a cached page").exists()


def test_conditional_get_of_a_cached_page_is_304(client, paper):
    url = paper.issue.get_absolute_url()
    first = get(client, url)
    etag = first["ETag"]
    second = get(client, url)
    assert second["ETag"] == etag  # the same page, though its form token differs
    assert get(client, url, HTTP_IF_NONE_MATCH=etag).status_code == 304


CHANGES = {
    "issue title": lambda p: _save(p.issue, title="Changed Issue Title"),
    "paper title": lambda p: _save(p, title="Changed Paper Title"),
    "section name": lambda p: _save(p.section, name="Changed Section Name"),
    "tag added": lambda p: p.tags.add("changed-tag-name"),
    "tag renamed": lambda p: _save(p.tags.get(), name="Changed Tag Name"),
    "approved comment": lambda p: CommentFactory(issue=p.issue, body="Changed comment body"),
    "comment approved": lambda p: rules.moderate(
        Comment.objects.filter(
            pk=CommentFactory(issue=p.issue, status="pending", body="Changed pending body").pk
        ),
        Comment.Status.APPROVED,
    ),
}
EXPECTED = {
    "issue title": "Changed Issue Title",
    "paper title": "Changed Paper Title",
    "section name": "Changed Section Name",
    "tag added": "changed-tag-name",
    "tag renamed": "Changed Tag Name",
    "approved comment": "Changed comment body",
    "comment approved": "Changed pending body",
}


def _save(obj, **fields):
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save()


@pytest.mark.parametrize("change", CHANGES)
def test_every_kind_of_change_is_visible_on_the_next_request(client, paper, change):
    url = paper.issue.get_absolute_url()
    get(client, url)
    assert get(client, url)["X-Page-Cache"] == "hit"
    CHANGES[change](paper)
    assert EXPECTED[change] in get(client, url).content.decode()


def test_removing_a_comment_removes_it_from_the_cached_page(client, paper):
    comment = CommentFactory(issue=paper.issue, body="Soon to be removed")
    url = paper.issue.get_absolute_url()
    assert "Soon to be removed" in get(client, url).content.decode()
    rules.moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.REMOVED)
    assert "Soon to be removed" not in get(client, url).content.decode()


def test_a_held_comment_does_not_throw_the_cache_away(client, paper):
    url = paper.issue.get_absolute_url()
    get(client, url)
    CommentFactory(issue=paper.issue, status="pending")
    assert get(client, url)["X-Page-Cache"] == "hit"


def test_a_scheduled_issue_appears_when_its_time_comes(client, paper):
    soon = IssueFactory(title="Arrives Shortly", published_at=timezone.now() + timedelta(seconds=2))
    PaperFactory(issue=soon, section=SectionFactory())
    assert "Arrives Shortly" not in get(client, "/").content.decode()
    assert "Arrives Shortly" not in get(client, "/issues/").content.decode()
    time.sleep(2.2)
    assert "Arrives Shortly" in get(client, "/").content.decode()
    assert "Arrives Shortly" in get(client, "/issues/").content.decode()


def test_signed_in_editors_and_previews_bypass_the_cache(client, paper, editor):
    url = paper.issue.get_absolute_url()
    get(client, url)
    client.force_login(editor)
    assert "X-Page-Cache" not in get(client, url)
    draft = IssueFactory.draft(title="Draft for editors")
    preview = get(client, draft.get_absolute_url())
    assert "no-store" in preview["Cache-Control"] and "X-Page-Cache" not in preview


def test_a_page_with_a_message_is_not_served_from_the_cache(client, paper):
    url = paper.issue.get_absolute_url()
    get(client, url)
    get(client, url)
    response = client.post(url, form_data(body="Please hold this"), REMOTE_ADDR="192.0.2.9")
    followed = client.get(response["Location"])
    assert "held for moderation" in followed.content.decode()
    assert "X-Page-Cache" not in followed or followed["X-Page-Cache"] != "hit"
    # The message is shown once; the next visit is the shared page again.
    assert "held for moderation" not in get(client, url).content.decode()


def test_pages_still_work_when_the_cache_is_down(client, paper, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get(paper.issue.get_absolute_url())
    assert response.status_code == 200 and "Original Paper Title" in response.content.decode()
    assert "__digests_" not in response.content.decode()


def test_the_comment_form_has_real_values_with_the_cache_turned_off(client, paper, settings):
    settings.DIGESTS_PAGE_CACHE = False
    html = client.get(paper.issue.get_absolute_url()).content.decode()
    assert "__digests_" not in html
    assert re.search(r'name="shown_at" value="(?!__digests)[^"]+"', html)


def test_a_new_release_is_never_served_pages_of_the_old_one(client, paper, settings):
    from digests.caching import pages as pagecache

    url = paper.issue.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    settings.DIGESTS_RELEASE = "next-deploy"
    pagecache.release.cache_clear()
    try:
        assert client.get(url)["X-Page-Cache"] == "miss"
    finally:
        pagecache.release.cache_clear()


def test_the_release_follows_the_templates(tmp_path, settings):
    from digests.caching import pages as pagecache

    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.html").write_text("one")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [folder]}]
    settings.DIGESTS_RELEASE = ""
    pagecache.release.cache_clear()
    try:
        first = pagecache.release()
        (folder / "page.html").write_text("two")
        pagecache.release.cache_clear()
        assert pagecache.release() != first
    finally:
        pagecache.release.cache_clear()
