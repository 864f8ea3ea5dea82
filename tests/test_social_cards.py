"""Social card images (og:image): what they show, how they fit, who may see them,
how long they are kept, and the tags that point at them."""

import io
import itertools
import re
from datetime import date
from unittest import mock

import pytest
from django.urls import reverse
from PIL import Image

from digests import social_cards
from digests.social_cards import HEIGHT, MARGIN, WIDTH, Card

from .factories import IssueFactory, PaperFactory, SectionFactory

LONG_TITLE = (
    "Extending the Context Window of Large Language Models via Positional Interpolation, "
    "Retrieval, Memory and Sparse Attention: A Survey of What Works and What Does Not "
    "Pneumonoultramicroscopicsilicovolcanoconiosisandotherwordsthatneverbreak"
)


def card(title="Lost in the Middle: How Language Models Use Long Contexts", **fields):
    defaults = {
        "site": "AI Research Highlights",
        "kicker": "Large Language Models",
        "byline": "In AI Research Highlights, June–July 2023",
        "dateline": "arXiv 2307.03172 · 6 July 2023",
    }
    return Card(title=title, **{**defaults, **fields})


def png_size(data):
    image = Image.open(io.BytesIO(data))
    image.verify()
    return Image.open(io.BytesIO(data)).format, Image.open(io.BytesIO(data)).size


def assert_fits(pieces):
    """Every piece inside the card's margins, none overlapping the next."""
    for piece in pieces:
        left, top, right, bottom = piece.bbox
        assert left >= MARGIN and right <= WIDTH - MARGIN, piece
        assert top >= 0 and bottom <= HEIGHT - 24, piece
    ordered = sorted(pieces, key=lambda p: p.bbox[1])
    for upper, lower in itertools.pairwise(ordered):
        assert upper.bbox[3] <= lower.bbox[1] + 2, (upper, lower)  # accents may touch


# --- drawing -------------------------------------------------------------------------


def test_a_card_is_a_1200_by_630_png():
    assert png_size(social_cards.render(card())) == ("PNG", (1200, 630))


def test_a_short_title_is_set_large_and_a_long_one_smaller_but_whole_and_inside():
    short = [p for p in social_cards.plan(card()) if p.anchor == "lt"]
    long = [p for p in social_cards.plan(card(LONG_TITLE)) if p.anchor == "lt"]
    assert short[0].font.size > long[0].font.size
    assert " ".join(p.text for p in short) == card().title
    # Every word of the long title is drawn (the one that never breaks, broken).
    assert "".join(p.text for p in long).replace(" ", "") == LONG_TITLE.replace(" ", "")
    assert len(long) > 3
    assert_fits(social_cards.plan(card()))
    assert_fits(social_cards.plan(card(LONG_TITLE)))


def test_a_title_too_long_for_any_size_is_cut_with_an_ellipsis_inside_the_card():
    pieces = social_cards.plan(card(" ".join([LONG_TITLE] * 4)))
    title = [p for p in pieces if p.anchor == "lt"]
    assert title[-1].text.endswith("…")
    assert title[-1].bbox[3] <= social_cards.TITLE_BOTTOM
    assert_fits(pieces)


def test_long_small_lines_and_site_names_shrink_or_cut_instead_of_running_off():
    pieces = social_cards.plan(
        card(site="The Very Long Name of a Research Magazine " * 3, byline="In " + LONG_TITLE)
    )
    assert_fits(pieces)


def test_a_title_in_another_script_is_set_in_a_font_that_has_its_letters():
    greek = "Ζεύς: μάθηση με λίγα παραδείγματα"
    font = social_cards.font_for(greek, "serif", 60)
    assert all(social_cards.draws(font.path, c) for c in greek)
    assert font.path != social_cards.font_paths("serif")[0]  # Fraunces has no Greek
    latin = social_cards.font_for("Łódź über alles", "serif", 60)
    assert latin.path.endswith("Fraunces-Bold.ttf")


def test_the_digest_names_the_text_shown():
    assert card().digest() == card().digest()
    assert card().digest() != card("Another title").digest()
    assert card().digest() != card(dateline="arXiv 2307.03172 · 7 July 2023").digest()


# --- the addresses -------------------------------------------------------------------


@pytest.fixture
def paper(db):
    issue = IssueFactory(
        title="AI Research Highlights, June–July 2023",
        slug="june-july-2023",
        period_start=date(2023, 6, 1),
        period_end=date(2023, 7, 15),
    )
    section = SectionFactory(name="Large Language Models", slug="llm")
    return PaperFactory(
        issue=issue,
        section=section,
        title="Lost in the Middle: How Language Models Use Long Contexts",
        slug="lost-in-the-middle",
        arxiv_id="2307.03172",
        arxiv_date=date(2023, 7, 6),
    )


