"""The issue form as an editor's desk, in a real Chromium: 21 papers fit on a
few screens as one line each, a line opens in place and its changes save,
Markdown fields preview through the server, the add page leads to arXiv and
to the import, and nothing at the top of the form overlaps, at 1280 and 375 px.
Screenshots go to var/screenshots/ for a person to look at."""

import pytest

from digests.models import Issue

from ..site_pages import DEMO_SLUG, build_site
from .conftest import DESKTOP, PHONE, SCREENSHOTS, playwright_api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_HEIGHT = 6000

OVERLAPS_JS = """() => {
    const boxes = (selector) => [...document.querySelectorAll(selector)]
        .filter((el) => el.getClientRects().length)
        .map((el) => [el.textContent.trim().slice(0, 40), el.getBoundingClientRect()]);
    const titles = boxes("#content > h1, #content > h2");
    const tools = boxes("#content .object-tools a");
    const overlaps = [];
    for (const [title, a] of titles) {
        for (const [tool, b] of tools) {
            if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
                overlaps.push(`${title} / ${tool}`);
            }
        }
    }
    return {overlaps, titles: titles.length, tools: tools.length};
}"""


def expect(target):
    return playwright_api.expect(target)


@pytest.fixture
def demo_issue(transactional_db):
    build_site()
    return Issue.objects.get(slug=DEMO_SLUG)


def change_url(issue):
    return f"/admin/digests/issue/{issue.pk}/change/"


def test_twenty_one_papers_fit_as_one_line_each_and_a_line_opens_and_saves(
    editor, new_page, demo_issue
):
    assert demo_issue.papers.count() == 21
    page = new_page(viewport=DESKTOP, user=editor)
    page.goto(change_url(demo_issue))

    lines = page.locator("details.paper-row__details")
    expect(lines).to_have_count(21)
    expect(page.locator("details.paper-row__details[open]")).to_have_count(0)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= MAX_HEIGHT, f"the issue's form is {height} px tall"
    first = demo_issue.papers.order_by("section__position", "position", "pk").first()
    summary = lines.first.locator("summary")
    for shown in (first.title[:30], first.arxiv_id, first.section.name, "annotated"):
        expect(summary).to_contain_text(shown)
    box = summary.bounding_box()
    assert box["height"] < 40, "a saved paper is one line"
    # The extra row for a new paper is open.
    expect(page.locator("#papers-21 input[name='papers-21-arxiv_id']")).to_be_visible()

    annotation = page.locator("textarea[name='papers-0-annotation']")
    expect(annotation).to_be_hidden()
    summary.click()
    expect(annotation).to_be_visible()
    expect(page.locator("input[name='papers-0-title']")).to_have_value(first.title)
    annotation.fill("Rewritten on the desk: **shorter** and to the point.")
    page.locator("input[name='_continue']").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    first.refresh_from_db()
    assert first.annotation == "Rewritten on the desk: **shorter** and to the point."
    assert "<strong>shorter</strong>" in first.annotation_html
    assert demo_issue.papers.count() == 21

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "issue-desk-1280.png"), full_page=True)
    phone = new_page(viewport=PHONE, user=editor, mobile=True)
    phone.goto(change_url(demo_issue))
    phone.locator("details.paper-row__details summary").nth(1).click()
    phone.screenshot(path=str(SCREENSHOTS / "issue-desk-375.png"), full_page=True)
    sideways = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert sideways <= 1, f"the phone scrolls sideways by {sideways} px"


def test_a_line_opens_without_javascript(editor, new_page, demo_issue):
    page = new_page(viewport=DESKTOP, user=editor, javascript=False)
    page.goto(change_url(demo_issue))
    annotation = page.locator("textarea[name='papers-3-annotation']")
    expect(annotation).to_be_hidden()
    page.locator("details.paper-row__details summary").nth(3).click()
    expect(annotation).to_be_visible()
    expect(page.locator("button.markdown-preview-button").first).to_be_hidden()


def test_preview_shows_the_servers_sanitised_rendering(editor, new_page, demo_issue):
    page = new_page(viewport=DESKTOP, user=editor)
    page.goto(change_url(demo_issue))
    intro = page.locator("#id_intro")
    intro.fill("Two *long-context* papers.\n\n<script>alert(1)</script> [x](javascript:alert(1))")
    field = page.locator(".field-intro .markdown-field")
    field.get_by_role("button", name="Preview").click()
    shown = field.get_by_role("region", name="Preview")
    expect(shown.locator("em")).to_have_text("long-context")
    expect(shown.locator("script")).to_have_count(0)
    expect(shown.locator("a[href^='javascript']")).to_have_count(0)

    page.locator("details.paper-row__details summary").first.click()
    row = page.locator("#papers-0")
    row.locator("textarea[name='papers-0-annotation']").fill("A list:\n\n- one\n- **two**")
    row.get_by_role("button", name="Preview").click()
    expect(row.get_by_role("region", name="Preview").locator("li strong")).to_have_text("two")
    # A row added with "Add another" previews too.
    page.locator(".add-row a", has_text="Add another Paper").click()
    new_row = page.locator("#papers-22")
    new_row.locator("textarea[name='papers-22-annotation']").fill("# A heading")
    new_row.get_by_role("button", name="Preview").click()
    expect(new_row.get_by_role("region", name="Preview").locator("h4")).to_have_text("A heading")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_the_title_and_the_buttons_beside_it_do_not_overlap(editor, new_page, demo_issue, viewport):
    page = new_page(viewport=viewport, user=editor, mobile=viewport is PHONE)
    for url in (change_url(demo_issue), "/admin/digests/issue/add/"):
        page.goto(url)
        found = page.evaluate(OVERLAPS_JS)
        assert found["titles"] >= 1 and found["tools"] >= 2, (url, found)
        assert found["overlaps"] == [], (url, found["overlaps"])
    width = viewport["width"]
    page.screenshot(path=str(SCREENSHOTS / f"issue-add-{width}.png"))


def test_the_add_page_leads_to_arxiv_and_to_the_import(editor, new_page, transactional_db):
    page = new_page(viewport=DESKTOP, user=editor)
    page.goto("/admin/digests/issue/add/")
    page.locator(".object-tools a", has_text="Add papers from arXiv").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New issue from arXiv ids")
    expect(page.get_by_label("Title")).to_be_visible()
    page.go_back()
    page.locator(".object-tools a", has_text="Import a draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a draft")
