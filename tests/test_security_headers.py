"""Content-Security-Policy and the other protective headers, on fresh and cached pages.

The policy forbids inline scripts and styles, so the markup must have none:
every page is parsed, and every template file is read, to prove it.
(tests/browser/test_csp.py proves in Chromium that nothing the site uses is blocked.)
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from digests import preview_links

from .conftest import PASSWORD
from .factories import CommentFactory, IssueFactory, PaperFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# E-mails (and the e-mail HTML an editor downloads as an attachment) are never
# shown as pages of the site, and e-mail clients ignore stylesheets: they keep
# their inline styles.
E_MAIL_TEMPLATES = ("digests/email/", "digests/export/")


def directives(response):
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_strict(policy):
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    every_source = " ".join(source for sources in policy.values() for source in sources)
    assert "unsafe-inline" not in every_source
    assert "unsafe-eval" not in every_source
    assert "nonce-" not in every_source


class InlineCode(HTMLParser):
    """Collects whatever a strict policy would block in a page's markup."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.found.append(f'<{tag} style="{attrs["style"]}">')
        self.found += [f"<{tag} {name}=…>" for name in attrs if name.startswith("on")]
        self.found += [
            f"<{tag} {name}={value}>"
            for name, value in attrs.items()
            if value and value.strip().lower().startswith("javascript:")
        ]
        if tag == "style":
            self.found.append("<style>")
        if tag == "script":
            data_block = attrs.get("type") == "application/ld+json"
            self._script = None if ("src" in attrs or data_block) else ""

    def handle_data(self, data):
        if self._script is not None:
            self._script += data

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.found.append(f"<script>{self._script[:40]}")
            self._script = None


def inline_code(html):
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.fixture
def public_urls():
    paper = PaperFactory(tags=["llm"])
    CommentFactory(issue=paper.issue)
    return [
        "/",
        "/issues/",
        paper.issue.get_absolute_url(),
        paper.get_absolute_url(),
        "/papers/",
        f"/search/?q={paper.title.split()[0]}",
        "/tags/",
        "/tags/llm/",
        paper.section.get_absolute_url(),
        "/subscribe/",
        "/no-such-page/",
    ]


def test_public_pages_carry_the_strict_policy_and_no_inline_code(client, public_urls):
    for url in public_urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_strict(directives(response))
        assert inline_code(response.content.decode()) == [], url


def test_json_ld_is_the_only_script_without_a_source(client, public_urls):
    """JSON-LD is a data block: browsers never run it, so script-src does not apply
    and it needs no nonce (checked in Chromium by tests/browser/test_csp.py)."""
    html = client.get(public_urls[3]).content.decode()
    assert '<script type="application/ld+json">' in html
    assert inline_code(html) == []


def test_the_markup_checker_sees_what_the_policy_would_block():
    assert inline_code('<p style="color: red">x</p>') == ['<p style="color: red">']
    assert inline_code("<script>alert(1)</script>") == ["<script>alert(1)"]
    assert inline_code("<style>p{}</style>") == ["<style>"]
    assert inline_code('<a href="javascript:go()" onclick="go()">') == [
        "<a onclick=…>",
        "<a href=javascript:go()>",
    ]
    assert inline_code('<script src="/static/js/a.js" defer></script>') == []


@pytest.mark.parametrize(
    "path",
    sorted(
        str(p.relative_to(TEMPLATES))
        for p in [*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.jinja")]
        if not str(p.relative_to(TEMPLATES)).startswith(E_MAIL_TEMPLATES)
    ),
)
def test_no_template_has_inline_scripts_or_styles(path):
    source = (TEMPLATES / path).read_text()
    assert not re.search(r"\sstyle\s*=", source), path
    assert not re.search(r"<style[\s>]", source), path
    assert not re.search(r"\son[a-z]+\s*=", source), path
    for tag in re.findall(r"<script\b[^>]*>", source):
        assert "src=" in tag or 'type="application/ld+json"' in tag, (path, tag)


def test_a_cached_page_carries_the_same_policy_as_a_fresh_one(client, public_urls):
    """No nonces: a page replayed from the cache can never disagree with its header."""
    url = public_urls[2]
    fresh = client.get(url)
    cached = client.get(url)
    assert fresh["X-Page-Cache"] == "miss" and cached["X-Page-Cache"] == "hit"
    assert cached["Content-Security-Policy"] == fresh["Content-Security-Policy"]
    assert_strict(directives(cached))
    assert inline_code(cached.content.decode()) == []
    for header, value in [
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]:
        assert fresh[header] == value and cached[header] == value, header


ADMIN_PATHS = [
    "/admin/",
    "/admin/digests/issue/",
    "/admin/digests/issue/{issue}/change/",
    "/admin/digests/issue/{issue}/history/",
    "/admin/digests/issue/{issue}/add-from-arxiv/",
    "/admin/digests/issue/import/",
    "/admin/digests/paper/add/",
    "/admin/digests/comment/",
]


@pytest.fixture
def admin_urls():
    issue = IssueFactory.draft()
    PaperFactory(issue=issue)
    return [path.format(issue=issue.pk) for path in ADMIN_PATHS]


def test_admin_pages_keep_the_policy_with_one_exact_style_exception(client, superuser, admin_urls):
    client.force_login(superuser)
    for url in admin_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = directives(response)
        # django-simple-history's one style="border-top: 0", allowed by its hash only.
        assert policy.pop("style-src-attr") == [
            "'unsafe-hashes'",
            "'sha256-XMXSevYjgSjXgRafBFDvtjwX+yyWLrxfso9DcNZ9UXM='",
        ]
        assert_strict(policy)
        assert response["X-Frame-Options"] == "DENY"


def test_public_pages_do_not_get_the_admin_exception(client):
    assert "style-src-attr" not in client.get("/")["Content-Security-Policy"]


def test_staff_pages_and_previews_are_never_kept_by_shared_caches(client, superuser, admin_urls):
    issue = IssueFactory.draft()
    client.force_login(superuser)
    urls = [*admin_urls, issue.get_absolute_url()]
    anonymous = Client()
    pages = [(client, url) for url in urls]
    pages.append((anonymous, f"/preview/{preview_links.make_token(issue)}/"))
    pages.append((anonymous, "/admin/login/"))
    for who, url in pages:
        response = who.get(url)
        assert response.status_code == 200, url
        control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= control, (url, control)
        assert "X-Page-Cache" not in response


def test_an_editor_stays_signed_in_for_two_weeks_at_most(client, superuser):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": superuser.username, "password": PASSWORD},
    )
    assert response.status_code == 302
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 14 * 24 * 3600  # kept when the browser closes, then gone
    assert cookie["httponly"]
