"""In a real Chromium: "Fetch from arXiv" on an issue's paper row added with "Add another".

The site runs in pytest-django's live server; arXiv is a local HTTP server.
Skipped when /usr/bin/chromium or Playwright is missing.
"""

from datetime import date
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections

from digests.models import Paper

from ..arxiv_feeds import answer
from ..factories import IssueFactory, PaperFactory, SectionFactory

CHROMIUM = Path("/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium"),
    pytest.mark.django_db(transaction=True),
]


def signed_in_cookie(user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


@pytest.fixture
def browser_page(editor, live_server, monkeypatch):
    cookie = signed_in_cookie(editor)
    # Playwright's sync API keeps an idle event loop on this thread, which makes
    # Django refuse ORM calls; the test's own queries are plain, synchronous
    # calls made between browser steps, so they are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking"],
        )
        context = browser.new_context()
        context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        browser.close()
        # Queries made while Playwright ran used a connection pytest-django does not
        # see (Django keeps connections per context; Playwright's sync API switches
        # greenlets): close it, or PostgreSQL refuses to drop the test database.
        connections.close_all()
        assert errors == [], errors


def test_fetch_from_arxiv_fills_an_added_row_and_keeps_what_was_typed(
    browser_page, live_server, arxiv_api
):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    section = SectionFactory(name="Large Language Models", slug="llm")
    issue = IssueFactory.draft(title="Browser Issue", slug="browser-issue")
    PaperFactory(issue=issue, section=section, arxiv_id="2306.11987")
    page = browser_page

    page.goto(f"{live_server.url}/admin/digests/issue/{issue.pk}/change/")
    rows = page.locator(".inline-related:not(.empty-form)")
    before = rows.count()
    page.locator(".add-row a", has_text="Add another Paper").click()
    row = rows.nth(before)  # the row "Add another" just made
    prefix = row.locator("input[name$='-arxiv_id']").get_attribute("name")[: -len("arxiv_id")]
    assert "__prefix__" not in prefix

    row.locator(f"[name='{prefix}section']").select_option(str(section.pk))
    row.locator(f"[name='{prefix}arxiv_id']").fill("https://arxiv.org/abs/2307.03172v1")
    row.locator(f"[name='{prefix}title']").fill("My own title")
    row.get_by_role("button", name="Fetch from arXiv").click()

    status = row.locator(".arxiv-status")
    playwright_api.expect(status).to_contain_text("Filled authors, date, abstract")
    playwright_api.expect(row.locator(f"[name='{prefix}authors']")).to_have_value(
        "Nelson F. Liu, Kevin Lin, John Hewitt"
    )
    playwright_api.expect(row.locator(f"[name='{prefix}arxiv_date']")).to_have_value("2023-07-06")
    playwright_api.expect(row.locator(f"[name='{prefix}primary_category']")).to_have_value("cs.CL")
    # The typed title stays until the editor chooses arXiv's.
    title = row.locator(f"[name='{prefix}title']")
    playwright_api.expect(title).to_have_value("My own title")
    suggestion = row.locator(".arxiv-suggestion")
    playwright_api.expect(suggestion).to_contain_text("Lost in the Middle")
    suggestion.get_by_role("button", name="Use this").click()
    playwright_api.expect(title).to_have_value(
        "Lost in the Middle: How Language Models Use Long Contexts"
    )
    playwright_api.expect(suggestion).to_have_count(0)

    # A failed look-up says why beside the field and changes nothing.
    row.locator(f"[name='{prefix}arxiv_id']").fill("2307.99999")
    row.get_by_role("button", name="Fetch from arXiv").click()
    playwright_api.expect(status).to_contain_text("arXiv has no paper with the id 2307.99999")
    playwright_api.expect(title).to_have_value(
        "Lost in the Middle: How Language Models Use Long Contexts"
    )
    row.locator(f"[name='{prefix}arxiv_id']").fill("2307.03172")

    page.locator("input[name='_save']").first.click()
    page.wait_for_url(f"{live_server.url}/admin/digests/issue/")

    paper = Paper.objects.get(issue=issue, arxiv_id="2307.03172")
    assert paper.title == "Lost in the Middle: How Language Models Use Long Contexts"
    assert paper.arxiv_date == date(2023, 7, 6)
    assert paper.arxiv_version == 3
    assert paper.abstract.startswith("While recent language models")
