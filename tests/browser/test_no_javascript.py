"""With JavaScript switched off, every page reads the same and a comment can be posted."""

import pytest

from digests.models import Comment

from .conftest import PHONE

pytestmark = [pytest.mark.browser]


def test_every_page_works_without_javascript(site, new_page):
    page = new_page(viewport=PHONE, javascript=False)
    for name, path in site.items():
        response = page.goto(path)
        assert response.status == (404 if name == "not_found" else 200), name
        assert page.locator("main h1").first.is_visible(), name
        assert page.get_by_role("link", name="Skip to content").count() == 1, name
    # The filters and search are plain GET forms.
    page.goto(site["browser"])
    page.get_by_text("Search and filter").click()  # a <details>: opens without script
    page.get_by_label("Words").fill("quantization")
    with page.expect_navigation():
        page.get_by_role("button", name="Show papers").click()
    assert "q=quantization" in page.url
    assert page.locator(".card").count() >= 1


def test_a_comment_is_posted_and_a_reply_chosen_without_javascript(site, new_page, settings):
    settings.DIGESTS_COMMENT_MIN_SECONDS = 0
    page = new_page(viewport=PHONE, javascript=False)
    page.goto(site["issue"])
    # "Reply" is a plain link that reloads the page with the form set to reply.
    page.locator(".comment__reply").first.click()
    page.wait_for_load_state()
    assert "reply=" in page.url
    playwright_expect(page.locator("#comment-form-title")).to_contain_text("Reply to")
    page.get_by_label("Name").fill("Nadia")
    page.get_by_label("E-mail", exact=True).fill("nadia@example.org")
    page.get_by_role("textbox", name="Comment").fill("Posted with scripts switched off.")
    with page.expect_navigation():
        page.get_by_role("button", name="Post comment").click()
    assert page.get_by_text("held for moderation").is_visible()
    comment = Comment.objects.get(body="Posted with scripts switched off.")
    assert comment.status == Comment.Status.PENDING and comment.in_reply_to is not None


def playwright_expect(locator):
    from .conftest import playwright_api

    return playwright_api.expect(locator)
