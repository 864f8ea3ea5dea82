"""Authors as pages (issue 18, item 6): a reader follows an author's name
from a paper to everything of theirs the magazine featured, in any issue."""

import pytest

from digests.models import Paper

from .conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = [pytest.mark.browser]


def test_an_author_on_a_paper_page_leads_to_their_papers_across_issues(site, new_page):
    paper = Paper.objects.get(slug=site["paper"].strip("/").split("/")[-1])
    first = paper.author_records[0]
    page = new_page(viewport=PHONE)
    page.goto(site["paper"])
    byline = page.locator(".byline")
    assert byline.get_by_role("link").count() == len(paper.author_records)
    byline.get_by_role("link", name=first.name, exact=True).click()
    page.wait_for_url(f"**{first.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text() == first.name
    cards = page.locator(".card")
    assert cards.count() == 2
    issues = {
        text.strip() for text in page.locator(".card__meta a[href*='/issues/']").all_inner_texts()
    }
    assert issues == {
        "AI Research Highlights, June–July 2023",
        "AI Research Highlights, April–May 2023",
    }
    # Each card names the author among its authors, linked back to this page.
    for n in range(2):
        assert cards.nth(n).locator(f"a[href='{first.get_absolute_url()}']").count() == 1
    # The feeds are offered in the page and to feed readers.
    assert page.get_by_role("link", name="RSS").first.get_attribute("href").endswith("/feed/")
    assert page.locator("link[rel=alternate][type='application/atom+xml']").count() >= 1
    no_sideways = page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    assert no_sideways


def test_authors_link_from_the_issue_page_cards(site, new_page):
    page = new_page(viewport=DESKTOP)
    page.goto(site["issue"])
    first_card_authors = page.locator(".paper__authors").first
    link = first_card_authors.get_by_role("link").first
    href = link.get_attribute("href")
    assert href.startswith("/authors/")
    link.click()
    page.wait_for_url(f"**{href}")
    assert page.locator(".card").count() >= 1


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_author_page_screenshots(site, new_page, viewport, scheme):
    page = new_page(viewport=viewport, color_scheme=scheme)
    page.goto(site["author"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"author-{viewport['width']}-{scheme}.png", full_page=True)
    page.goto(site["paper"])
    page.screenshot(path=SCREENSHOTS / f"author-byline-{viewport['width']}-{scheme}.png")
