"""Readers' signals and links between papers (issue 18, items 7 and 4): the
Useful button counts once per reader with and without JavaScript; the paper
browser orders by it and by discussion; an annotation's arXiv link to a paper
the magazine featured shows that paper's title and leads to its page."""

import pytest

from digests.models import Comment, Paper

from .conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = [pytest.mark.browser]

LOST = "2307.03172"  # Lost in the Middle, linked from Positional Interpolation's annotation
PI = "2306.15595"


def count_of(arxiv_id):
    return Paper.objects.filter(arxiv_id=arxiv_id).values_list("useful_count", flat=True).get()


def shown(form):
    """What the button shows: its label and the count beside it (None when hidden)."""
    count = form.locator(".useful__count")
    number = count.locator("[data-useful-count]").inner_text() if count.is_visible() else None
    return form.locator("[data-useful-label]").inner_text(), number


def marked(page, paper):
    page.wait_for_function(
        "id => document.querySelector(`form[data-useful='${id}']`)"
        ".classList.contains('useful--marked')",
        arg=paper.pk,
    )


def count_shows(page, paper, number):
    page.wait_for_function(
        "([id, n]) => document.querySelector(`form[data-useful='${id}'] [data-useful-count]`)"
        ".textContent === n",
        arg=[paper.pk, str(number)],
    )


def in_viewport(page, locator):
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_useful_with_javascript_counts_once(site, new_page):
    paper = Paper.objects.get(arxiv_id=LOST)
    Paper.objects.filter(pk=paper.pk).update(useful_count=4)  # after the page was cached
    page = new_page(viewport=PHONE)
    page.goto(paper.get_absolute_url())
    form = page.locator("#useful")
    button = form.get_by_role("button")
    # The page's own count may be older; the script shows the current one.
    count_shows(page, paper, 4)
    assert shown(form) == ("Useful", "4")
    button.click()
    marked(page, paper)
    assert shown(form) == ("Marked useful", "5")
    assert form.locator("[role=status]").inner_text() == "Marked useful. Thank you!"
    assert page.url.endswith(paper.get_absolute_url())  # no navigation
    assert count_of(LOST) == 5
    button.click()  # a second press adds nothing
    page.wait_for_function(
        "() => document.querySelector('#useful [role=status]').textContent.includes('already')"
    )
    assert count_of(LOST) == 5
    page.screenshot(path=SCREENSHOTS / "useful-marked-375-light.png")
    # Another page, the same reader: marked from the cookie (never from the cached page).
    page.goto(site["issue"] + f"#{paper.anchor}")
    card = page.locator(f"form[data-useful='{paper.pk}']")
    marked(page, paper)
    count_shows(page, paper, 5)
    assert shown(card) == ("Marked useful", "5")
    other = page.locator("form[data-useful]:not(.useful--marked)").first
    assert shown(other) == ("Useful", None)
    # Someone else's browser: not marked, same count.
    stranger = new_page(viewport=DESKTOP)
    stranger.goto(paper.get_absolute_url())
    count_shows(stranger, paper, 5)
    assert "useful--marked" not in (stranger.locator("#useful").get_attribute("class") or "")


def test_useful_without_javascript_counts_once(site, new_page):
    paper = Paper.objects.get(arxiv_id=PI)
    page = new_page(viewport=PHONE, javascript=False)
    page.goto(site["issue"])
    card = page.locator(f"#{paper.anchor}")
    card.get_by_role("button", name="Useful").click()
    page.wait_for_url(f"**{site['issue']}#useful-{paper.slug}")
    assert count_of(PI) == 1
    card = page.locator(f"#{paper.anchor}")
    assert card.locator("[data-useful-count]").inner_text() == "1"
    assert in_viewport(page, card.get_by_role("button", name="Useful"))  # back at the paper
    assert "You marked" in page.locator(".messages").inner_text()
    card.get_by_role("button", name="Useful").click()
    page.wait_for_url(f"**#useful-{paper.slug}")
    assert count_of(PI) == 1
    assert page.locator(f"#{paper.anchor} [data-useful-count]").inner_text() == "1"
    assert "already marked" in page.locator(".messages").inner_text()


def test_browser_orders_by_useful_and_by_discussion(site, new_page):
    def by(arxiv_id):
        return Paper.objects.get(arxiv_id=arxiv_id)

    useful = {"2306.11644": 12, PI: 7, LOST: 3}
    for arxiv_id, count in useful.items():
        Paper.objects.filter(arxiv_id=arxiv_id).update(useful_count=count)
    discussed = {"2307.02486": 3, "2306.11987": 2}
    for arxiv_id, count in discussed.items():
        paper = by(arxiv_id)
        for n in range(count):
            Comment.objects.create(
                issue=paper.issue,
                paper=paper,
                author_name=f"Reader {n}",
                author_email=f"r{n}@example.org",
                body=f"Comment {n} on {arxiv_id}",
                body_hash=f"{arxiv_id}-{n}",
                status="approved",
            )
    page = new_page(viewport=DESKTOP)
    page.goto("/papers/")
    newest = page.locator(".card__title").all_inner_texts()[:3]
    page.get_by_label("Order").select_option(label="Most useful")
    page.get_by_role("button", name="Show papers").click()
    page.wait_for_url("**order=useful**")
    titles = page.locator(".card__title").all_inner_texts()
    assert titles[:3] == [by(i).title for i in useful]
    assert titles[:3] != newest
    assert page.locator(".card__signal").first.inner_text() == "12 found it useful"
    page.screenshot(path=SCREENSHOTS / "useful-browser-1280-light.png")
    page.get_by_label("Order").select_option(label="Most discussed")
    page.get_by_role("button", name="Show papers").click()
    page.wait_for_url("**order=discussed**")
    titles = page.locator(".card__title").all_inner_texts()
    assert titles[:2] == [by(i).title for i in discussed]
    assert page.locator(".card__signal").first.inner_text() == "3 comments"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_an_annotation_link_leads_to_the_held_paper(site, new_page, javascript):
    lost, source = Paper.objects.get(arxiv_id=LOST), Paper.objects.get(arxiv_id=PI)
    page = new_page(viewport=PHONE, javascript=javascript)
    page.goto(site["issue"] + f"#{source.anchor}")
    annotation = page.locator(f"#{source.anchor} .prose")
    link = annotation.get_by_role("link", name=lost.title, exact=True)
    assert link.get_attribute("href") == lost.get_absolute_url()
    # The bare link's colon is the sentence's again.
    assert "</span>: having a long window" in annotation.inner_html()
    assert (
        annotation.get_by_role("link", name=f"arXiv page for “{lost.title}”").get_attribute("href")
        == f"https://arxiv.org/abs/{LOST}"
    )
    assert (
        annotation.get_by_role("link", name=f"PDF of “{lost.title}”").get_attribute("href")
        == f"https://arxiv.org/pdf/{LOST}"
    )
    link.click()
    page.wait_for_url(f"**{lost.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text() == lost.title


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_useful_and_links_screenshots(site, new_page, viewport, scheme):
    source = Paper.objects.get(arxiv_id=PI)
    Paper.objects.filter(pk=source.pk).update(useful_count=7)
    page = new_page(viewport=viewport, color_scheme=scheme)
    page.goto(site["issue"])
    count_shows(page, source, 7)
    card = page.locator(f"#{source.anchor}")
    card.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = f"useful-card-{viewport['width']}-{scheme}.png"
    card.screenshot(path=SCREENSHOTS / name)
    page.goto(source.get_absolute_url())
    page.screenshot(path=SCREENSHOTS / f"useful-paper-{viewport['width']}-{scheme}.png")
