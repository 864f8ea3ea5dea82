"""A reader posts a comment (issue 18, item 1): they land on their own comment,
or on the notice that it awaits moderation, where they posted it, in sight on
a phone and focused, with JavaScript and without; their name and e-mail are
remembered in their own browser when they ask; every comment count leads to a
list of that many comments. Screenshots in var/screenshots/comment-*.png."""

import re

import pytest

from digests.models import Comment

from .conftest import DESKTOP, PHONE, SCREENSHOTS, playwright_api, run_axe

pytestmark = [pytest.mark.browser]

REMEMBER = "Remember me on this device"


def expect(target):
    return playwright_api.expect(target)


@pytest.fixture
def posting(settings):
    """Post as often as a test needs: no wait before posting, no 15-second slot."""
    settings.DIGESTS_COMMENT_MIN_SECONDS = 0
    settings.DIGESTS_COMMENT_MIN_INTERVAL = 0


def known_reader():
    """The address of a reader with an approved comment: published at once."""
    return Comment.objects.get(author_name="Grace").author_email


def post(page, body, *, name="Nadia", email="nadia@example.org"):
    page.locator("#comment-form").scroll_into_view_if_needed()
    if name is not None:
        page.get_by_label("Name").fill(name)
        page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_role("textbox", name="Comment").fill(body)
    with page.expect_navigation():
        page.get_by_role("button", name="Post comment").click()
    page.wait_for_load_state()


def assert_in_view(page, locator):
    """The whole of ``locator``'s box (or a screenful of it) lies in the viewport."""
    box = locator.bounding_box()
    view = page.viewport_size
    assert box is not None
    assert box["y"] >= 0 and box["y"] < view["height"], (box, view)
    assert box["y"] + min(box["height"], view["height"] / 2) <= view["height"], (box, view)
    assert box["x"] >= 0 and box["x"] + box["width"] <= view["width"], (box, view)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_held_comment_shows_its_notice_in_sight_where_it_was_posted(
    site, new_page, posting, javascript
):
    page = new_page(viewport=PHONE, javascript=javascript)
    page.goto(site["paper"])
    post(page, "Which benchmark did they use for this?")
    assert page.url.endswith("#comment-posted")
    notice = page.locator("#comments #comment-posted")
    expect(notice).to_be_focused()
    expect(notice).to_have_attribute("role", "status")
    expect(notice.get_by_role("heading")).to_have_text(
        "Thank you! Your comment is held for moderation."
    )
    assert_in_view(page, notice)
    # Beside the form it was posted from, not at the top of the page.
    assert page.locator(".messages").count() == 0
    form_top = page.locator("#comment-form").bounding_box()["y"]
    assert 0 < form_top - (notice.bounding_box()["y"] + notice.bounding_box()["height"]) < 120
    expect(page.locator("#comments")).not_to_contain_text("Which benchmark")
    shot = "comment-held-375" + ("" if javascript else "-nojs")
    page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_published_comment_is_shown_in_sight_in_the_list_and_focused(
    site, new_page, posting, javascript
):
    page = new_page(viewport=PHONE, javascript=javascript)
    page.goto(site["issue"])
    post(page, "Known reader, published at once.", name="Grace", email=known_reader())
    comment = Comment.objects.get(body="Known reader, published at once.")
    assert comment.is_approved
    notice = page.locator("#comments .comment-list #comment-posted")
    expect(notice).to_be_focused()
    expect(notice.get_by_role("heading")).to_have_text("Thank you! Your comment is published.")
    own = notice.locator(f"#comment-{comment.pk}")
    expect(own).to_contain_text("Known reader, published at once.")
    assert_in_view(page, notice)
    assert_in_view(page, own.locator(".comment__body"))
    if javascript:  # the address becomes the comment's permalink
        assert page.url.endswith(f"#comment-{comment.pk}")
    else:
        assert page.url.endswith("#comment-posted")


def test_a_held_reply_is_announced_under_the_comment_it_answers(site, new_page, posting):
    page = new_page(viewport=PHONE)
    page.goto(site["issue"])
    thread = page.locator(".comment-list > li").first
    thread.locator(".comment__reply").first.click()  # the form opens under it
    post(page, "A reply, written under Grace's comment.")
    notice = page.locator(".comment-list > li").first.locator("#comment-posted")
    expect(notice).to_be_focused()
    expect(notice).to_contain_text("held for moderation")
    assert_in_view(page, notice)


