"""A reader's visit, end to end in a real Chromium against the live server:
home → issue → a contents link → the paper → a tag → the paper browser's
filters and search → a comment, held for moderation, then shown once approved."""

import re

import pytest

from digests.comments import rules
from digests.models import Comment

from .conftest import PHONE, playwright_api

pytestmark = [pytest.mark.browser]


def expect(target):
    return playwright_api.expect(target)


def test_a_reader_finds_a_paper_follows_a_tag_searches_and_comments(site, new_page, settings):
    settings.DIGESTS_COMMENT_MIN_SECONDS = 0  # the reader types faster than the anti-spam clock
    page = new_page(viewport=PHONE)

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "AI Research Highlights, June–July 2023"
    )
    page.get_by_role("link", name="Read the issue").click()
    expect(page).to_have_url(re.compile(r"/issues/ai-research-highlights-june-july-2023/$"))

    # The table of contents jumps to the paper on the same page.
    contents = page.get_by_role("navigation", name="Contents")
    contents.get_by_role("link", name="Lost in the Middle", exact=False).click()
    expect(page).to_have_url(re.compile(r"#paper-lost-in-the-middle"))
    target = page.locator("article.paper:target")
    expect(target).to_have_count(1)
    expect(target).to_be_in_viewport()

    # From there to the paper's own page, and on to one of its tags.
    target.get_by_role("heading").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lost in the Middle")
    expect(page.get_by_role("link", name="Read on arXiv")).to_have_attribute(
        "href", re.compile(r"arxiv\.org/abs/2307\.03172")
    )
    page.locator("main .tags").get_by_role("link", name="long context").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("long context")
    expect(page.locator(".card")).not_to_have_count(0)

    # The browser: a section facet narrows the list, then words search it. On a
    # phone the search and filters are one folded bar above the results.
    page.get_by_role("link", name="Combine with other filters").click()
    expect(page).to_have_url(re.compile(r"/papers/\?tag=long-context"))
    before = page.locator(".card").count()
    page.get_by_text("Search and filter").click()
    sections = page.get_by_role("navigation", name="Section")
    option = sections.get_by_role("link").last
    label = option.locator(".facet__label").inner_text()
    count = int(option.locator(".facet__count").inner_text())
    option.click()
    expect(page.locator(".chips")).to_contain_text(label)
    expect(page.locator(".card")).to_have_count(count)
    assert count < before
    page.get_by_text("Search and filter").click()
    page.get_by_role("link", name="Clear all").click()
    page.get_by_text("Search and filter").click()
    page.get_by_label("Words").fill('"language models"')
    page.get_by_role("button", name="Show papers").click()
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    expect(page.locator(".results__title")).to_contain_text('for “"language models"”')
    expect(page.locator(".card mark").first).to_be_visible()

    # Comment on the paper found by the search.
    page.locator(".card__title a").first.click()
    paper_url = page.url
    page.get_by_label("Name").fill("Noor")
    page.get_by_label("E-mail", exact=True).fill("noor@example.org")
    page.get_by_role("textbox", name="Comment").fill("Which benchmark did they use for this?")
    page.get_by_role("button", name="Post comment").click()
    # The notice is in the comment section, where the comment was posted, and focused.
    notice = page.locator("#comments #comment-posted")
    expect(notice).to_contain_text("held for moderation")
    expect(notice).to_be_focused()
    expect(page.locator("#comments")).not_to_contain_text("Which benchmark")

    # An editor approves it; the reader sees it on the next visit.
    rules.moderate(
        Comment.objects.filter(author_email="noor@example.org"), Comment.Status.APPROVED
    )
    page.goto(paper_url)
    approved = page.locator(".comment", has_text="Which benchmark did they use for this?")
    expect(approved).to_be_visible()
    expect(approved.locator(".comment__author")).to_have_text("Noor")
