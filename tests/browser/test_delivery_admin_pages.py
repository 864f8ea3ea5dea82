"""The Newsletter box and a delivery's progress page in a real Chromium, at
1280 and 375 px: nothing runs off the side, the figures and buttons show,
the send goes through its confirmation, and the progress page reloads
itself while sending (a meta refresh: no script, so the CSP has nothing to
refuse)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from digests.models import Delivery, Message, Subscriber

from ..factories import IssueFactory, PaperFactory, SectionFactory
from .conftest import DESKTOP, PHONE, playwright_api

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIDEWAYS_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# Boxes whose content is wider than they are (their right edge cut off or scrolling).
SPILLS_JS = """(selector) => [...document.querySelectorAll(selector + ' *')]
    .filter((el) => el.getClientRects().length)
    .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map((el) => el.tagName + '.' + el.className)"""


def expect(target):
    return playwright_api.expect(target)


def subscribers(count, prefix="reader"):
    now = timezone.now()
    return Subscriber.objects.bulk_create(
        Subscriber(
            email=f"{prefix}{n}@example.com",
            status=Subscriber.Status.CONFIRMED,
            confirmed_at=now,
        )
        for n in range(count)
    )


def mid_delivery(issue):
    """A delivery halfway through: sent, queued, some refused, a few skipped."""
    now = timezone.now()
    people = subscribers(400, prefix="mid")
    delivery = Delivery.objects.create(
        issue=issue,
        status=Delivery.Status.SENDING,
        created_at=now - timedelta(minutes=12),
        started_at=now - timedelta(minutes=12),
        last_activity_at=now,
        total=len(people),
    )
    rows = []
    for n, person in enumerate(people):
        row = Message(delivery=delivery, subscriber=person)
        if n < 230:
            row.status, row.sent_at = Message.Status.SENT, now - timedelta(seconds=3 * n)
        elif n < 236:
            row.status, row.attempts = Message.Status.BOUNCED, 1
            row.error = (
                f"SMTPRecipientsRefused: {{'{person.email}': (550, b'5.1.1 "
                "The email account that you tried to reach does not exist')}"
            )
        elif n < 238:
            row.status, row.attempts = Message.Status.FAILED, 6
            row.error = "SMTPRecipientsRefused: 451 4.3.0 Mailbox temporarily unavailable"
        elif n < 241:
            row.status = Message.Status.SKIPPED
        rows.append(row)
    Message.objects.bulk_create(rows)
    return delivery


@pytest.fixture
def issue(transactional_db):
    issue = IssueFactory(title="AI Research Highlights, June–July 2023: Long Contexts and Agents")
    PaperFactory(issue=issue, section=SectionFactory(name="Large Language Models"))
    return issue


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_newsletter_box_fits_and_sends_through_its_confirmation(editor, new_page, issue, viewport):
    subscribers(12)
    page = new_page(viewport=viewport, user=editor, mobile=viewport is PHONE)
    page.goto(f"/admin/digests/issue/{issue.pk}/change/")
    box = page.locator(".newsletter-panel")
    expect(box).to_contain_text("12 confirmed subscribers")
    expect(box.get_by_label("Send a test to")).to_have_value("editor@example.org")
    assert page.evaluate(SPILLS_JS, ".newsletter-panel") == []

    box.get_by_role("link", name="Send to 12 subscribers…").click()
    expect(page.locator(".newsletter-send__question")).to_contain_text(
        f"Send “{issue.title}” to 12 subscribers now?"
    )
    assert page.evaluate(SIDEWAYS_JS) <= 1
    page.get_by_role("button", name="Send to 12 subscribers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Delivery of")
    assert Delivery.objects.filter(issue=issue).exists()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_progress_page_fits_shows_its_figures_and_reloads_while_sending(
    editor, new_page, issue, viewport
):
    delivery = mid_delivery(issue)
    page = new_page(viewport=viewport, user=editor, mobile=viewport is PHONE)
    page.goto(f"/admin/digests/delivery/{delivery.pk}/change/")
    expect(page.locator("[data-figure='sent'] dd")).to_have_text("230")
    expect(page.locator("[data-figure='queued'] dd")).to_have_text("159")
    expect(page.locator("[data-figure='time-left']")).to_contain_text("left")
    expect(page.locator(".delivery-problems tbody tr")).to_have_count(8)
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    sideways = page.evaluate(SIDEWAYS_JS)
    assert sideways <= 1, f"the page scrolls sideways by {sideways} px"
    assert page.evaluate(SPILLS_JS, ".delivery-progress") == []

    # The meta refresh reloads the page: a new document, same address.
    page.evaluate("() => { window.notReloaded = true; }")
    page.wait_for_function("() => window.notReloaded === undefined", timeout=15_000)
    page.get_by_role("button", name="Pause").click()
    expect(page.locator(".messagelist")).to_contain_text("Paused")
    expect(page.locator("meta[http-equiv='refresh']")).to_have_count(0)
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
