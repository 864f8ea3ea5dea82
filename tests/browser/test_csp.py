"""In a real Chromium: the strict Content-Security-Policy blocks nothing the site uses.

Every public page and the admin pages editors use are opened, the autocomplete,
the inline rows and the calendar are used, and the test listens for the
browser's ``securitypolicyviolation`` events. JSON-LD blocks are data, which
browsers never run through script-src: the page still reads them.
"""

import json

import pytest
from django.conf import settings as django_settings
from django.db import connections

from digests import preview_links

from ..factories import CommentFactory, IssueFactory, PaperFactory
from .conftest import signed_in_session as signed_in_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
"""


@pytest.fixture
def browser(chromium):
    """The folder's shared Chromium (conftest.py); a second sync Playwright can't run."""
    yield chromium
    connections.close_all()


def open_page(context, url):
    page = context.new_page()
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.add_init_script(LISTEN)
    response = page.goto(url, wait_until="load")
    return page, response, messages


def violations(page, messages):
    found = page.evaluate("window.__violations")
    found += [text for text in messages if "Content Security Policy" in text]
    return found


def test_public_pages_break_no_rule_and_their_json_ld_is_readable(browser, live_server):
    paper = PaperFactory(tags=["llm"])
    CommentFactory(issue=paper.issue)
    context = browser.new_context()
    for path in [
        "/",
        "/issues/",
        paper.issue.get_absolute_url(),
        paper.get_absolute_url(),
        "/papers/",
        "/search/?q=" + paper.title.split()[0],
        "/tags/",
        "/tags/llm/",
        paper.section.get_absolute_url(),
        "/no-such-page/",
    ]:
        page, response, messages = open_page(context, live_server.url + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert violations(page, messages) == [], path
        for block in page.locator('script[type="application/ld+json"]').all():
            assert json.loads(block.text_content())["@context"] == "https://schema.org"
        page.close()
    # The comment form's script runs (it is a file, allowed by 'self').
    page, _, messages = open_page(context, live_server.url + paper.get_absolute_url())
    page.locator("textarea").first.fill("A reader's thought")
    assert violations(page, messages) == []


def test_admin_pages_break_no_rule(browser, live_server, superuser):
    issue = IssueFactory.draft()
    paper = PaperFactory(issue=issue, tags=["llm"])
    CommentFactory(issue=issue)
    token = preview_links.make_token(issue)
    context = browser.new_context()
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": signed_in_cookie(superuser),
                "url": live_server.url,
            }
        ]
    )
    for path in [
        "/admin/",
        "/admin/digests/issue/",
        f"/admin/digests/issue/{issue.pk}/change/",
        f"/admin/digests/issue/{issue.pk}/history/",
        f"/admin/digests/issue/{issue.pk}/add-from-arxiv/",
        "/admin/digests/issue/import/",
        "/admin/digests/paper/",
        "/admin/digests/paper/add/",
        f"/admin/digests/paper/{paper.pk}/change/",
        "/admin/digests/comment/",
        "/admin/digests/section/",
        "/admin/taggit/tag/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        f"/preview/{token}/",
        issue.get_absolute_url(),  # a signed-in editor's preview
    ]:
        page, response, messages = open_page(context, live_server.url + path)
        assert response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert violations(page, messages) == [], path
        page.close()

    # Scripts that build the page as the editor works: the issue autocomplete
    # (select2), another inline row, the calendar widget.
    page, _, messages = open_page(context, live_server.url + "/admin/digests/paper/add/")
    page.locator(".select2-selection").first.click()
    page.locator(".select2-results__option").first.wait_for()
    page.keyboard.press("Escape")
    calendar = page.locator(".datetimeshortcuts a").last
    if calendar.count():
        calendar.click()
    assert violations(page, messages) == []
    page, _, messages = open_page(
        context, live_server.url + f"/admin/digests/issue/{issue.pk}/change/"
    )
    page.locator(".add-row a").first.click()
    assert violations(page, messages) == []
