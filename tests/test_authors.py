"""Authors as records (issue 18, item 6): kept in step with each paper's
author line on every kind of save, filled for existing papers by migration
0015, shown on /authors/<slug>/ with feeds, and named in JSON-LD, Highwire
tags and BibTeX from the records, in order."""

import importlib
import re
from types import SimpleNamespace

import feedparser
import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.utils import bulk_create_with_history

from digests.drafts.writer import import_draft
from digests.models import Author, Authorship, Paper
from digests.models.authors import author_names, normalise_name, sync_authors

from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db

fill_authors = importlib.import_module("digests.migrations.0015_fill_authors").fill_authors


def names_of(paper):
    return list(
        Authorship.objects.filter(paper=paper)
        .order_by("position")
        .values_list("position", "author__name")
    )


# --- Names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Nelson  F.\u00a0Liu ", "Nelson F. Liu"),
        ("Kevin Lin¹", "Kevin Lin"),
        ("Kevin Lin1,2", "Kevin Lin"),
        ("Percy Liang*†", "Percy Liang"),
        ("Zoe\u0308 A\u030angstro\u0308m", "Zoë Ångström"),  # decomposed → NFC
        ("Ada\u200b Lovelace", "Ada Lovelace"),
        ("John Smith Jr.", "John Smith Jr."),
    ],
)
def test_names_are_normalised(raw, expected):
    assert normalise_name(raw) == expected


def test_an_author_line_gives_distinct_names_in_order():
    line = "Nelson F. Liu1, Kevin Lin; PERCY LIANG and Nelson F. Liu, et al."
    assert author_names(line) == ["Nelson F. Liu", "Kevin Lin", "PERCY LIANG"]
    assert author_names("") == []


# --- In step on save --------------------------------------------------------------------


def test_saving_a_paper_records_its_authors_in_order():
    paper = PaperFactory(authors="Nelson F. Liu, Kevin Lin, Percy Liang")
    assert names_of(paper) == [(1, "Nelson F. Liu"), (2, "Kevin Lin"), (3, "Percy Liang")]
    assert [a.slug for a in paper.author_records] == ["nelson-f-liu", "kevin-lin", "percy-liang"]


def test_one_author_per_name_in_any_case_across_papers():
    first = PaperFactory(authors="Nelson F. Liu, Kevin Lin")
    second = PaperFactory(authors="NELSON F. LIU, Kevin  Lin², Ada Lovelace")
    assert Author.objects.count() == 3
    assert [a.pk for a in second.author_records][:2] == [a.pk for a in first.author_records]
    # Named as first seen.
    assert second.author_list == ["Nelson F. Liu", "Kevin Lin", "Ada Lovelace"]


def test_reordered_renamed_and_removed_authors_follow_the_line():
    paper = PaperFactory(authors="Nelson F. Liu, Kevin Lin, Percy Liang")
    liu, lin, _ = paper.author_records
    paper.authors = "Kevin Lin, Nelson Liu"  # reordered, Liu renamed, Liang removed
    paper.save()
    assert names_of(paper) == [(1, "Kevin Lin"), (2, "Nelson Liu")]
    assert paper.author_records[0].pk == lin.pk
    assert paper.author_records[1].pk != liu.pk  # another name, another author
    # The old spelling and the removed author keep their rows (and addresses)
    # but no paper: their pages answer 404 (see below).
    assert Author.objects.filter(slug="nelson-f-liu", authorships__isnull=True).exists()
    assert Author.objects.filter(slug="percy-liang", authorships__isnull=True).exists()
    paper.authors = ""
    paper.save()
    assert names_of(paper) == []


def test_a_save_of_other_fields_only_leaves_the_authors_alone():
    paper = PaperFactory(authors="Ada Lovelace")
    Paper.objects.filter(pk=paper.pk).update(authors="Alan Turing")  # behind its back
    paper.title = "New title"
    with CaptureQueriesContext(connection) as queries:
        paper.save(update_fields=["title"])
    assert not any("authorship" in q["sql"].lower() for q in queries.captured_queries)
    assert names_of(paper) == [(1, "Ada Lovelace")]


def test_an_unchanged_line_costs_one_query():
    paper = PaperFactory(authors="Ada Lovelace, Alan Turing")
    with CaptureQueriesContext(connection) as queries:
        sync_authors([paper])
    assert len(queries) == 1


