"""In a real Chromium: "Fetch from arXiv" on an issue's paper row added with "Add another".

The site runs in pytest-django's live server; arXiv is a local HTTP server.
Skipped when /usr/bin/chromium or Playwright is missing (see conftest.py).
"""

from datetime import date

import pytest

from digests.models import Paper

from ..arxiv_feeds import answer
from ..factories import IssueFactory, PaperFactory, SectionFactory
from .conftest import playwright_api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(editor, new_page):
    return new_page(user=editor)


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
