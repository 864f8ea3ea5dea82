"""A reader subscribes from the end of an issue without JavaScript (issue 19,
items 1 and 6): the confirmation e-mail arrives at a real SMTP server, the
link in it opens a page with one button, and pressing it confirms."""

import re

import pytest

from digests.subscriptions.models import Subscriber

from ..factories import IssueFactory
from ..smtp_sink import smtp_server, text_of

pytestmark = [pytest.mark.browser]

CONFIRM_LINK = re.compile(r"https?://\S+(/subscribe/confirm/[^/\s]+/)")


def test_subscribe_from_an_issue_without_javascript_and_confirm(
    transactional_db, new_page, settings
):
    settings.DIGESTS_SUBSCRIBE_MIN_SECONDS = 0
    issue = IssueFactory()
    with smtp_server(settings) as sink:
        page = new_page(javascript=False)
        page.goto(issue.get_absolute_url())
        form = page.locator("form.subscribe-form")
        form.get_by_label("Your e-mail address").fill("lin@example.org")
        with page.expect_navigation():
            form.get_by_role("button", name="Subscribe").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Check your inbox"
        [(recipients, message)] = sink.messages
    assert recipients == ["lin@example.org"]
    path = CONFIRM_LINK.search(text_of(message)).group(1)
    page.goto(path)
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm your subscription"
    assert Subscriber.objects.get().status == "pending"  # opening the link changes nothing
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm my subscription").click()
    assert page.get_by_role("heading", level=1).inner_text() == "You're subscribed"
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "confirmed" and subscriber.confirmed_at is not None


def test_subscribe_from_the_footer_of_any_page_without_javascript(
    transactional_db, new_page, settings
):
    settings.DIGESTS_SUBSCRIBE_MIN_SECONDS = 0
    IssueFactory()
    with smtp_server(settings) as sink:
        page = new_page(javascript=False, viewport={"width": 375, "height": 812})
        page.goto("/")
        form = page.locator("footer form.footer-subscribe")
        form.get_by_label("Get every issue by e-mail").fill("kim@example.org")
        with page.expect_navigation():
            form.get_by_role("button", name="Subscribe").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Check your inbox"
        [(recipients, message)] = sink.messages
    assert recipients == ["kim@example.org"]
    assert CONFIRM_LINK.search(text_of(message))
    assert Subscriber.objects.get().status == "pending"
