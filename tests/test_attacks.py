"""The standing attack suite: what an attacker tried against the site as
`make run` serves it and as production does, each probe with the outcome a
reader or the operator must see. Runs on SQLite and on PostgreSQL (CI runs
the suite on both), with the database cache and with Redis.

Long imports against a real gunicorn are in tests/test_long_writes.py.
"""

import html
import logging
import time
import uuid

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from freezegun import freeze_time

from digests.caching import markers
from digests.comments import limits, rules
from digests.comments.forms import form_timestamp  # registers the form's markers
from digests.comments.refusals import CommentRefused
from digests.models import BlockedTerm, Comment

from .comment_helpers import form_data, post_comment
from .conftest import PASSWORD
from .factories import CommentFactory, IssueFactory, PaperFactory, SectionFactory, UserFactory
from .servers import redis_available

pytestmark = pytest.mark.django_db

DATABASE_CACHE = "django.core.cache.backends.db.DatabaseCache"
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


def text_of(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def issue():
    paper = PaperFactory(title="Lost in the Middle")
    return paper.issue


# --- 1. Limits no page traffic can evict ------------------------------------------------------


@pytest.fixture(params=["embedded", "redis"])
def site_caches(request, settings):
    """The caches as each setup has them (config/settings.py): on the embedded
    one the database cache (300 entries, culled in key order) and the limits'
    own table; with Redis, one Redis under two prefixes."""
    if request.param == "embedded":
        settings.CACHES = {
            "default": {"BACKEND": DATABASE_CACHE, "LOCATION": "digests_cache"},
            "limits": {
                "BACKEND": DATABASE_CACHE,
                "LOCATION": "digests_limits",
                "OPTIONS": {"MAX_ENTRIES": 1_000_000},
            },
        }
        call_command("createcachetable", verbosity=0)
    else:
        if not redis_available():
            pytest.skip("needs Redis on 127.0.0.1:6379")
        prefix = f"test-attacks-{uuid.uuid4().hex}"
        redis = {"BACKEND": REDIS_CACHE, "LOCATION": "redis://127.0.0.1:6379/0"}
        settings.CACHES = {
            "default": {**redis, "KEY_PREFIX": prefix},
            "limits": {**redis, "KEY_PREFIX": prefix + ":limits"},
        }
    return request.param


def flood(pages=400):
    """More page entries than the database cache keeps (300): what loading
    /issues/?n=1…400 leaves, each address a page stored anew (asked by a
    reader of its own: the poster's pending message skips the page cache)."""
    client = Client()
    for n in range(pages):
        response = client.get(f"/issues/?n={n}")
        assert response.status_code == 200 and response["X-Page-Cache"] == "miss"


def test_browsing_between_two_posts_does_not_lift_the_15_second_limit(client, issue, site_caches):
    url = issue.get_absolute_url()
    with freeze_time() as clock:  # however long the flood takes on a busy machine
        assert post_comment(client, url, body="My first thought on this issue.").status_code == 302
        flood()
        clock.tick(3)
        second = post_comment(client, url, body="And a second one, 3 s later.")
    assert second.status_code == 429
    assert 1 <= int(second["Retry-After"]) <= 15
    assert "And a second one, 3 s later." in text_of(second)  # kept in the form
    assert Comment.objects.count() == 1


def test_browsing_does_not_lift_the_five_per_ten_minutes_limit(site_caches, client, db):
    start = 1_000_000.0
    for n in range(5):
        limits.check_rate_limit("203.0.113.9", now=start + n * 20)
    flood()
    with pytest.raises(CommentRefused) as refused:
        limits.check_rate_limit("203.0.113.9", now=start + 120)
    assert refused.value.status == 429 and "5 comments" in refused.value.message


def test_browsing_does_not_lift_the_sign_in_lockout(client, site_caches, settings):
    settings.AXES_ENABLED = True
    UserFactory(username="chief", is_staff=True, is_superuser=True)

    def sign_in(password):
        return client.post(
            "/admin/login/?next=/admin/",
            {"username": "chief", "password": password},
            REMOTE_ADDR="203.0.113.7",
        )

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in("a wrong guess")
    flood()
    response = sign_in(PASSWORD)
    assert response.status_code == 429 and "_auth_user_id" not in client.session


# --- 2. Readers' words are data, never placeholders --------------------------------------------


def placeholder_words():
    """Every marker this process fills, and the words older releases used.

    (Importing the comment form registers its markers.)"""
    return [*markers.registered(), "__digests_csrf_token__", "__digests_form_shown_at__"]


def test_placeholder_words_are_shown_as_written_everywhere(
    client, settings, django_capture_on_commit_callbacks
):
    words = placeholder_words()
    phrase = " ".join(words)
    # Intro and annotations are Markdown, where __word__ is bold: they carry
    # the markers themselves (plain text, wherever they come from).
    marked = " ".join(markers.registered())
    section = SectionFactory(name="Probes", slug="probes")
    issue = IssueFactory(title=f"Issue {words[0]}", intro=f"Intro {marked}")
    paper = PaperFactory(
        issue=issue, section=section, title=f"Paper {words[1]}", annotation=f"Note {marked}"
    )
    url = issue.get_absolute_url()
    posted = post_comment(client, url, author_name=words[0], body=f"Quoting {phrase}")
    assert posted.status_code == 302
    comment = Comment.objects.get()
    comment.notify_replies = True
    comment.status = Comment.Status.APPROVED
    comment.save()
    CommentFactory(issue=issue, paper=paper, author_name=words[1], body=f"On the paper {phrase}")

    reader = Client()  # a new reader: no cookies yet
    pages = {
        "issue page": reader.get(url),
        "issue page from the cache": reader.get(url),
        "paper page": reader.get(paper.get_absolute_url()),
    }
    feeds = {
        "issues feed": reader.get("/feed/"),
        "papers feed": reader.get("/feed/papers/atom/"),
        "comments feed": reader.get("/feed/comments/"),
        "issue comments feed": reader.get(f"{url}comments/feed/"),
        "issue comments atom feed": reader.get(f"{url}comments/feed/atom/"),
    }
    issue_page = [f"Issue {words[0]}", f"Intro {marked}", f"Paper {words[1]}", f"Note {marked}"]
    discussion = [words[0], f"Quoting {phrase}"]
    expected = {
        "issue page": issue_page + discussion,
        "issue page from the cache": issue_page + discussion,
        "paper page": [f"Paper {words[1]}", f"Note {marked}", words[1], f"On the paper {phrase}"],
        "issues feed": [f"Issue {words[0]}", f"Intro {marked}", f"Note {marked}"],
        "papers feed": [f"Paper {words[1]}", f"Note {marked}"],
        "comments feed": [f"Quoting {phrase}", f"On the paper {phrase}"],
        "issue comments feed": [f"Quoting {phrase}"],
        "issue comments atom feed": [f"Quoting {phrase}"],
    }
    assert pages["issue page from the cache"]["X-Page-Cache"] == "hit"
    for where, response in {**pages, **feeds}.items():
        assert response.status_code == 200, where
        shown = text_of(response)
        if where in feeds:  # HTML inside XML: escaped twice
            shown = html.unescape(shown)
            assert not response.cookies, where
        for text in expected[where]:
            assert text in shown, (where, text)
    search = reader.get("/search/", {"q": "Note"})  # (a matched word is highlighted)
    assert f"Paper {words[1]}" in text_of(search)
    # The form on the page still got this reader's own values.
    page = pages["issue page"].content.decode()
    assert '<"digests:' not in page
    assert 'name="csrfmiddlewaretoken" value="' in page and 'name="shown_at" value="' in page

    # The e-mail to the commenter once a reply is published.
    settings.DIGESTS_COMMENT_MIN_INTERVAL = 0
    reply = post_comment(
        Client(), url, author_name=words[2], author_email="b@example.org",
        body=f"Replying with {phrase}", reply_to=str(comment.pk), ip="192.0.2.99",
    )  # fmt: skip
    assert reply.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        rules.moderate(Comment.objects.filter(body__startswith="Replying"), "approved")
    [sent] = [m for m in mail.outbox if "replied to you" in m.subject]
    assert sent.subject.startswith(f"{words[2]} replied to you on Issue {words[0]}")
    assert phrase in sent.body


def test_feeds_never_set_a_cookie_and_a_cookie_is_never_public(client, issue):
    for url in ["/feed/", "/feed/comments/", "/sitemap.xml", "/robots.txt"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, url
    # Every page's footer has the Subscribe form, whose CSRF token is the reader's own.
    for url in ["/", "/issues/", "/papers/", "/tags/", issue.get_absolute_url()]:
        for _ in range(2):  # rendered, then from the cache
            response = Client().get(url)
            assert "csrftoken" in response.cookies, url
            control = response["Cache-Control"]
            assert "public" not in control and "private" in control and "max-age=0" in control


# --- 4. Nothing typed is lost --------------------------------------------------------------------


def test_a_post_without_the_csrf_cookie_comes_back_with_the_text_in_a_form(issue):
    reader = Client(enforce_csrf_checks=True)
    body = "A long and careful thought that must not be lost."
    response = reader.post(
        issue.get_absolute_url(), form_data(body=body, author_name="Careful Reader")
    )
    assert response.status_code == 403
    page = text_of(response)
    assert body in page and "Careful Reader" in page
    assert 'name="body"' in page and 'name="csrfmiddlewaretoken"' in page
    assert "csrftoken" in response.cookies  # renewed: this form can be sent again
    assert "private" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    # Sent again from that page (the reader's browser now has the cookie), it lands.
    token = response.cookies["csrftoken"].value
    again = reader.post(
        issue.get_absolute_url(),
        form_data(body=body, author_name="Careful Reader", csrfmiddlewaretoken=token),
    )
    assert again.status_code == 302 and Comment.objects.filter(body=body).exists()


def test_a_post_while_the_database_is_down_comes_back_with_the_text(issue, monkeypatch):
    from digests.comments import views

    def database_down(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(views.rules, "create", database_down)
    reader = Client(raise_request_exception=False)
    body = "Written while the database was away."
    response = reader.post(issue.get_absolute_url(), form_data(body=body))
    assert response.status_code == 503 and response["Retry-After"] == "30"
    page = text_of(response)
    assert body in page and "Ada Reader" in page and 'name="body"' in page
    assert "Traceback" not in page


@pytest.mark.parametrize(
    ("setup", "status"),
    [("rate limit", 429), ("limits store down", 503), ("page open too long", 400)],
)
def test_every_refusal_keeps_the_text(client, issue, settings, setup, status):
    url = issue.get_absolute_url()
    if setup == "rate limit":
        post_comment(client, url, body="Before.")
    elif setup == "limits store down":
        settings.CACHES = {
            **settings.CACHES,
            "limits": {"BACKEND": REDIS_CACHE, "LOCATION": "redis://127.0.0.1:1/0"},
        }
    extra = {"shown_at": form_timestamp(time.time() - 3 * 3600)} if "too long" in setup else {}
    body = f"Text to keep after a {setup}."
    response = post_comment(client, url, body=body, **extra)
    assert response.status_code == status
    assert body in text_of(response)


# --- 5. Text that reads as it is --------------------------------------------------------------


def test_a_body_of_only_invisible_characters_is_refused_with_a_message(client, issue):
    response = post_comment(client, issue.get_absolute_url(), body="\u200b\u200d\u2060\ufeff\u200b")
    assert response.status_code == 400
    assert "Please write something before posting." in text_of(response)
    assert not Comment.objects.exists()


def test_direction_overrides_are_removed_from_names_on_the_page_and_in_subjects(
    client, issue, settings
):
    url = issue.get_absolute_url()
    first = CommentFactory(
        issue=issue, author_name="Bob", author_email="bob@example.org", notify_replies=True
    )
    response = post_comment(client, url, author_name="Trudy \u202egnp.exe", reply_to=first.pk)
    assert response.status_code == 302
    reply = Comment.objects.exclude(pk=first.pk).get()
    assert reply.author_name == "Trudy gnp.exe"
    reply.status = Comment.Status.APPROVED
    reply.save()
    assert "\u202e" not in Client().get(url).content.decode()
    for message in mail.outbox:
        assert not any(0x202A <= ord(c) <= 0x202E or ord(c) < 0x20 for c in message.subject)


def test_names_in_fullwidth_letters_read_as_plain_ones(client, issue):
    post_comment(client, issue.get_absolute_url(), author_name="\uff34\uff52\uff55\uff44\uff59")
    assert Comment.objects.get().author_name == "Trudy"


def test_math_in_a_comment_is_not_folded(client, issue):
    post_comment(client, issue.get_absolute_url(), body="The loss falls as n² and x₁ ≤ ½.")
    assert Comment.objects.get().body == "The loss falls as n² and x₁ ≤ ½."


@pytest.mark.parametrize(
    "spelling",
    [
        "c\u0430sino",  # Cyrillic а
        "\u0441\u0430\u0455\u0456no",  # Cyrillic с а ѕ і, then Latin
        "cas\u03b9no",  # Greek iota
        "\uff43\uff41\uff53\uff49\uff4e\uff4f",  # fullwidth
        "ca\u200bsi\u200dno",  # zero-width characters inside
        "CASINO",
    ],
)
def test_a_blocked_term_is_held_however_it_is_spelled(client, issue, spelling):
    BlockedTerm.objects.create(term="casino")
    response = post_comment(client, issue.get_absolute_url(), body=f"Visit my {spelling} today")
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert "blocked term" in comment.held_reason


def test_words_in_other_scripts_are_not_mangled(client, issue):
    body = "Отличная статья. Ευχαριστώ! شكرا 👩‍🔬"
    post_comment(client, issue.get_absolute_url(), body=body)
    assert Comment.objects.get().body == body


# --- 6. The small ones -------------------------------------------------------------------------


def test_a_refused_next_after_sign_in_goes_to_the_admin_home(client):
    UserFactory(username="chief", is_staff=True, is_superuser=True)
    response = client.post(
        "/admin/login/?next=https://evil.example/",
        {"username": "chief", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_head_on_healthz_answers_like_get(client):
    response = client.head("/healthz")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("method", ["trace", "put", "delete", "patch", "options"])
@pytest.mark.parametrize("url", ["/", "/healthz", "/admin/", "/static/css/site.css"])
def test_unused_methods_are_405(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"


def test_a_bad_host_is_one_line_in_the_log(client, caplog):
    with caplog.at_level(logging.WARNING):
        response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    records = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert records and all(r.exc_info is None for r in records)
    line = logging.Formatter().format(records[0])
    assert "\n" not in line and "evil.example" in line


def test_a_section_without_public_papers_is_404_to_readers(client, issue):
    empty = SectionFactory(name="Made by an import", slug="made-by-an-import")
    draft = IssueFactory.draft()
    PaperFactory(issue=draft, section=SectionFactory(name="Draft only", slug="draft-only"))
    for slug in (empty.slug, "draft-only"):
        assert client.get(f"/sections/{slug}/").status_code == 404
        assert client.get(f"/sections/{slug}/feed/").status_code == 404
    public = issue.papers.get().section
    assert client.get(f"/sections/{public.slug}/").status_code == 200


def test_a_name_of_only_invisible_characters_is_refused_with_a_message(client, issue):
    response = post_comment(client, issue.get_absolute_url(), author_name="\u200b\u202e\u2800")
    assert response.status_code == 400
    assert "Please give a name to show with your comment." in text_of(response)
    assert not Comment.objects.exists()