def test_name_and_email_are_remembered_on_this_device_only_when_asked(site, new_page, posting):
    page = new_page(viewport=PHONE)
    page.goto(site["paper"])
    remember = page.get_by_label(REMEMBER)
    expect(remember).not_to_be_checked()  # only if the reader agrees
    remember.check()
    post(page, "Remember me, please.")
    # The next visit, to another page: filled in from this browser's storage.
    page.goto(site["issue"])
    expect(page.get_by_label("Name")).to_have_value("Nadia")
    expect(page.get_by_label("E-mail", exact=True)).to_have_value("nadia@example.org")
    expect(page.get_by_label(REMEMBER)).to_be_checked()
    page.locator("#comment-form").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "comment-remembered-375.png"))
    # Never in the shared page: another reader's browser gets empty fields.
    other = new_page(viewport=PHONE)
    other.goto(site["issue"])
    expect(other.get_by_label("Name")).to_have_value("")
    assert "nadia@example.org" not in other.content()
    # Unticked: forgotten on the next post.
    page.get_by_label(REMEMBER).uncheck()
    post(page, "Forget me now.")
    page.goto(site["paper"])
    expect(page.get_by_label("Name")).to_have_value("")
    expect(page.get_by_label(REMEMBER)).not_to_be_checked()


def test_without_javascript_there_is_no_remember_box_and_nothing_prefilled(site, new_page):
    page = new_page(viewport=PHONE, javascript=False)
    page.goto(site["issue"])
    assert page.get_by_label(REMEMBER).count() == 0
    expect(page.get_by_label("Name")).to_have_value("")


def test_every_comment_count_leads_to_a_list_of_that_many(site, new_page):
    page = new_page(viewport=PHONE)
    page.goto(site["home"])
    own_link = page.get_by_role("link", name=re.compile(r"^\d+ comments? on this issue$"))
    papers_link = page.get_by_role("link", name=re.compile(r"^\d+ on its papers$"))
    own, on_papers = int(own_link.inner_text().split()[0]), int(papers_link.inner_text().split()[0])
    assert own > 0 and on_papers > 0  # the demo: on the issue and on a paper

    page.goto(site["archive"])
    expect(page.locator(".issue-item").first).to_contain_text(
        f"{own} comments on the issue, {on_papers} on its papers"
    )

    page.goto(site["home"])
    own_link.click()
    expect(page.locator("#comments-title")).to_have_text(f"{own} comments on this issue")
    assert page.locator("#comments article.comment").count() == own
    header = page.locator(".issue__head")
    expect(header.get_by_role("link", name=f"{own} comments on this issue")).to_be_visible()
    expect(header.get_by_role("link", name=f"{on_papers} on its papers")).to_be_visible()

    # "on its papers" leads to the list of discussed papers, each with its count.
    header.get_by_role("link", name=f"{on_papers} on its papers").click()
    elsewhere = page.locator("#comments-on-papers")
    assert_in_view(page, elsewhere)
    page.screenshot(path=str(SCREENSHOTS / "comment-counts-375.png"))
    links = elsewhere.get_by_role("link")
    counts = [int(n) for n in re.findall(r"\((\d+)\)", elsewhere.inner_text())]
    assert sum(counts) == on_papers and links.count() == len(counts)
    issue_url = page.url.split("#")[0]
    for index, expected in enumerate(counts):
        page.goto(issue_url)
        card_count = page.locator(
            f"article.paper a[href='{links.nth(index).get_attribute('href')}']"
        ).first.inner_text()
        assert card_count.startswith(f"{expected} comment")
        links.nth(index).click()
        title = "comment" if expected == 1 else "comments"
        expect(page.locator("#comments-title")).to_have_text(f"{expected} {title} on this paper")
        assert page.locator("#comments article.comment").count() == expected


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
def test_the_posted_states_look_right_and_pass_axe(
    site, new_page, posting, axe_source, viewport, scheme
):
    width = viewport["width"]
    page = new_page(viewport=viewport, color_scheme=scheme)
    page.goto(site["paper"])
    post(page, f"Held, seen at {width} in {scheme}.")
    expect(page.locator("#comment-posted")).to_be_focused()
    assert_in_view(page, page.locator("#comment-posted"))
    page.screenshot(path=str(SCREENSHOTS / f"comment-held-{width}-{scheme}.png"))
    problems = [v for v in run_axe(page, axe_source) if v["impact"] in {"serious", "critical"}]
    page.goto(site["issue"])
    post(page, f"Published, seen at {width} in {scheme}.", name="Grace", email=known_reader())
    expect(page.locator("#comment-posted")).to_be_focused()
    assert_in_view(page, page.locator("#comment-posted"))
    page.screenshot(path=str(SCREENSHOTS / f"comment-published-{width}-{scheme}.png"))
    problems += [v for v in run_axe(page, axe_source) if v["impact"] in {"serious", "critical"}]
    assert problems == [], problems
