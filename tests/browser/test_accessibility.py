"""Accessibility in a real Chromium: axe-core on every public page type in light
and dark mode, keyboard-only use, the skip link, and announced form errors."""

from urllib.parse import urlsplit

import pytest
from django.test import override_settings

from digests.subscriptions.mail import confirm_url, unsubscribe_url
from digests.subscriptions.models import Subscriber

from .conftest import DESKTOP, PHONE, run_axe

pytestmark = [pytest.mark.browser]

BLOCKING = {"serious", "critical"}

# Everything a keyboard user can reach with Tab, visible and enabled.
TABBABLE_JS = """() => {
    const selector = "a[href], button, input, select, textarea, summary, [tabindex]";
    const found = [];
    document.querySelectorAll(selector).forEach((el) => {
        if (el.tabIndex < 0 || el.disabled || el.closest("[inert]")) return;
        if (el.type === "hidden") return;
        const style = getComputedStyle(el);
        if (style.visibility === "hidden" || !el.getClientRects().length) return;
        // A closed <details> hides its content, unless the page shows it anyway
        // (the header's search box and the browser's filters on a wide screen).
        const folded = el.closest("details:not([open])") && el.tagName !== "SUMMARY";
        if (folded && !el.checkVisibility()) return;
        el.dataset.kb = String(found.length);
        found.push(el.dataset.kb);
    });
    return found;
}"""

FOCUSED_JS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    const shadow = style.boxShadow !== "none";
    return {
        kb: el.dataset.kb || null,
        what: el.outerHTML.slice(0, 120),
        focusVisible: el.matches(":focus-visible"),
        indicator: outline || shadow,
    };
}"""


def show_comment_errors(page, path):
    """Post the comment form empty: the page comes back with its errors (400)."""
    page.goto(path + "#comment-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Post comment").click()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_problem_on_any_public_page(
    site, new_page, axe_source, scheme
):
    page = new_page(viewport=DESKTOP, color_scheme=scheme)
    found = {}
    for name, path in site.items():
        page.goto(path)
        found[name] = [v for v in run_axe(page, axe_source) if v["impact"] in BLOCKING]
    show_comment_errors(page, site["issue"])
    assert page.locator(".field--error").count() >= 2  # really the form with errors
    found["comment form with errors"] = [
        v for v in run_axe(page, axe_source) if v["impact"] in BLOCKING
    ]
    for order in ("useful", "discussed"):  # the reader orders' cards say what they count
        page.goto(f"{site['browser']}?order={order}")
        found[f"browser by {order}"] = [
            v for v in run_axe(page, axe_source) if v["impact"] in BLOCKING
        ]
    with override_settings(DIGESTS_USEFUL_WINDOW_MAX=0):  # the Useful button refused (429)
        page.goto(site["paper"])
        with page.expect_navigation():
            page.evaluate("document.getElementById('useful').submit()")  # the plain form
        assert page.get_by_role("heading", level=1).inner_text() == "That's a lot of useful papers"
        found["useful refused"] = [v for v in run_axe(page, axe_source) if v["impact"] in BLOCKING]
    # E-mail subscriptions (issue 19): the pages a subscriber's links open.
    subscriber = Subscriber.objects.create(email="axe@example.org")
    for name, url in (("confirm", confirm_url), ("unsubscribe", unsubscribe_url)):
        page.goto(urlsplit(url(subscriber)).path)
        found[f"subscribe {name}"] = [
            v for v in run_axe(page, axe_source) if v["impact"] in BLOCKING
        ]
    problems = {name: violations for name, violations in found.items() if violations}
    assert problems == {}, problems


@pytest.mark.parametrize("page_type", ["issue", "paper", "search"])
def test_tab_reaches_every_control_and_each_shows_where_focus_is(site, new_page, page_type):
    page = new_page(viewport=DESKTOP)
    page.goto(site[page_type])
    expected = page.evaluate(TABBABLE_JS)
    assert len(expected) > 10
    reached, invisible = [], []
    for _ in range(len(expected) + 3):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None or focused["kb"] is None:
            break  # left the page (back to the browser's own controls)
        if focused["kb"] in reached:
            break
        reached.append(focused["kb"])
        if not (focused["focusVisible"] and focused["indicator"]):
            invisible.append(focused["what"])
    assert reached == expected, "Tab order skips or adds controls"
    assert invisible == [], f"no visible focus indicator on {invisible}"


def test_skip_link_is_the_first_stop_shows_itself_and_moves_focus_to_the_content(site, new_page):
    page = new_page(viewport=PHONE)
    page.goto(site["issue"])
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] >= 44, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    assert page.url.endswith("#content")
    assert page.evaluate("() => document.activeElement.id") == "content"
    # The next Tab continues inside the content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('main') !== null")


def test_comment_form_errors_are_announced_and_tied_to_their_fields(site, new_page):
    page = new_page(viewport=PHONE)
    show_comment_errors(page, site["issue"])
    summary = page.locator("#comment-form [role=alert]")
    assert summary.count() == 1, "one summary, announced"
    summary_text = summary.inner_text()
    assert "Please give a name" in summary_text and "Please write something" in summary_text
    # The summary links to each field with an error.
    summary.get_by_role("link", name="Comment").click()
    assert page.evaluate("() => document.activeElement.name") == "body"
    for name in ("author_name", "author_email", "body"):
        field = page.locator(f"#comment-form [name={name}]")
        assert field.get_attribute("aria-invalid") == "true"
        described = field.get_attribute("aria-describedby").split()
        texts = [page.locator(f"[id='{ident}']").inner_text() for ident in described]
        assert any("Please" in text for text in texts), (name, texts)
