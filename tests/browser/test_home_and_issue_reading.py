"""What a reader sees of the home page and of a long issue page: the latest
issue readable from home (intro, balanced contents, first annotations, then
earlier issues), a reading time, a way back to the contents after each section
and, on a phone, the contents one tap away from the middle of the issue.

Screenshots go to var/screenshots/ (front-page-*.png, issue-middle-*.png)."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = [pytest.mark.browser]

SCHEMES = ["light", "dark"]


def top(locator):
    return locator.bounding_box()["y"]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_home_at_1280_shows_the_intro_and_an_annotation_before_the_earlier_issues(
    site, new_page, scheme
):
    page = new_page(viewport=DESKTOP, color_scheme=scheme)
    page.goto(site["home"])
    intro = page.locator(".lead__intro")
    annotation = page.locator(".highlight__annotation").first
    earlier = page.get_by_role("heading", name="Earlier issues")
    for part in (intro, annotation, earlier):
        expect(part).to_be_visible()
    expect(intro).to_contain_text("Welcome to the June–July 2023 issue!")
    expect(annotation).to_contain_text("A sobering measurement paper.")
    assert top(intro) < top(annotation) < top(earlier)
    # Each highlight leads to its paper's own page.
    expect(page.locator(".highlight__title a")).to_have_count(4)
    page.screenshot(path=SCREENSHOTS / f"front-page-1280-{scheme}.png", full_page=True)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_home_on_a_phone_reads_in_one_column_and_leads_on_to_the_issue(site, new_page, scheme):
    page = new_page(viewport=PHONE, color_scheme=scheme, mobile=True)
    page.goto(site["home"])
    lefts = page.locator(".lead__papers li").evaluate_all(
        "items => new Set(items.map(li => Math.round(li.getBoundingClientRect().left))).size"
    )
    assert lefts == 1, "the contents are one column on a phone"
    expect(page.locator(".highlight__annotation").first).to_be_visible()
    page.get_by_role("link", name="Read the issue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "AI Research Highlights, June–July 2023"
    )
    page.go_back()
    page.screenshot(path=SCREENSHOTS / f"front-page-375-{scheme}.png", full_page=True)


COLUMNS_JS = """() => {
    const columns = {};
    const items = [...document.querySelectorAll(".lead__papers li")];
    for (const li of items) {
        const r = li.getBoundingClientRect();
        const column = columns[Math.round(r.left)] ||= {top: r.top, bottom: r.bottom, papers: 0};
        column.top = Math.min(column.top, r.top);
        column.bottom = Math.max(column.bottom, r.bottom);
        column.papers += 1;
    }
    const heights = items.map(li => li.getBoundingClientRect().height);
    const line = heights.reduce((sum, h) => sum + h, 0) / items.length;
    // A section heading never ends a column away from its papers.
    const orphans = [...document.querySelectorAll(".lead__section-title")].filter(h => {
        const first = h.nextElementSibling.querySelector("li").getBoundingClientRect();
        return Math.abs(first.left - h.getBoundingClientRect().left) > 40;
    }).length;
    return {line, orphans, columns: Object.values(columns)};
}"""


def test_home_contents_columns_are_balanced_at_1280(site, new_page):
    page = new_page(viewport=DESKTOP)
    page.goto(site["home"])
    layout = page.evaluate(COLUMNS_JS)
    columns = layout["columns"]
    assert len(columns) == 3, "three columns of contents at 1280 px"
    assert all(column["papers"] for column in columns), "no column is left empty"
    bottoms = [column["bottom"] for column in columns]
    assert max(bottoms) - min(bottoms) < 1.5 * layout["line"], (columns, layout["line"])
    assert layout["orphans"] == 0


def test_each_section_is_followed_by_a_working_back_to_contents_link(site, new_page):
    page = new_page(viewport=DESKTOP)
    page.goto(site["issue"])
    sections = page.locator(".issue__section")
    count = sections.count()
    assert count == 4
    contents = page.locator("#toc-title")
    for n in range(count):
        section = sections.nth(n)
        link = section.locator(".back-to-contents a")
        expect(link).to_have_text(re.compile("Back to contents"))
        assert link.get_attribute("href") == "#toc-title"
        # The link comes after the section's last paper.
        last_paper = section.locator(".paper").last
        last_paper.scroll_into_view_if_needed()
        expect(contents).not_to_be_in_viewport()
        link.click()
        expect(contents).to_be_in_viewport()
        assert page.evaluate("location.hash") == "#toc-title"


@pytest.mark.parametrize("path", ["issue", "home"])
def test_reading_time_is_shown_and_plausible_for_the_demo_issue(site, new_page, path):
    page = new_page(viewport=DESKTOP)
    page.goto(site[path])
    text = page.locator(".kicker .reading-time").first.text_content()
    minutes = int(re.fullmatch(r"(\d+) min read", text)[1])
    # The demo issue holds about 2,800 words: 12 minutes at 230 words a minute.
    assert 10 <= minutes <= 14, text


VISIBLE_CONTROL_JS = """() => [...document.querySelectorAll(".back-to-contents a")].findIndex(a => {
    const r = a.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight
        && r.left >= 0 && r.right <= innerWidth;
})"""


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_on_a_phone_the_contents_are_one_tap_away_from_the_middle_of_the_issue(
    site, new_page, scheme, javascript
):
    page = new_page(viewport=PHONE, color_scheme=scheme, javascript=javascript, mobile=True)
    page.goto(site["issue"])
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height > 10 * PHONE["height"], "a long page, as the demo issue is"
    page.evaluate(f"window.scrollTo(0, {height // 2})")
    page.wait_for_timeout(100)
    visible = page.evaluate(VISIBLE_CONTROL_JS)
    assert visible >= 0, "a Back to contents control is on screen in the middle of the issue"
    control = page.locator(".back-to-contents a").nth(visible)
    box = control.bounding_box()
    assert box["height"] >= 44 and box["y"] + box["height"] > PHONE["height"] * 0.75
    if javascript:
        page.screenshot(path=SCREENSHOTS / f"issue-middle-375-{scheme}.png")
    control.click()
    expect(page.locator("#toc-title")).to_be_in_viewport()


def test_the_contents_control_never_covers_the_closing_note_or_the_comment_form(site, new_page):
    page = new_page(viewport=PHONE, mobile=True)
    page.goto(site["issue"])
    for target in (".issue__closing", ".comment-form"):
        for where in ("start", "end"):
            page.locator(target).evaluate(f"el => el.scrollIntoView({{block: '{where}'}})")
            overlaps = page.evaluate(
                """(selector) => {
                    const t = document.querySelector(selector).getBoundingClientRect();
                    return [...document.querySelectorAll(".back-to-contents a")].some(a => {
                        const r = a.getBoundingClientRect();
                        return r.bottom > t.top && r.top < t.bottom
                            && r.right > t.left && r.left < t.right;
                    });
                }""",
                target,
            )
            assert not overlaps, f"a Back to contents link covers {target}"


def test_the_jump_to_the_contents_glides_unless_the_reader_asks_for_less_motion(site, new_page):
    page = new_page(viewport=PHONE, mobile=True)
    page.goto(site["issue"])
    behaviour = "() => getComputedStyle(document.documentElement).scrollBehavior"
    assert page.evaluate(behaviour) == "auto", "other scrolls are not slowed"
    page.locator(".back-to-contents a").first.focus()
    assert page.evaluate(behaviour) == "smooth"
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(behaviour) == "auto"


def test_issue_page_at_1280_keeps_the_contents_link_beside_the_text(site, new_page):
    page = new_page(viewport=DESKTOP)
    page.goto(site["issue"])
    height = page.evaluate("document.documentElement.scrollHeight")
    page.evaluate(f"window.scrollTo(0, {height // 3})")
    visible = page.evaluate(VISIBLE_CONTROL_JS)
    assert visible >= 0
    control = page.locator(".back-to-contents a").nth(visible).bounding_box()
    text = page.locator(".issue__section").first.bounding_box()
    assert control["x"] >= text["x"] + text["width"], "in the margin, over no text"
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=SCREENSHOTS / f"issue-middle-1280-{scheme}.png")
