"""The site's look as a reader sees it: the wordmark set in its own typeface with
its mark, the accent in both colour schemes, and the social card a shared link
shows (og:image) loading as a 1200 × 630 picture. Screenshots of the home,
issue and paper pages at 375 and 1280 px, light and dark, go to
var/screenshots/look-*.png."""

import pytest

from .conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = [pytest.mark.browser]

WORDMARK_JS = """async () => {
    await document.fonts.ready;
    const name = document.querySelector(".site-header .brand .brand__name");
    const mark = document.querySelector(".site-header .brand .brand__mark");
    const tile = mark.querySelector(".brand__tile");
    const box = name.getBoundingClientRect();
    const loaded = [...document.fonts].some(
        (face) => face.family.replace(/"/g, "") === "Fraunces" && face.status === "loaded");
    return {
        family: getComputedStyle(name).fontFamily,
        loaded,
        weight: getComputedStyle(name).fontWeight,
        markWidth: mark.getBoundingClientRect().width,
        tileFill: getComputedStyle(tile).fill,
        accent: getComputedStyle(document.documentElement).getPropertyValue("--accent").trim(),
        right: box.right,
        viewport: document.documentElement.clientWidth,
    };
}"""

HEADLINE_FONT_JS = """() => getComputedStyle(document.querySelector("main h1")).fontFamily"""


def rgb(hex_colour):
    value = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(value[i : i + 2], 16) for i in (0, 2, 4)))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
def test_the_wordmark_is_set_in_fraunces_beside_its_mark_in_the_schemes_accent(
    site, new_page, scheme, viewport
):
    page = new_page(viewport=viewport, color_scheme=scheme)
    for name in ("home", "issue", "paper"):
        page.goto(site[name])
        found = page.evaluate(WORDMARK_JS)
        assert found["family"].startswith('"Fraunces"') or found["family"].startswith("Fraunces")
        assert found["loaded"], "the Fraunces web font did not load"
        assert int(found["weight"]) >= 700
        assert found["markWidth"] >= 24
        assert found["tileFill"] == rgb(found["accent"])
        assert found["right"] <= found["viewport"], "the wordmark runs off the screen"
        assert "Fraunces" in page.evaluate(HEADLINE_FONT_JS)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"look-{name}-{viewport['width']}-{scheme}.png")
    expected = {"light": "#b3261e", "dark": "#ff8a6e"}[scheme]
    assert found["accent"] == expected


@pytest.mark.parametrize("name", ["issue", "paper"])
def test_a_shared_link_shows_its_card_a_1200_by_630_picture(site, new_page, name):
    page = new_page()
    page.goto(site[name])
    image = page.locator('meta[property="og:image"]').get_attribute("content")
    twitter = page.locator('meta[name="twitter:image"]').get_attribute("content")
    assert image == twitter and image.startswith("http")
    assert page.locator('meta[name="twitter:card"]').get_attribute("content") == (
        "summary_large_image"
    )
    # Loaded as the page's own browser would (img-src 'self' allows it).
    size = page.evaluate(
        """async (src) => {
            const picture = new Image();
            picture.src = src;
            await picture.decode();
            return [picture.naturalWidth, picture.naturalHeight];
        }""",
        image,
    )
    assert size == [1200, 630]
    response = page.request.get(image)
    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"look-card-{name}.png").write_bytes(response.body())
