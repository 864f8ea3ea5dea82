"""The page cache's fast path: copies kept in the process, cheap per-reader tokens."""

import time

import pytest
from django.core.cache import cache
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    _unmask_cipher_token,
)
from django.test import RequestFactory

from digests.caching import csrf_tokens
from digests.caching import pages as pagecache
from digests.comments import forms
from digests.models import Issue

from .factories import PaperFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    return PaperFactory(title="Kept Paper Title")


def page_keys():
    return [key for key in cache._cache if ":page:" in key] if hasattr(cache, "_cache") else []


def test_a_hit_is_served_from_the_process_copy_without_the_shared_entry(client, paper):
    url = paper.issue.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    keys = page_keys()
    assert keys, "the page was stored in the shared cache"
    for key in keys:
        cache._cache.pop(key)  # the shared entry is gone (evicted, say)
    again = client.get(url)
    assert again["X-Page-Cache"] == "hit"
    assert "Kept Paper Title" in again.content.decode()


def test_a_process_copy_is_never_served_once_another_process_moved_the_version_on(client, paper):
    url = paper.issue.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    # Another process changes the issue and moves the shared version on; this
    # process saw no signal, only the shared version.
    Issue.objects.filter(pk=paper.issue_id).update(title="Retitled Elsewhere")
    cache.set(pagecache.VERSION_KEY, "moved-on-by-another-process", timeout=None)
    fresh = client.get(url)
    assert fresh["X-Page-Cache"] == "miss"
    assert "Retitled Elsewhere" in fresh.content.decode()


def test_a_stale_process_copy_is_replaced_by_a_current_shared_entry(paper):
    """Another process rendered the page under the new version: use its copy."""
    middleware = pagecache.PageCacheMiddleware(lambda request: None)
    key = "page:test"
    old = {"version": "v1", "parts": [b"old"], "size": 3}
    middleware.local.put(key, old)
    cache.set(pagecache.VERSION_KEY, "v2", timeout=None)
    cache.set(key, {"version": "v2", "parts": [b"new"], "size": 3})
    version, stored = middleware._lookup(key)
    assert (version, stored["parts"]) == ("v2", [b"new"])
    assert middleware.local.get(key)["parts"] == [b"new"]
    cache.set(pagecache.VERSION_KEY, "v3", timeout=None)
    assert middleware._lookup(key) == ("v3", None)


def test_process_copies_are_bounded_by_bytes_and_drop_the_least_recently_used():
    pages = pagecache.LocalPages(max_bytes=100)
    for name in "abc":
        pages.put(name, {"version": "v", "parts": [b"x" * 40], "size": 40})
        if name == "b":
            pages.get("a")  # "a" used more recently than "b"
    assert pages.get("b") is None
    assert pages.get("a") is not None and pages.get("c") is not None
    assert pages.size == 80
    pages.put("huge", {"version": "v", "parts": [b"x" * 101], "size": 101})
    assert pages.get("huge") is None  # larger than the whole budget: not kept
    pages.put("a", {"version": "w", "parts": [b"y" * 10], "size": 10})
    assert pages.size == 50  # a replaced entry's bytes are given back


def test_a_page_is_cut_at_its_markers_and_filled_in_one_pass():
    body = b"<p>" + pagecache.CSRF_MARKER + b"|" + pagecache.SHOWN_AT_MARKER_BYTES + b"|"
    body += pagecache.CSRF_MARKER + b"</p>"
    parts = pagecache.split_at_markers(body)
    assert parts[1] == pagecache.CSRF_MARKER and len(parts) == 7
    request = RequestFactory().get("/")
    filled = pagecache.fill_markers(request, parts).decode()
    tokens = filled[3:-4].split("|")
    assert "__digests_" not in filled
    assert tokens[0] == tokens[2]  # one token per response, wherever it appears
    assert pagecache.split_at_markers(b"plain page") == [b"plain page"]


def test_fast_tokens_are_djangos_format_for_the_readers_secret():
    request = RequestFactory().get("/")
    token = csrf_tokens.fast_get_token(request)
    secret = request.META["CSRF_COOKIE"]
    assert len(secret) == CSRF_SECRET_LENGTH and set(secret) <= set(CSRF_ALLOWED_CHARS)
    assert len(token) == 2 * CSRF_SECRET_LENGTH
    assert _unmask_cipher_token(token) == secret
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    # A reader who already has a secret keeps it; each token is masked afresh.
    again = csrf_tokens.fast_get_token(request)
    assert again != token and _unmask_cipher_token(again) == secret


def test_fast_random_characters_cover_the_whole_alphabet():
    drawn = csrf_tokens.random_chars(20000)
    assert len(drawn) == 20000
    assert set(drawn) == set(CSRF_ALLOWED_CHARS)


def test_the_form_time_is_signed_once_a_second_and_never_later_than_now(monkeypatch):
    now = 1_800_000_000.75
    monkeypatch.setattr(time, "time", lambda: now)
    first = forms.current_form_timestamp()
    assert forms.current_form_timestamp() is first
    assert float(forms.signing.loads(first, salt=forms.TIMESTAMP_SALT)) == 1_800_000_000
    now += 1
    assert forms.current_form_timestamp() != first


def test_the_release_follows_the_content_security_policy(settings):
    settings.DIGESTS_RELEASE = ""
    pagecache.release.cache_clear()
    try:
        first = pagecache.release()
        settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
        pagecache.release.cache_clear()
        assert pagecache.release() != first
    finally:
        pagecache.release.cache_clear()


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
    assert changed.status_code == 200 and "Kept Paper Title" in changed.content.decode()
