"""Public pages keep to what a strict Content-Security-Policy allows: scripts are
local files loaded with ``defer``, and there is no inline code or styling
(no inline <script>, no on* handlers, no style attributes or <style> blocks).
JSON-LD blocks are data, not scripts, and are allowed."""

from html.parser import HTMLParser

import pytest
from django.conf import settings

from .comment_helpers import form_data
from .site_pages import DEMO_SLUG, build_site

pytestmark = pytest.mark.django_db


class InlineCodeFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>: inline event handler")
            if name == "style":
                self.problems.append(f"<{tag} style=…>: inline style attribute")
        if tag == "style":
            self.problems.append("<style> block")
        if tag == "script" and attributes.get("type") != "application/ld+json":
            src = attributes.get("src")
            self.scripts.append(src)
            if not src:
                self.problems.append("<script> without src: inline code")
            elif not src.startswith(settings.STATIC_URL):
                self.problems.append(f"<script src={src!r}>: not one of our static files")
            elif "defer" not in attributes:
                self.problems.append(f"<script src={src!r}>: not deferred")


def inline_code(html):
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder


def test_the_finder_catches_each_kind_of_inline_code():
    """The check itself: each forbidden pattern is reported, allowed ones are not."""
    html = (
        '<script src="/static/js/a.js" defer></script>'
        '<script type="application/ld+json">{"a": 1}</script>'
        '<script src="/static/js/b.js"></script>'
        '<script src="https://cdn.example.org/x.js" defer></script>'
        "<script>alert(1)</script>"
        '<a href="#" onclick="go()">x</a><p style="color: red">y</p><style>p {}</style>'
    )
    problems = inline_code(html).problems
    assert problems == [
        "<script src='/static/js/b.js'>: not deferred",
        "<script src='https://cdn.example.org/x.js'>: not one of our static files",
        "<script> without src: inline code",
        "<a onclick=…>: inline event handler",
        "<p style=…>: inline style attribute",
        "<style> block",
    ]


def test_public_pages_have_only_local_deferred_scripts_and_no_inline_code(client):
    pages = {name: client.get(path) for name, path in build_site().items()}
    pages["comment form with errors"] = client.post(
        f"/issues/{DEMO_SLUG}/", form_data(author_name="", body="")
    )
    scripts = set()
    problems = {}
    for name, response in pages.items():
        finder = inline_code(response.content.decode())
        scripts.update(finder.scripts)
        if finder.problems:
            problems[name] = finder.problems
    assert problems == {}
    # The pages do use scripts (the check looked at real ones).
    assert f"{settings.STATIC_URL}js/comments.js" in scripts
