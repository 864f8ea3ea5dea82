"""The page cache: fast for anonymous readers, and never stale."""

import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digests.caching import markers, version
from digests.caching.pages import LocalPages, PageCacheMiddleware, StoredPage
from digests.comments import forms, rules
from digests.models import Comment, Issue

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
    assert forms.CSRF_MARKER not in page_two and forms.SHOWN_AT_MARKER not in page_two
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
    assert forms.CSRF_MARKER not in response.content.decode()


def test_the_comment_form_has_real_values_with_the_cache_turned_off(client, paper, settings):
    settings.DIGESTS_PAGE_CACHE = False
    html = client.get(paper.issue.get_absolute_url()).content.decode()
    assert forms.CSRF_MARKER not in html and forms.SHOWN_AT_MARKER not in html
    shown_at = re.search(r'name="shown_at" value="([^"]+)"', html)[1]
    assert abs(signing.loads(shown_at, salt=forms.TIMESTAMP_SALT) - time.time()) < 5


def test_a_new_release_is_never_served_pages_of_the_old_one(client, paper, settings):
    url = paper.issue.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    settings.DIGESTS_RELEASE = "next-deploy"
    assert client.get(url)["X-Page-Cache"] == "miss"


def test_the_release_follows_the_templates(tmp_path, settings):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.html").write_text("one")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [folder]}]
    settings.DIGESTS_RELEASE = ""
    first = version.release()
    (folder / "page.html").write_text("two")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [folder]}]  # a new process
    assert version.release() != first


def test_the_release_follows_the_content_security_policy(settings):
    settings.DIGESTS_RELEASE = ""
    first = version.release()
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert version.release() != first


# --- Each process's own copies -----------------------------------------------------------


def page_key(url):
    return PageCacheMiddleware(lambda request: None).key(RequestFactory().get(url))


def stored(current, body=b"page", valid_until=float("inf")):
    return StoredPage(current, valid_until, 200, {}, '"etag"', None, [body], len(body))


def test_a_hit_is_served_from_the_process_copy_without_the_shared_entry(client, paper):
    url = paper.issue.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    key = page_key(url)
    assert isinstance(cache.get(key), StoredPage), "the page was stored in the shared cache"
    cache.delete(key)  # the shared entry is gone (evicted, say)
    again = client.get(url)
    assert again["X-Page-Cache"] == "hit"
    assert "Original Paper Title" in again.content.decode()


def test_a_process_copy_is_never_served_once_another_process_moved_the_version_on(
    client, paper, settings
):
    url = paper.issue.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    # Another process changes the issue and writes a new version; this process
    # saw no signal, only the version file.
    Issue.objects.filter(pk=paper.issue_id).update(title="Retitled Elsewhere")
    settings.DIGESTS_CONTENT_VERSION_FILE.write_text("moved-on-by-another-process")
    fresh = client.get(url)
    assert fresh["X-Page-Cache"] == "miss"
    assert "Retitled Elsewhere" in fresh.content.decode()


def test_a_stale_process_copy_is_replaced_by_a_current_shared_entry():
    """Another process rendered the page under the new version: use its copy."""
    middleware = PageCacheMiddleware(lambda request: None)
    key = "page:test"
    middleware.local.put(key, stored(version.current(), b"old"))
    new = version.store().bump()  # another process's edit
    cache.set(key, stored(new, b"new"))
    current, page = middleware.lookup(key, time.time())
    assert (current, page.parts) == (new, [b"new"])
    assert middleware.local.get(key).parts == [b"new"]
    newer = version.store().bump()
    assert middleware.lookup(key, time.time()) == (newer, None)


def test_a_copy_is_not_served_once_the_next_scheduled_issue_is_due():
    middleware = PageCacheMiddleware(lambda request: None)
    current = version.current()
    middleware.local.put("page:due", stored(current, valid_until=time.time() - 1))
    assert middleware.lookup("page:due", time.time()) == (current, None)


def test_process_copies_are_bounded_by_bytes_and_drop_the_least_recently_used():
    pages = LocalPages(max_bytes=100)
    for name in "abc":
        pages.put(name, stored("v", b"x" * 40))
        if name == "b":
            pages.get("a")  # "a" used more recently than "b"
    assert pages.get("b") is None
    assert pages.get("a") is not None and pages.get("c") is not None
    assert pages.size == 80
    pages.put("huge", stored("v", b"x" * 101))
    assert pages.get("huge") is None  # larger than the whole budget: not kept
    pages.put("a", stored("w", b"y" * 10))
    assert pages.size == 50  # a replaced entry's bytes are given back


# --- Per-reader markers ----------------------------------------------------------------------


def test_a_page_is_cut_at_its_markers_and_filled_with_one_token_per_response():
    csrf, shown_at = forms.CSRF_MARKER.encode(), forms.SHOWN_AT_MARKER.encode()
    parts = markers.split(b"<p>" + csrf + b"|" + shown_at + b"|" + csrf + b"</p>")
    assert parts[1] == csrf and len(parts) == 7
    filled = markers.fill(RequestFactory().get("/"), parts).decode()
    tokens = filled[3:-4].split("|")
    assert tokens[0] == tokens[2]  # one token per response, wherever it appears
    assert forms.CSRF_MARKER not in filled and forms.SHOWN_AT_MARKER not in filled
    assert markers.split(b"plain page") == [b"plain page"]


def test_markers_come_from_the_secret_key_and_differ_from_site_to_site(settings):
    """Nobody without the site's secret can write a marker into a comment."""
    first = markers.register("probe", lambda request: "")
    settings.SECRET_KEY = "another-site-" + "k" * 40
    second = markers.register("probe", lambda request: "")
    assert first != second
    assert first.startswith('<"digests:probe:') and second.startswith('<"digests:probe:')


def test_a_comment_quoting_marker_names_is_shown_as_written(client, paper):
    quoted = "__digests_csrf_token__ and __digests_form_shown_at__ and csrf-0123456789abcdef0123"
    CommentFactory(issue=paper.issue, body=quoted)
    url = paper.issue.get_absolute_url()
    for response in (client.get(url), client.get(url)):  # rendered, then from the cache
        assert quoted in response.content.decode()
    feed = client.get(f"{url}comments/feed/")
    assert quoted in feed.content.decode() and "Set-Cookie" not in feed


def test_a_revalidated_cached_page_is_an_empty_304_with_its_validators(client, paper):
    url = paper.issue.get_absolute_url()
    client.get(url)
    page = client.get(url)
    assert page["X-Page-Cache"] == "hit"
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=page["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == page["ETag"]
    assert not_modified["Cache-Control"] == page["Cache-Control"]
    assert "Set-Cookie" not in not_modified  # nothing to fill in, no token handed out
    changed = client.get(url, HTTP_IF_NONE_MATCH='"another-version"')
    assert changed.status_code == 200 and "Original Paper Title" in changed.content.decode()


def test_a_process_with_another_secret_key_never_reads_pages_cut_at_its_markers(settings):
    """Processes sharing a cache but not a secret (a key rotated on some
    machines first, say) keep their pages apart instead of failing to fill."""
    first = page_key("/issues/x/")
    markers.register("probe-rotated", lambda request: "")
    assert page_key("/issues/x/") != first
