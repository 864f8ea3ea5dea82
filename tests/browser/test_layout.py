"""Every public page type on a phone (375 px) and a desktop (1280 px), light and
dark: screenshots in var/screenshots/ for a person to look at, and the checks a
phone reader needs: no sideways scrolling, tap targets of at least 44 px, body
text of at least 16 px, and nothing (images, code, tables) wider than its box."""

import pytest

from .conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = [pytest.mark.browser]

TAP_TARGET = 44
MIN_BODY_TEXT = 16

# Links and buttons in the header, the main content and the footer. Links inside
# running text are exempt (WCAG 2.5.8: an inline target is constrained by the
# line height of the text around it).
SMALL_TARGETS_JS = """(minimum) => {
    const small = [];
    const runningText = (el) => {
        if (getComputedStyle(el).display !== "inline") return false;
        let block = el.parentElement;
        while (block && getComputedStyle(block).display === "inline") block = block.parentElement;
        return block.textContent.trim() !== el.textContent.trim();
    };
    document.querySelectorAll(
        "header a[href], main a[href], footer a[href], button, summary, select, " +
        "input:not([type=hidden]), textarea"
    ).forEach((el) => {
        if (!el.getClientRects().length || el.closest(".field--trap, .visually-hidden")) return;
        if (el.matches(".skip-link")) return;  // off screen until focused
        if (el.matches("a") && runningText(el)) return;
        const box = el.getBoundingClientRect();
        if (el.matches("input[type=checkbox]")) {
            // The box and its label together are the target.
            const row = el.closest(".field--check").getBoundingClientRect();
            if (row.height >= minimum) return;
        }
        if (box.height < minimum - 0.5 || box.width < minimum - 0.5) {
            const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
            small.push(`${el.outerHTML.slice(0, 90)} ${size}`);
        }
    });
    return small;
}"""

SMALL_TEXT_JS = """(minimum) => {
    const small = [];
    const size = (el) => parseFloat(getComputedStyle(el).fontSize);
    if (size(document.body) < minimum) small.push("body " + size(document.body));
    document.querySelectorAll(
        "main .prose p, main .prose li, .comment__body p, .lede, .card__excerpt, " +
        "main input:not([type=hidden]):not([type=checkbox]), main textarea, main select"
    ).forEach((el) => {
        if (el.getClientRects().length && size(el) < minimum) {
            small.push(`${el.outerHTML.slice(0, 80)} ${size(el)}px`);
        }
    });
    return small;
}"""

OVERFLOW_JS = """() => {
    const over = [];
    const selector = "img, svg, video, pre, table, code, .card, .comment-form"
        .split(", ").map(s => "main " + s).join(", ");
    document.querySelectorAll(selector).forEach((el) => {
        if (!el.getClientRects().length) return;
        const box = el.getBoundingClientRect();
        let parent = el.parentElement;
        while (getComputedStyle(parent).display === "inline") parent = parent.parentElement;
        const outer = parent.getBoundingClientRect();
        const width = document.documentElement.clientWidth;
        if (box.right > outer.right + 1 || box.left < outer.left - 1 || box.right > width) {
            const where = (b) => `${Math.round(b.left)}-${Math.round(b.right)}`;
            over.push(`${el.tagName}.${el.className} ${where(box)} in ${where(outer)}`);
        }
    });
    return over;
}"""


def page_names(site):
    return [*site, "comment form with errors"]


def visit(page, site, name):
    if name == "comment form with errors":
        page.goto(site["issue"] + "#comment-form")
        with page.expect_navigation():
            page.get_by_role("button", name="Post comment").click()
    else:
        page.goto(site[name])


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_layout_fits_and_is_easy_to_tap_and_read(site, new_page, scheme):
    page = new_page(viewport=PHONE, color_scheme=scheme, mobile=True)
    problems = {}
    for name in page_names(site):
        visit(page, site, name)
        found = {
            # Against the device's width: on a phone the browser widens its layout
            # viewport to fit content that overflows, so innerWidth would grow too.
            "sideways scroll": page.evaluate("() => document.documentElement.scrollWidth")
            - PHONE["width"],
            "small targets": page.evaluate(SMALL_TARGETS_JS, TAP_TARGET),
            "small text": page.evaluate(SMALL_TEXT_JS, MIN_BODY_TEXT),
            "overflow": page.evaluate(OVERFLOW_JS),
        }
        found = {key: value for key, value in found.items() if value}
        if found:
            problems[name] = found
        save_screenshot(page, name, "375", scheme)
    assert problems == {}, problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_desktop_layout_fits(site, new_page, scheme):
    page = new_page(viewport=DESKTOP, color_scheme=scheme)
    problems = {}
    for name in page_names(site):
        visit(page, site, name)
        sideways = page.evaluate("() => document.documentElement.scrollWidth") - DESKTOP["width"]
        overflow = page.evaluate(OVERFLOW_JS)
        if sideways or overflow:
            problems[name] = {"sideways scroll": sideways, "overflow": overflow}
        save_screenshot(page, name, "1280", scheme)
    assert problems == {}, problems


def save_screenshot(page, name, width, scheme):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    slug = name.replace(" ", "-")
    page.screenshot(path=SCREENSHOTS / f"{slug}-{width}-{scheme}.png", full_page=True)
