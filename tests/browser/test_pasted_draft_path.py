"""Issue 17's editor path in a real Chromium: a finished 21-paper issue,
copied out of a web page (one paragraph per line, no blank line anywhere,
a sign-off at the end), pasted into "Import a draft" → the report → the
draft issue with every paper in order and the closing note → preview →
publish → the public page and the feed show it."""

import pytest

from digests.models import Issue

from ..pasted_drafts import demo, demo_as_pasted, demo_sections, paragraphs
from .conftest import DESKTOP, PHONE, SCREENSHOTS, playwright_api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "ai-research-highlights-june-july-2023"


def expect(target):
    return playwright_api.expect(target)


def test_a_pasted_issue_goes_from_the_import_box_to_readers(editor, new_page):
    spec = demo()["issue"]
    closing = paragraphs(spec["closing_note"])
    page = new_page(viewport=DESKTOP, user=editor)

    page.goto("/admin/digests/issue/import/")
    page.locator("#id_text").fill(demo_as_pasted(line_end="\r\n", nbsp=True))
    page.get_by_role("button", name="Import as draft").click()

    # The report: every paper, and which paragraphs became the closing note.
    summary = page.locator(".import-summary")
    expect(summary).to_contain_text(f"Created the draft issue {spec['title']}")
    expect(page.locator("table.import-papers tbody tr")).to_have_count(21)
    moved = page.locator("ul.import-closing li")
    expect(moved).to_have_count(2)
    expect(moved.first).to_contain_text("Thank you for reading")
    expect(page.locator(".import-period")).to_contain_text("7 Jun 2023 to 12 Jul 2023")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "import-report-1280.png"), full_page=True)

    page.get_by_role("link", name="Open the draft issue").click()
    expect(page.locator("#id_closing_note")).to_have_value("\n\n".join(closing))
    issue = Issue.objects.get(slug=SLUG)
    assert issue.status == Issue.Status.DRAFT
    in_order = [p.arxiv_id for p in issue.papers.in_issue_order()]
    assert in_order == [p["arxiv_id"] for _, group in demo_sections() for p in group]

    # Preview: 21 papers, then the closing note, then the discussion.
    change_url = page.url
    page.locator("a.viewsitelink").click()
    page.wait_for_url(f"**/issues/{SLUG}/")
    expect(page.get_by_role("status")).to_contain_text("Preview")
    expect(page.locator("article.paper")).to_have_count(21)
    note = page.locator(".issue__closing")
    expect(note).to_contain_text("See you in September!")
    below_last_paper = page.evaluate(
        """() => {
            const papers = document.querySelectorAll('article.paper');
            const last = papers[papers.length - 1].getBoundingClientRect();
            const note = document.querySelector('.issue__closing').getBoundingClientRect();
            const comments = document.getElementById('comments').getBoundingClientRect();
            return last.bottom <= note.top && note.bottom <= comments.top;
        }"""
    )
    assert below_last_paper

    # Publish now, then read it as a reader would.
    page.goto(change_url)
    page.locator("#id_status").select_option("published")
    page.locator("input[name='_continue']").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    reader = new_page(viewport=DESKTOP)
    assert reader.goto(f"/issues/{SLUG}/").status == 200
    expect(reader.get_by_role("status").filter(has_text="Preview")).to_have_count(0)
    expect(reader.locator("article.paper")).to_have_count(21)
    expect(reader.locator(".issue__closing")).to_contain_text(closing[0][:40])
    for width, viewer in ((1280, reader), (375, new_page(viewport=PHONE))):
        viewer.goto(f"/issues/{SLUG}/")
        viewer.evaluate("document.querySelector('.issue__closing').scrollIntoView()")
        viewer.screenshot(path=str(SCREENSHOTS / f"closing-note-{width}.png"))
    feed = reader.request.get("/feed/").text()
    assert f"<title>{spec['title']}</title>" in feed
    assert "See you in September!" in feed
