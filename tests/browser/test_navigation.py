"""Finding and following, as a reader sees it at 375 and 1280 px: search from
the header of any page, the paper browser's filters before its first result on
a phone, six dense cards in the first desktop screen, and the demo issue's 21
papers on one page. Screenshots in var/screenshots/navigation-*.png."""

import re

import pytest

from .conftest import DESKTOP, PHONE, SCREENSHOTS, playwright_api

pytestmark = [pytest.mark.browser]

DEMO_ISSUE = "ai-research-highlights-june-july-2023"


def expect(target):
    return playwright_api.expect(target)


def in_first_screen(page, locator, viewport):
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


def screenshot(page, name, width, scheme, *, full_page=False):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"navigation-{name}-{width}-{scheme}.png"
    page.screenshot(path=path, full_page=full_page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_from_the_header_on_a_desktop(site, new_page, scheme):
    page = new_page(viewport=DESKTOP, color_scheme=scheme)
    page.goto(site["paper"])
    box = page.get_by_role("search", name="Search papers").get_by_role("searchbox")
    expect(box).to_be_visible()  # open in the header, no icon to press first
    assert in_first_screen(page, box, DESKTOP)
    expect(page.locator(".site-search__toggle")).to_be_hidden()
    box.fill("long context")
    page.get_by_role("search", name="Search papers").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=long\+context$"))
    title = page.locator(".results__title")
    expect(title).to_contain_text("for “long context”")
    expect(page.locator(".card").first).to_be_in_viewport()
    screenshot(page, "header-search", "1280", scheme)


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_from_the_header_on_a_phone(site, new_page, scheme, javascript):
    page = new_page(viewport=PHONE, color_scheme=scheme, javascript=javascript, mobile=True)
    page.goto(site["issue"])
    search = page.get_by_role("search", name="Search papers")
    expect(search).to_be_hidden()  # folded behind the icon
    toggle = page.locator(".site-search__toggle")
    box = toggle.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    assert in_first_screen(page, toggle, PHONE)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    toggle.click()
    field = search.get_by_role("searchbox")
    expect(field).to_be_visible()
    assert in_first_screen(page, field, PHONE)
    if javascript:  # the script saves a tap: the cursor is already in the box
        expect(field).to_be_focused()
    else:
        field.click()
    page.keyboard.type("quantization")
    screenshot(page, "header-search-open", "375", scheme + ("" if javascript else "-noscript"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=quantization$"))
    expect(page.locator(".results__title")).to_contain_text("for “quantization”")
    expect(page.locator(".results__title")).to_be_in_viewport()
    expect(page.locator(".card").first).to_be_in_viewport()


def test_the_header_fits_a_phone_with_subscribe_in_reach(site, new_page):
    page = new_page(viewport=PHONE, mobile=True)
    for name in ("home", "issue", "browser", "subscribe"):
        page.goto(site[name])
        header = page.locator(".site-header").bounding_box()
        assert header["height"] <= 120, (name, header)  # two rows: wordmark + icon, then the nav
        nav = page.get_by_role("navigation", name="Main")
        subscribe = nav.get_by_role("link", name="Subscribe")
        box = subscribe.bounding_box()
        assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"], name
    subscribe.click()
    expect(page).to_have_url(re.compile(r"/subscribe/$"))
    expect(subscribe).to_have_attribute("aria-current", "page")


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_filters_come_before_the_first_result_on_a_phone(site, new_page, javascript):
    page = new_page(viewport=PHONE, javascript=javascript, mobile=True)
    page.goto(site["browser"])
    toggle = page.locator(".refine__toggle")
    first_card = page.locator(".card").first
    bar, card = toggle.bounding_box(), first_card.bounding_box()
    assert bar["y"] + bar["height"] <= card["y"], "the filters bar is above the first result"
    assert in_first_screen(page, toggle, PHONE) and bar["height"] >= 44
    expect(first_card).to_be_in_viewport()  # folded: the results start on the first screen
    expect(page.get_by_role("navigation", name="Section")).to_be_hidden()
    screenshot(page, "browser", "375", "light" if javascript else "light-noscript")

    toggle.click()
    sections = page.get_by_role("navigation", name="Section")
    expect(sections).to_be_visible()
    option = sections.get_by_role("link").first
    assert option.bounding_box()["y"] < first_card.bounding_box()["y"]
    assert page.get_by_label("Words").bounding_box()["y"] < first_card.bounding_box()["y"]
    screenshot(page, "browser-filters-open", "375", "light", full_page=True)
    label = option.locator(".facet__label").inner_text()
    count = int(option.locator(".facet__count").inner_text())
    option.click()
    expect(page.locator(".chips")).to_contain_text(label)
    expect(page.locator(".card")).to_have_count(count)
    expect(page.locator(".refine__state")).to_have_text("1 filter")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_six_cards_show_in_the_first_desktop_screen(site, new_page, scheme):
    page = new_page(viewport=DESKTOP, color_scheme=scheme)
    page.goto(site["browser"])
    # The filters are the sidebar, open without a click.
    expect(page.locator(".refine__toggle")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Section")).to_be_visible()
    expect(page.get_by_label("Words")).to_be_visible()
    shown = page.evaluate(
        """(height) => [...document.querySelectorAll(".card")].filter((card) => {
            const box = card.getBoundingClientRect();
            const visible = Math.min(box.bottom, height) - Math.max(box.top, 0);
            return visible >= box.height * 0.75;
        }).length""",
        DESKTOP["height"],
    )
    assert shown >= 6, f"{shown} cards fully or mostly in the first screen"
    screenshot(page, "browser", "1280", scheme)


def test_cards_stay_readable(site, new_page):
    """Dense, not cramped: one line of authors, two of annotation, every part there."""
    page = new_page(viewport=DESKTOP)
    page.goto(site["browser"])
    cards = page.locator(".card")
    for index in range(6):
        card = cards.nth(index)
        for part in (".card__title a", ".card__meta time", ".card__meta a", ".tags .tag"):
            expect(card.locator(part).first).to_be_visible()
        lines = card.evaluate(
            """(card) => Object.fromEntries(["card__authors", "card__excerpt"].map((name) => {
                const el = card.querySelector("." + name);
                const style = getComputedStyle(el);
                return [name, el.getBoundingClientRect().height / parseFloat(style.lineHeight)];
            }))"""
        )
        assert round(lines["card__authors"]) == 1, lines
        assert round(lines["card__excerpt"]) == 2, lines
        excerpt = card.locator(".card__excerpt")
        assert excerpt.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") >= 16


def test_the_demo_issue_is_one_page_of_21_papers(site, new_page):
    page = new_page(viewport=DESKTOP)
    page.goto(f"{site['browser']}?issue={DEMO_ISSUE}")
    expect(page.locator(".results__title")).to_have_text("21 papers")
    expect(page.locator(".card")).to_have_count(21)
    expect(page.get_by_role("navigation", name="Pages")).to_have_count(0)