def test_names_sharing_a_slug_get_their_own_authors_and_addresses():
    PaperFactory(authors="Jose Garcia")
    PaperFactory(authors="José García")
    PaperFactory(authors="JOSÉ GARCÍA, Jose Garcia")
    assert sorted(Author.objects.values_list("slug", "name")) == [
        ("jose-garcia", "Jose Garcia"),
        ("jose-garcia-2", "José García"),
    ]


def test_names_without_latin_letters_get_an_address():
    paper = PaperFactory(authors="李明, 王芳")
    assert [a.slug for a in paper.author_records] == ["author", "author-2"]
    assert paper.author_list == ["李明", "王芳"]


def test_bulk_inserted_papers_get_their_authors_in_a_few_queries():
    issue, section = IssueFactory(), SectionFactory()
    papers = [
        Paper(
            issue=issue,
            section=section,
            position=n + 1,
            title=f"Paper {n}",
            slug=f"paper-{n}",
            arxiv_id=f"2307.{n:05d}",
            arxiv_date="2023-07-03",
            authors=f"Ada Lovelace, Author {chr(65 + n % 26)}{n // 26}x, Alan Turing",
        )
        for n in range(60)
    ]
    bulk_create_with_history(papers, Paper)
    with CaptureQueriesContext(connection) as queries:
        sync_authors(papers)
    assert len(queries) <= 6
    assert Author.objects.count() == 62
    assert Authorship.objects.count() == 180
    assert names_of(papers[5])[1] == (2, "Author F0x")


IMPORTED = """\
Highlights of July

## Language

Lost in the Middle (6 Jul, https://arxiv.org/abs/2307.03172)
Long contexts are used unevenly.
"""


def test_a_draft_import_keeps_authorships_in_step():
    report = import_draft(text=IMPORTED)
    paper = report.issue.papers.get()
    assert names_of(paper) == []  # a draft names no authors
    paper.authors = "Nelson F. Liu, Kevin Lin"
    paper.save()
    # Importing the draft again keeps the editor's authors (and their records).
    import_draft(text=IMPORTED.replace("unevenly", "unevenly, it turns out"))
    paper.refresh_from_db()
    assert paper.annotation.endswith("it turns out.")
    assert names_of(paper) == [(1, "Nelson F. Liu"), (2, "Kevin Lin")]


def test_a_draft_import_runs_the_bulk_sync_on_its_new_papers(monkeypatch):
    synced = []
    monkeypatch.setattr("digests.drafts.writer.sync_authors", synced.extend)
    import_draft(text=IMPORTED)
    assert [paper.arxiv_id for paper in synced] == ["2307.03172"]
    assert all(paper.pk for paper in synced)


# --- Migration 0015 ---------------------------------------------------------------------


def test_the_migration_fills_authors_from_the_existing_lines():
    first = PaperFactory(authors="Nelson F. Liu, Kevin Lin")
    second = PaperFactory(authors="kevin lin, Percy Liang†, ")
    empty = PaperFactory(authors="")
    Authorship.objects.all().delete()
    Author.objects.all().delete()
    fill_authors(apps, SimpleNamespace(connection=connection))
    assert names_of(first) == [(1, "Nelson F. Liu"), (2, "Kevin Lin")]
    assert names_of(second) == [(1, "Kevin Lin"), (2, "Percy Liang")]
    assert names_of(empty) == []
    assert Author.objects.count() == 3
    fill_authors(apps, SimpleNamespace(connection=connection))  # again: nothing changes
    assert Authorship.objects.count() == 4


# --- The author's page and feeds --------------------------------------------------------


@pytest.fixture
def liu(db):
    section = SectionFactory(name="Language", slug="language")
    older = IssueFactory(title="June Highlights", slug="june")
    newer = IssueFactory(title="July Highlights", slug="july")
    draft = IssueFactory.draft(title="Coming Soon", slug="coming")
    PaperFactory(
        issue=older,
        section=section,
        title="Old Paper",
        authors="Nelson F. Liu, Ada Lovelace",
        arxiv_date="2023-06-01",
    )
    PaperFactory(
        issue=newer,
        section=section,
        title="New Paper",
        authors="Kevin Lin, Nelson F. Liu",
        arxiv_date="2023-07-06",
    )
    PaperFactory(issue=draft, section=section, title="Secret Paper", authors="Nelson F. Liu")
    PaperFactory(issue=draft, section=section, title="Other Secret", authors="Draft Only")
    return Author.objects.get(slug="nelson-f-liu")


