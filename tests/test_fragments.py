"""Paper cards and comments cached by content: reused across renders, never outdated."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time
from taggit.models import Tag

from digests.models import Author, Comment, Issue, Paper

from .factories import CommentFactory, PaperFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    """These tests are about what a page render does when the page cache misses."""
    settings.DIGESTS_PAGE_CACHE = False


@pytest.fixture
def paper():
    paper = PaperFactory(title="Fragment Paper Title", tags=["llm"])
    CommentFactory(issue=paper.issue, body="A comment worth caching")
    return paper


@pytest.fixture
def stored_keys(monkeypatch):
    """The keys the page stores in the cache, seen through the cache's public API."""
    backend = caches["default"]
    keys = []
    real_set_many = backend.set_many

    def set_many(data, *args, **kwargs):
        keys.extend(data)
        return real_set_many(data, *args, **kwargs)

    monkeypatch.setattr(backend, "set_many", set_many)
    return keys


def fragment_keys(stored_keys, kind):
    return sorted(key for key in stored_keys if key.startswith(f"fragment:{kind}:"))


def html(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def normalised(page):
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'name="shown_at" value="[^"]+"', "", page)


def test_cards_and_comments_are_stored_and_served_from_the_cache(client, paper, stored_keys):
    url = paper.issue.get_absolute_url()
    first = html(client, url)
    [card_key] = fragment_keys(stored_keys, "paper")
    [comment_key] = fragment_keys(stored_keys, "comment")
    # What is stored is what the page shows, and a second render takes it from the cache.
    cache.set(card_key, "<p>card from the cache</p>")
    cache.set(comment_key, "<p>comment from the cache</p>")
    second = html(client, url)
    assert "<p>card from the cache</p>" in second
    assert "<p>comment from the cache</p>" in second
    assert "Fragment Paper Title" in first and "A comment worth caching" in first


def test_a_render_from_cached_fragments_is_the_same_page(client, paper, settings):
    url = paper.issue.get_absolute_url()
    settings.DIGESTS_FRAGMENT_CACHE = False
    plain = normalised(html(client, url))
    settings.DIGESTS_FRAGMENT_CACHE = True
    html(client, url)  # fills the cache
    assert normalised(html(client, url)) == plain


CHANGES = {
    # Changes made behind the signals' back (as a raw UPDATE would): only the key protects.
    "title": lambda p: Paper.objects.filter(pk=p.pk).update(title="Quietly Retitled"),
    "annotation": lambda p: Paper.objects.filter(pk=p.pk).update(
        annotation_html="<p>Quietly Reannotated</p>"
    ),
    # The card names the author records (the text line is kept in step on save).
    "authors": lambda p: Author.objects.filter(papers=p).update(name="Quietly Q. Author"),
    "tag name": lambda p: Tag.objects.filter(name="llm").update(name="Quietly Renamed Tag"),
    "comment count": lambda p: CommentFactory(issue=p.issue, paper=p, body="Quietly"),
}
EXPECTED = {
    "title": "Quietly Retitled",
    "annotation": "Quietly Reannotated",
    "authors": "Quietly Q. Author",
    "tag name": "Quietly Renamed Tag",
    "comment count": "1 comment<span class=\"visually-hidden\">",
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_card_changes_with_every_value_it_shows(client, paper, change):
    url = paper.issue.get_absolute_url()
    assert EXPECTED[change] not in html(client, url)
    CHANGES[change](paper)
    assert EXPECTED[change] in html(client, url)


def test_a_comment_changes_with_its_text_and_its_age(client, paper):
    url = paper.issue.get_absolute_url()
    comment = Comment.objects.get(body="A comment worth caching")
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(hours=3))
    assert re.search(r"3\shours ago", html(client, url))  # (a no-break space)
    with freeze_time(timezone.now() + timedelta(days=2)):
        assert re.search(r"2\sdays ago", html(client, url))
    Comment.objects.filter(pk=comment.pk).update(author_name="Quietly Renamed Reader")
    assert "Quietly Renamed Reader" in html(client, url)


def test_a_reply_shows_whom_it_answers_from_the_cache_too(client, paper):
    thread = Comment.objects.get(body="A comment worth caching")
    first = CommentFactory(issue=paper.issue, parent=thread, in_reply_to=thread, body="First")
    CommentFactory(
        issue=paper.issue, parent=thread, in_reply_to=first, body="Second, to the first"
    )
    url = paper.issue.get_absolute_url()
    for _ in range(2):  # rendered, then from the cache
        page = html(client, url)
        assert page.count("replying to") == 1
        assert f"replying to {first.author_name}" in page


def test_fragments_add_no_queries_and_a_full_cache_saves_none_either(client, paper):
    url = paper.issue.get_absolute_url()
    with CaptureQueriesContext(connection) as cold:
        html(client, url)
    with CaptureQueriesContext(connection) as warm:
        html(client, url)
    assert len(warm) == len(cold)


def test_pages_render_when_the_cache_is_down(client, paper, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    page = html(client, paper.issue.get_absolute_url())
    assert "Fragment Paper Title" in page and "A comment worth caching" in page
    assert Issue.objects.count() == 1