def card_urls(paper):
    return [reverse("digests:issue_card", args=[paper.issue.slug]), paper_card_url(paper)]


def paper_card_url(paper):
    return reverse("digests:paper_card", args=[paper.slug])


def test_issue_and_paper_cards_are_pngs_of_1200_by_630(client, paper):
    assert card_urls(paper) == [
        "/issues/june-july-2023/card.png",
        "/papers/lost-in-the-middle/card.png",
    ]
    for url in card_urls(paper):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert png_size(response.content) == ("PNG", (1200, 630))


def test_cards_show_the_title_issue_and_date(paper):
    from digests.card_views import card_of

    paper_card = card_of(paper)
    assert paper_card.title == paper.title
    assert paper_card.kicker == "Large Language Models"
    assert paper_card.byline == "In AI Research Highlights, June–July 2023"
    assert paper_card.dateline == "arXiv 2307.03172 · 6 July 2023"
    issue_card = card_of(paper.issue)
    assert issue_card.title == "AI Research Highlights, June–July 2023"
    assert issue_card.kicker == "Papers from 1 June to 15 July 2023"
    assert issue_card.dateline.startswith("Published ")


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_cards_of_drafts_and_scheduled_issues_are_404_even_for_editors(client, editor, state):
    issue = getattr(IssueFactory, state)(slug="coming")
    paper = PaperFactory(issue=issue, slug="secret-paper")
    client.force_login(editor)
    assert client.get(reverse("digests:issue_card", args=["coming"])).status_code == 404
    assert client.get(paper_card_url(paper)).status_code == 404


def test_cards_of_unknown_issues_and_papers_are_404(client, db):
    assert client.get("/issues/no-such-issue/card.png").status_code == 404
    assert client.get("/papers/no-such-paper/card.png").status_code == 404


def test_a_card_is_kept_by_proxies_and_revalidated_by_its_etag(client, paper):
    url = paper_card_url(paper)
    response = client.get(url)
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response["Last-Modified"]
    etag = response["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    later = client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert later.status_code == 304


def test_a_card_asked_for_by_its_digest_is_kept_for_a_year(client, paper):
    from digests.card_views import card_of

    digest = card_of(paper).digest()[:12]
    response = client.get(paper_card_url(paper), {"v": digest})
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = client.get(paper_card_url(paper), {"v": "0" * 12})
    assert stale["Cache-Control"] == "public, max-age=3600"


def test_a_card_is_drawn_once_for_the_text_it_shows(client, paper, settings):
    settings.DIGESTS_PAGE_CACHE = False  # the card's own cache, not the page's
    url = paper_card_url(paper)
    with mock.patch.object(social_cards, "render", wraps=social_cards.render) as render:
        first = client.get(url).content
        assert client.get(url).content == first
        assert render.call_count == 1
        paper.title = "Found in the Middle"
        paper.save()
        assert client.get(url).content != first
        assert render.call_count == 2


# --- the tags ------------------------------------------------------------------------


def meta(response, key):
    html = response.content.decode()
    found = re.findall(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return found[0] if found else None


def test_issue_and_paper_pages_name_their_card_with_absolute_addresses(client, paper):
    from digests.card_views import card_of

    for page, thing, path in (
        (paper.issue.get_absolute_url(), paper.issue, "/issues/june-july-2023/card.png"),
        (paper.get_absolute_url(), paper, "/papers/lost-in-the-middle/card.png"),
    ):
        response = client.get(page)
        image = f"http://testserver{path}?v={card_of(thing).digest()[:12]}"
        assert meta(response, "og:image") == image
        assert meta(response, "twitter:image") == image
        assert meta(response, "og:image:width") == "1200"
        assert meta(response, "og:image:height") == "630"
        assert meta(response, "og:image:type") == "image/png"
        assert thing.title in meta(response, "og:image:alt").replace("&#x27;", "'")
        assert meta(response, "twitter:card") == "summary_large_image"
        assert client.get(image).status_code == 200


def test_previews_and_other_pages_name_no_card(client, editor):
    issue = IssueFactory.draft(slug="coming")
    client.force_login(editor)
    preview = client.get(issue.get_absolute_url())
    assert preview.status_code == 200
    assert meta(preview, "og:image") is None
    client.logout()
    home = client.get("/")
    assert meta(home, "og:image") is None
    assert meta(home, "twitter:card") in (None, "summary")