def test_the_author_page_lists_their_published_papers_newest_first(client, liu):
    response = client.get("/authors/nelson-f-liu/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Nelson F. Liu</h1>" in html
    assert html.index("New Paper") < html.index("Old Paper")
    assert "July Highlights" in html and "June Highlights" in html
    assert "Secret Paper" not in html
    assert "2 papers" in html
    assert 'href="/authors/nelson-f-liu/feed/"' in html
    assert 'href="/authors/kevin-lin/"' in html  # co-authors linked on the cards


def test_unknown_authors_and_authors_without_public_papers_are_404(client, liu):
    assert client.get("/authors/nobody/").status_code == 404
    assert client.get("/authors/draft-only/").status_code == 404
    assert client.get("/authors/draft-only/feed/").status_code == 404
    assert client.get("/authors/nobody/feed/atom/").status_code == 404


def test_the_author_page_paginates(client, liu, settings):
    issue = IssueFactory()
    for n in range(30):
        PaperFactory(issue=issue, authors="Nelson F. Liu", title=f"Extra {n}")
    first = client.get("/authors/nelson-f-liu/").content.decode()
    assert "32 papers" in first and "page=2" in first
    second = client.get("/authors/nelson-f-liu/?page=2")
    assert second.status_code == 200 and "(page 2)" in second.content.decode()


@pytest.mark.parametrize("kind", ["author_feed", "author_feed_atom"])
def test_the_author_feeds_carry_their_published_papers(client, liu, kind):
    response = client.get(reverse(f"digests:{kind}", args=["nelson-f-liu"]))
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    assert parsed.feed.title.endswith("papers by Nelson F. Liu")
    assert [entry.title for entry in parsed.entries] == ["New Paper", "Old Paper"]
    assert parsed.entries[0].author == "Kevin Lin, Nelson F. Liu"


def test_authors_are_linked_on_the_paper_page_and_the_issue_page(client, liu):
    paper = Paper.objects.get(title="New Paper")
    html = client.get(paper.get_absolute_url()).content.decode()
    byline = re.search(r'<p class="byline">(.*?)</p>', html)[1]
    assert byline == (
        '<a href="/authors/kevin-lin/">Kevin Lin</a>, '
        '<a href="/authors/nelson-f-liu/">Nelson F. Liu</a>'
    )
    issue_html = client.get(paper.issue.get_absolute_url()).content.decode()
    assert '<a href="/authors/nelson-f-liu/">Nelson F. Liu</a>' in issue_html


def test_cards_show_three_authors_and_a_count_of_the_others(client):
    PaperFactory(authors="A One, B Two, C Three, D Four, E Five", tags=["many"])
    html = client.get("/tags/many/").content.decode()
    authors = re.search(r'<p class="card__authors">(.*?)</p>', html)[1]
    assert authors.endswith("C Three</a> and 2 others")
    assert authors.count("<a ") == 3


def test_a_name_is_escaped_in_links():
    paper = PaperFactory(authors='<b>Bold</b> "Quote"')
    from digests.templatetags.digests import author_links

    assert "<b>" not in author_links(paper)
    assert "&lt;b&gt;Bold&lt;/b&gt; &quot;Quote&quot;" in author_links(paper)


def test_the_sitemap_lists_public_authors_only(client, liu):
    xml = client.get("/sitemap-authors.xml").content.decode()
    assert "http://testserver/authors/nelson-f-liu/" in xml
    assert "http://testserver/authors/kevin-lin/" in xml
    assert "draft-only" not in xml


# --- Citations from the records -------------------------------------------------------


def test_json_ld_highwire_and_bibtex_name_the_records_in_order(client):
    PaperFactory(authors="Nelson F. Liu")  # the record keeps this spelling
    paper = PaperFactory(authors="nelson f. liu, Kevin Lin", tags=["x"])
    html = client.get(paper.get_absolute_url()).content.decode()
    assert re.findall(r'<meta name="citation_author" content="([^"]*)">', html) == [
        "Nelson F. Liu",
        "Kevin Lin",
    ]
    ld = re.search(r'"author": (\[.*?\])', html)[1]
    assert '"name": "Nelson F. Liu", "url": "http://testserver/authors/nelson-f-liu/"' in ld
    assert ld.index("Nelson F. Liu") < ld.index("Kevin Lin")
    bib = client.get(reverse("digests:paper_bibtex", args=[paper.slug])).content.decode()
    assert "author = {Liu, Nelson F. and Lin, Kevin}" in bib
    assert "author = {Liu, Nelson F. and Lin, Kevin}" in html
