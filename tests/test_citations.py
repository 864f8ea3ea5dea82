"""BibTeX that real BibTeX tools read: one paper, an issue, any filtered list."""

from datetime import date

import bibtexparser
import pytest
from django.urls import reverse

from digests.citations import bibtex

from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db


def parse(text):
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == [], [b.error for b in library.failed_blocks]
    return library


def fields(entry):
    return {name: field.value for name, field in entry.fields_dict.items()}


@pytest.fixture
def paper():
    return PaperFactory(
        title="Lost in the Middle: How Language Models Use Long Contexts",
        arxiv_id="2307.03172",
        arxiv_date=date(2023, 7, 6),
        authors="Nelson F. Liu, Kevin Lin, Percy Liang",
        slug="lost-in-the-middle",
    )


def test_one_paper_as_a_bib_file(client, paper):
    response = client.get(reverse("digests:paper_bibtex", args=[paper.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    (entry,) = parse(response.content.decode()).entries
    assert entry.entry_type == "misc" and entry.key == "liu2023lost"
    values = fields(entry)
    assert values["eprint"] == "2307.03172" and values["archivePrefix"] == "arXiv"
    assert values["author"] == "Liu, Nelson F. and Lin, Kevin and Liang, Percy"
    assert values["year"] == "2023" and values["month"] == "jul"
    assert values["url"] == "https://arxiv.org/abs/2307.03172"
    assert "Lost in the Middle" in values["title"]


def test_paper_page_shows_a_copyable_block_and_the_download_link(client, paper):
    html = client.get(paper.get_absolute_url()).content.decode()
    assert '<pre class="cite__bibtex" id="bibtex" tabindex="0"><code>@misc{liu2023lost,' in html
    assert f'href="{reverse("digests:paper_bibtex", args=[paper.slug])}" download' in html


def test_a_whole_issue_with_unique_keys(client, paper):
    issue = paper.issue
    for n in range(3):  # same first author, year and first word: keys must still differ
        PaperFactory(
            issue=issue,
            section=paper.section,
            title=f"Lost Again {n}",
            authors="Nelson F. Liu",
            arxiv_date=date(2023, 7, 1),
        )
    response = client.get(reverse("digests:issue_bibtex", args=[issue.slug]))
    library = parse(response.content.decode())
    keys = [entry.key for entry in library.entries]
    assert len(keys) == 4 and len(set(keys)) == 4
    assert all(fields(e)["eprint"] for e in library.entries)


def test_the_browsers_filtered_list(client, paper):
    other = PaperFactory(section=SectionFactory(slug="cv"), tags=["vision"])
    url = reverse("digests:paper_list_bibtex")
    everything = parse(client.get(url).content.decode())
    assert len(everything.entries) == 2
    only_cv = parse(client.get(url, {"section": "cv"}).content.decode())
    assert [fields(e)["eprint"] for e in only_cv.entries] == [other.arxiv_id]
    page = client.get(reverse("digests:paper_list"), {"section": "cv"}).content.decode()
    assert f'href="{url}?section=cv">Export this paper as BibTeX</a>' in page
    bad = client.get(url, {"section": "nope"})
    assert bad.status_code == 400 and b"There is no section" in bad.content


@pytest.mark.parametrize(
    "title",
    [
        "Costs & Benefits: 100% of {Everything} for $5 #1 on_the ~edge^",
        "Unbalanced } brace { and back\\slash",
        "Ünïcödé — “quotes” and 日本語",
    ],
)
def test_special_characters_still_parse(title):
    paper = PaperFactory(title=title, authors="Zoë Ångström, J. R. R. Tolkien")
    (entry,) = parse(bibtex([paper])).entries
    assert fields(entry)["author"] == "Ångström, Zoë and Tolkien, J. R. R."


def test_drafts_have_no_public_bibtex(client, three_issues):
    draft_paper = three_issues["papers"]["draft"]
    assert client.get(reverse("digests:paper_bibtex", args=[draft_paper.slug])).status_code == 404
    draft = three_issues["draft"]
    assert client.get(reverse("digests:issue_bibtex", args=[draft.slug])).status_code == 404
    everything = client.get(reverse("digests:paper_list_bibtex")).content.decode()
    assert "Secret" not in everything


def test_an_issue_without_papers_gives_an_empty_file(client):
    issue = IssueFactory()
    response = client.get(reverse("digests:issue_bibtex", args=[issue.slug]))
    assert response.status_code == 200 and response.content == b""
