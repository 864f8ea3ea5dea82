"""An editor's issue, end to end in a real Chromium against the live server:
sign in → add an issue → add papers in its rows, filled from (a local stand-in
for) arXiv → preview the draft → publish → readers see it and the feed has it."""

import re

import pytest

from digests.models import Issue

from ..arxiv_feeds import answer
from ..conftest import PASSWORD
from ..factories import SectionFactory
from .conftest import DESKTOP, playwright_api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expect(target):
    return playwright_api.expect(target)


def fill_row_from_arxiv(row, section, arxiv_id, annotation, tags):
    row.locator("select[name$='-section']").select_option(str(section.pk))
    row.locator("input[name$='-arxiv_id']").fill(arxiv_id)
    row.get_by_role("button", name="Fetch from arXiv").click()
    expect(row.locator(".arxiv-status")).to_contain_text("Filled")
    row.locator("textarea[name$='-annotation']").fill(annotation)
    row.locator("input[name$='-tags']").fill(tags)


def test_an_editor_writes_previews_and_publishes_an_issue(editor, new_page, arxiv_api, settings):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    llm = SectionFactory(name="Large Language Models", slug="large-language-models")
    vision = SectionFactory(name="Computer Vision", slug="computer-vision")
    page = new_page(viewport=DESKTOP)

    page.goto("/admin/")
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text(f"Welcome, {editor.username}")

    page.goto("/admin/digests/issue/add/")
    page.locator("#id_title").press_sequentially("AI Research Highlights, August 2023")
    # The address is derived on save, keeping every word (no script that drops dashes).
    expect(page.locator("#id_slug")).to_have_value("")
    page.locator("#id_period_start").fill("2023-06-01")
    page.locator("#id_period_end").fill("2023-07-31")
    page.locator("#id_intro").fill("Two papers on *long contexts* and image synthesis.")

    rows = page.locator(".inline-related:not(.empty-form)")
    fill_row_from_arxiv(
        rows.first,
        llm,
        "https://arxiv.org/abs/2307.03172v2",
        "Models skip the *middle*.",
        "long context",
    )
    page.locator(".add-row a", has_text="Add another Paper").click()
    fill_row_from_arxiv(
        rows.last, vision, "2307.01952", "Bigger, sharper diffusion.", "diffusion, open models"
    )
    page.locator("input[name='_continue']").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    issue = Issue.objects.get(slug="ai-research-highlights-august-2023")
    assert issue.status == Issue.Status.DRAFT
    assert [p.title for p in issue.papers.order_by("arxiv_date")] == [
        "SDXL: Improving Latent Diffusion Models for High-Resolution Image Synthesis",
        "Lost in the Middle: How Language Models Use Long Contexts",
    ]

    # Preview: the draft as readers will see it, marked as such.
    change_url = page.url
    page.locator("a.viewsitelink").click()
    page.wait_for_url("**/issues/ai-research-highlights-august-2023/")
    expect(page.get_by_role("status")).to_contain_text("Preview")
    expect(page.get_by_role("heading", level=1)).to_have_text("AI Research Highlights, August 2023")
    expect(page.locator("article.paper")).to_have_count(2)
    expect(page.get_by_text("Models skip the middle.")).to_be_visible()
    page.goto(change_url)

    reader = new_page(viewport=DESKTOP)
    assert reader.goto("/issues/ai-research-highlights-august-2023/").status == 404
    # (The feed is fetched outside the browser's HTTP cache, which may keep it a while.)
    assert "August 2023" not in reader.request.get("/feed/").text()

    # Publish now: status Published, time left empty.
    page.locator("#id_status").select_option("published")
    page.locator("input[name='_continue']").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    response = reader.goto("/issues/ai-research-highlights-august-2023/")
    assert response.status == 200
    # No preview banner (each Useful button has its own status line).
    expect(reader.get_by_role("status").filter(has_text="Preview")).to_have_count(0)
    expect(reader.locator("article.paper")).to_have_count(2)
    reader.goto("/")
    expect(reader.get_by_role("heading", level=1)).to_have_text(
        "AI Research Highlights, August 2023"
    )
    feed = reader.request.get("/feed/").text()
    assert "<title>AI Research Highlights, August 2023</title>" in feed
    assert re.search(r"<link>http://[^<]+/issues/ai-research-highlights-august-2023/</link>", feed)
