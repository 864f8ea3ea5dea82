"""Finding and following from any page: the header's search box and Subscribe
link on every public page, and the paper browser's search and filters placed
before its results (folded on a phone, the sidebar on wider screens)."""

import re

import pytest
from django.urls import reverse

from .factories import IssueFactory, PaperFactory, SectionFactory
from .site_pages import build_site

pytestmark = pytest.mark.django_db

HEADER = re.compile(r'<header class="site-header">.*?</header>', re.S)


def header_of(response):
    match = HEADER.search(response.content.decode())
    assert match, "no site header"
    return match.group(0)


def test_every_public_page_has_the_header_search_and_subscribe_link(client):
    search, subscribe = reverse("digests:search"), reverse("digests:subscribe")
    for name, path in build_site().items():
        header = header_of(client.get(path))
        assert f'action="{search}" role="search"' in header, name
        assert 'type="search" id="site-search-q" name="q"' in header, name
        assert re.search(r'<label[^>]*for="site-search-q">Search papers</label>', header), name
        link = rf'<a class="site-nav__subscribe" href="{subscribe}"[^>]*>Subscribe</a>'
        assert re.search(link, header), name


def test_the_header_search_is_a_details_a_phone_can_open_without_script(client, db):
    header = header_of(client.get(reverse("digests:home")))
    details = re.search(r'<details class="site-search">(.*?)</details>', header, re.S)
    assert details, "the box folds into a <details>"
    summary, _, rest = details.group(1).partition("</summary>")
    assert '<span class="visually-hidden">Search</span>' in summary  # the icon has a name
    assert "<form" in rest and "<form" not in summary


def test_the_subscribe_link_is_marked_current_on_the_subscribe_page(client, db):
    header = header_of(client.get(reverse("digests:subscribe")))
    assert 'class="site-nav__subscribe" href="/subscribe/" aria-current="page"' in header
    header = header_of(client.get(reverse("digests:home")))
    assert 'aria-current="page">Subscribe' not in header


def test_the_header_search_lands_on_the_search_results(client, db):
    PaperFactory(title="Lost in the Middle", issue=IssueFactory())
    response = client.get(reverse("digests:search"), {"q": "middle"})
    assert response.status_code == 200
    assert [paper.title for paper in response.context["papers"]] == ["Lost in the Middle"]
    assert "1 paper for “middle”" in response.content.decode()


@pytest.fixture
def browser_page(db):
    issue = IssueFactory()
    section = SectionFactory(name="Computer Vision", slug="cv")
    for n in range(3):
        PaperFactory(issue=issue, section=section, title=f"Vision paper {n}", tags=["vision"])


def test_search_and_filters_come_before_the_results(client, browser_page):
    html = client.get(reverse("digests:paper_list")).content.decode()
    refine, facets = html.index('<details class="refine">'), html.index('class="facets"')
    words, results = html.index('name="q"', html.index("<main")), html.index('class="results"')
    first_card = html.index('<article class="card"')
    assert refine < words < facets < results < first_card
    assert html.index("</details>", refine) < results  # the panel closes before the results
    assert re.search(r'<summary class="refine__toggle">.*?Search and filter', html)


def test_the_panel_says_what_is_chosen_and_opens_itself_on_an_error(client, browser_page):
    html = client.get(reverse("digests:search"), {"q": "vision", "section": "cv"}).content.decode()
    state = re.search(r'<span class="refine__state">(.*?)</span>', html).group(1)
    assert state == "“vision” · 1 filter"
    assert '<details class="refine">' in html  # folded: the results come first on a phone
    refused = client.get(reverse("digests:paper_list"), {"year": "soon"})
    assert refused.status_code == 400
    assert '<details class="refine" open>' in refused.content.decode()  # the error is in sight


def test_the_results_title_is_the_target_of_the_skip_link(client, browser_page):
    html = client.get(reverse("digests:paper_list")).content.decode()
    assert 'href="#results-title">Skip to the results</a>' in html
    assert re.search(r'<h2 id="results-title"[^>]*tabindex="-1"', html)


def test_cards_show_date_section_issue_authors_annotation_and_tags(client, db):
    issue = IssueFactory(title="June–July 2023")
    PaperFactory(
        issue=issue,
        section=SectionFactory(name="Computer Vision", slug="cv"),
        title="Patch n' Pack",
        authors="Mostafa Dehghani, Basil Mustafa, Josip Djolonga, Jonathan Heek, Matthias Minderer",
        annotation="Vision pipelines have resized every image to a fixed square.",
        tags=["vision transformers"],
    )
    html = client.get(reverse("digests:paper_list")).content.decode()
    card = re.search(r'<article class="card".*?</article>', html, re.S).group(0)
    for part in (
        "Patch n&#x27; Pack",
        '<time datetime="2023-07-03">3 Jul 2023</time>',
        ">Computer Vision</a>",
        ">June–July 2023</a>",
        'class="card__authors"',
        "Mostafa Dehghani",
        "and 2 others",
        '<p class="card__excerpt">Vision pipelines have resized every image',
        ">vision transformers</a>",
    ):
        assert part in card, part
