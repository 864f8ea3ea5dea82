"""Full-text search: the query language, ranking, snippets, index freshness,
facets and odd input, on whichever database the suite runs (SQLite with FTS5,
PostgreSQL with tsvector; CI runs both)."""

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from django.utils.http import urlencode
from taggit.models import Tag

from digests.caching import version
from digests.models import Paper, TaggedPaper
from digests.search import engine, ranked, sqlite
from digests.search.filters import PaperFilter, filter_data
from digests.search.query import parse_query
from digests.search.sql import sql as sql_part

from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db
URL = reverse("digests:search")


def results(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content[:500]
    return [paper.title for paper in response.context["papers"]]


@pytest.fixture
def archive():
    llm = SectionFactory(name="Large Language Models", slug="llm")
    cv = SectionFactory(name="Computer Vision", slug="cv")
    june = IssueFactory(title="June highlights", slug="june", intro="Pruning was everywhere.")
    may = IssueFactory(title="May highlights", slug="may")
    draft = IssueFactory(title="Draft issue", slug="draft", status="draft", published_at=None)
    papers = {
        "title": PaperFactory(
            issue=june,
            section=llm,
            title="Pruning Large Networks in One Shot",
            arxiv_id="2306.00001",
            annotation="A short note about sparsity.",
            authors="Mingjie Sun",
            tags=["efficiency"],
        ),
        "annotation": PaperFactory(
            issue=june,
            section=llm,
            title="Scaling Laws Revisited",
            arxiv_id="2306.00002",
            annotation="Unlike earlier work, the authors avoid pruning; pruning would hurt.",
            tags=["scaling"],
        ),
        "phrase": PaperFactory(
            issue=may,
            section=cv,
            title="Diffusion for Photographs",
            arxiv_id="2305.00003",
            arxiv_date=date(2022, 5, 3),
            annotation="Shows that in-context learning works for image models too.",
            tags=["diffusion", "efficiency"],
        ),
        "scattered": PaperFactory(
            issue=may,
            section=cv,
            title="Context Windows",
            arxiv_id="2305.00004",
            arxiv_date=date(2022, 5, 4),
            annotation="Learning in a longer context: the window is what matters.",
            abstract="We study learning rate warm-up.",
            tags=["long context"],
        ),
        "secret": PaperFactory(
            issue=draft,
            section=llm,
            title="Secret Pruning Result",
            arxiv_id="2306.00005",
            tags=["embargoed"],
        ),
    }
    return papers


# --- The query language ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("pruning", [((("pruning",),), ())]),
        ("Pruning  LLMs", [((("pruning",), ("llms",)), ())]),
        ('"in-context learning"', [((("in", "context", "learning"),), ())]),
        ('pruning -"vision transformer"', [((("pruning",),), (("vision", "transformer"),))]),
        ("pruning or quantization", [((("pruning",),), ()), ((("quantization",),), ())]),
        ("gpt-4", [((("gpt", "4"),), ())]),
        ('"unclosed phrase', [((("unclosed", "phrase"),), ())]),
        ("Überraschung naïve", [((("überraschung",), ("naïve",)), ())]),
    ],
)
def test_web_search_syntax_is_parsed(text, groups):
    query = parse_query(text)
    assert [(group.include, group.exclude) for group in query.groups] == groups
    assert not query.notes


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ('"', "Type a word to search for"),
        ("*", "Type a word to search for"),
        ("-", "Type a word to search for"),
        ("-pruning", "add a word to search for too"),
        ("OR or or", "Type a word to search for"),
        (" ".join(f"w{n}" for n in range(20)), "Only the first 12 words"),
    ],
)
def test_unusable_parts_of_a_query_are_explained(text, note):
    query = parse_query(text)
    assert any(note in line for line in query.notes), query.notes


def test_fts_operators_typed_by_a_reader_are_plain_words():
    query = parse_query('NEAR(a b) AND title:x ^y "z" )')
    expression = sqlite.match(query)
    # Punctuation joins words into a phrase; every word is quoted, so no operator survives.
    assert expression == '(("near a" AND "b" AND "and" AND "title x" AND "y" AND "z"))'


# --- Ranking, syntax and snippets against the real index ------------------------------


def test_a_title_hit_ranks_above_an_annotation_hit(client, archive):
    # The annotation hit is the newer paper: only ranking puts the title hit first.
    Paper.objects.filter(pk=archive["annotation"].pk).update(arxiv_date=date(2023, 6, 30))
    Paper.objects.filter(pk=archive["title"].pk).update(arxiv_date=date(2023, 6, 1))
    assert results(client, q="pruning", order="-date")[0] == "Scaling Laws Revisited"
    assert results(client, q="pruning") == [
        "Pruning Large Networks in One Shot",
        "Scaling Laws Revisited",
    ]


def test_stemming_finds_other_forms_of_a_word(client, archive):
    assert "Pruning Large Networks in One Shot" in results(client, q="pruned")


def test_authors_tags_and_abstract_are_searched(client, archive):
    assert results(client, q="mingjie") == ["Pruning Large Networks in One Shot"]
    assert set(results(client, q="scaling")) == {"Scaling Laws Revisited"}
    assert results(client, q="warm-up") == ["Context Windows"]


def test_exact_phrase_needs_the_words_together(client, archive):
    assert set(results(client, q="context learning")) == {
        "Diffusion for Photographs",
        "Context Windows",
    }
    assert results(client, q='"in-context learning"') == ["Diffusion for Photographs"]


def test_minus_leaves_papers_out(client, archive):
    assert set(results(client, q="learning -window")) == {"Diffusion for Photographs"}


def test_or_finds_either(client, archive):
    assert set(results(client, q="diffusion or scaling")) == {
        "Diffusion for Photographs",
        "Scaling Laws Revisited",
    }


def test_drafts_are_never_found(client, archive):
    assert "Secret Pruning Result" not in results(client, q="secret or pruning")
    assert results(client, q="embargoed") == []
    html = client.get(URL, {"q": "draft issue"}).content.decode()
    assert "Draft issue" not in html


def test_matches_are_highlighted_and_paper_text_is_escaped(client, archive):
    PaperFactory(
        issue=archive["title"].issue,
        section=archive["title"].section,
        title="Escaping <b>Bold</b> Claims",
        annotation="The claim `<script>alert(1)</script>` is about escaping.",
    )
    html = client.get(URL, {"q": "escaping"}).content.decode()
    assert "<mark>Escaping</mark> &lt;b&gt;Bold&lt;/b&gt; Claims" in html
    assert "<script>alert" not in html
    assert "is about <mark>escaping</mark>" in html


def test_issues_matching_the_words_are_listed(client, archive):
    html = client.get(URL, {"q": "june"}).content.decode()
    assert 'href="/issues/june/">June highlights</a>' in html
    assert 'href="/issues/may/"' not in html


def test_date_and_title_orders_can_be_chosen(client, archive):
    by_date = results(client, q="learning or pruning", order="-date")
    dates = [Paper.objects.get(title=title).arxiv_date for title in by_date]
    assert len(by_date) == 4
    assert dates == sorted(dates, reverse=True)
    by_title = results(client, q="learning or pruning", order="title")
    assert by_title == sorted(by_title)
    assert client.get(URL, {"q": "pruning"}).context["order"] == "relevance"
    assert client.get(URL).context["order"] == "-date"


def test_a_pasted_arxiv_link_finds_that_paper(client, archive):
    assert results(client, q="https://arxiv.org/abs//2305.00004v2") == ["Context Windows"]


# --- The index stays current -----------------------------------------------------------


def test_index_follows_an_edit(client, archive):
    paper = archive["phrase"]
    paper.title = "Denoising Everything"
    paper.save()
    assert results(client, q="denoising") == ["Denoising Everything"]
    assert results(client, q="photographs") == []


def test_index_follows_an_annotation_edit(client, archive):
    paper = Paper.objects.get(pk=archive["scattered"].pk)
    paper.annotation = "Now about **tokenizers** instead."
    paper.save()
    assert results(client, q="tokenizers") == ["Context Windows"]


def test_index_follows_tag_changes_and_a_tag_rename(client, archive):
    paper = archive["annotation"]
    paper.tags.add("quantization")
    assert results(client, q="quantization") == ["Scaling Laws Revisited"]
    paper.tags.remove("quantization")
    assert results(client, q="quantization") == []
    Tag.objects.filter(name="scaling").update(name="compute laws")
    assert results(client, q="compute") == ["Scaling Laws Revisited"]


def test_index_follows_a_delete(client, archive):
    archive["title"].delete()
    assert results(client, q="mingjie") == []


def test_index_follows_bulk_create(client, archive):
    issue, section = archive["title"].issue, archive["title"].section
    created = Paper.objects.bulk_create(
        Paper(
            issue=issue,
            section=section,
            title=f"Bulk Zeppelin {n}",
            slug=f"bulk-zeppelin-{n}",
            arxiv_id=f"2306.1000{n}",
            arxiv_date=date(2023, 6, 1),
            position=10 + n,
            annotation_text="airship",
        )
        for n in range(3)
    )
    tag = Tag.objects.create(name="lighter than air", slug="lighter-than-air")
    TaggedPaper.objects.bulk_create(TaggedPaper(content_object=p, tag=tag) for p in created)
    assert len(results(client, q="zeppelin")) == 3
    assert len(results(client, q="airship")) == 3
    assert len(results(client, q='"lighter than air"')) == 3


def _break_the_index():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM digests_paper_fts")
            cursor.execute("DELETE FROM digests_paper_head_fts")
        else:
            cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off
            cursor.execute("UPDATE digests_paper SET search_vector = NULL")
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_rebuild_command_restores_a_damaged_index(client, archive):
    _break_the_index()
    assert results(client, q="pruning") == []
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "Indexed 5 papers and 3 issues" in out.getvalue()
    assert results(client, q="pruning") == [
        "Pruning Large Networks in One Shot",
        "Scaling Laws Revisited",
    ]


# --- Facets -----------------------------------------------------------------------------


def test_every_facet_count_equals_the_results_its_link_shows(client, archive):
    for params in (
        {},
        {"q": "learning or pruning"},  # no filter: the index's matches less the drafts
        {"q": "learning -window"},
        {"q": '"in-context learning"'},
        {"q": "learning", "tag": "efficiency"},
    ):
        response = client.get(URL, params)
        facets = response.context["facets"]
        assert {facet.name for facet in facets} == {"section", "tag", "year", "issue"}
        checked = 0
        for facet in facets:
            for option in facet.options:
                if option.chosen:
                    continue
                followed = client.get(URL + "?" + option.query)
                assert followed.status_code == 200
                assert followed.context["paginator"].count == option.count, (
                    params,
                    facet.name,
                    option.label,
                )
                checked += 1
        assert checked


def test_facets_keep_the_query_and_never_show_draft_tags(client, archive):
    response = client.get(URL, {"q": "pruning or learning"})
    tag_labels = [option.label for option in response.context["facets"][1].options]
    assert "embargoed" not in tag_labels
    for facet in response.context["facets"]:
        for option in facet.options:
            assert "q=pruning+or+learning" in option.query


def test_multi_tag_and_filter(client, archive):
    assert results(client, tag=["efficiency", "diffusion"]) == ["Diffusion for Photographs"]
    assert results(client, q="learning", tag=["efficiency", "diffusion"]) == [
        "Diffusion for Photographs"
    ]


def test_a_chosen_filter_without_results_can_still_be_removed(client, archive):
    response = client.get(URL, {"q": "mingjie", "section": "cv"})
    assert response.context["paginator"].count == 0
    chosen = response.context["chosen_filters"]
    assert [option.label for option in chosen] == ["cv"]
    assert results(client, **dict(re.findall(r"(\w+)=([^&]+)", chosen[0].query))) == [
        "Pruning Large Networks in One Shot"
    ]


def test_pagination_keeps_the_query(client, monkeypatch, archive):
    from digests.search import views

    monkeypatch.setattr(views.PaperBrowserView, "paginate_by", 1)
    monkeypatch.setattr(views.PaperBrowserView, "paginate_orphans", 0)
    html = client.get(URL, {"q": "pruning"}).content.decode()
    assert 'href="?q=pruning&amp;page=2"' in html
    second = client.get(URL, {"q": "pruning", "page": 2})
    assert [p.title for p in second.context["papers"]] == ["Scaling Laws Revisited"]


# --- Odd input ----------------------------------------------------------------------------

ODD_QUERIES = [
    '"',
    "-",
    "*",
    "prun*",
    "(",
    ")",
    "NEAR(a b)",
    "title:pruning",
    "a AND OR NOT b",
    "' OR 1=1 --",
    "'; DROP TABLE digests_paper; --",
    "%",
    "_",
    "\\",
    "{{ 7*7 }}",
    "{% debug %}",
    "🙂 emoji",
    "日本語の論文",
    "Ünïcödé naïve café",
    "\u202egnirts",
    "a" * 200,
    "- - -",
    '"" "" ""',
    "or",
    "-pruning",
    "x\x00y",
]


@pytest.mark.parametrize("text", ODD_QUERIES)
def test_odd_queries_give_a_helpful_page(client, archive, text):
    response = client.get(URL, {"q": text})
    assert response.status_code in (200, 400), response.status_code
    html = response.content.decode()
    assert "Show papers" in html  # the form is there to try again
    if response.status_code == 200 and not response.context["papers"]:
        assert 'class="empty"' in html or 'role="status"' in html
    assert Paper.objects.count() == 5


def test_an_overlong_query_is_refused_with_a_message(client, archive):
    response = client.get(URL, {"q": "pruning " * 40})
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()


def test_search_page_is_not_indexed_but_the_browser_is(client, archive):
    assert '<meta name="robots" content="noindex' in client.get(URL, {"q": "x"}).content.decode()
    browse = client.get(reverse("digests:paper_list")).content.decode()
    assert 'name="robots"' not in browse


def test_search_url_keeps_every_parameter_in_the_form(client, archive):
    response = client.get(URL + "?" + urlencode({"q": "learning", "tag": "efficiency"}))
    html = response.content.decode()
    assert '<input type="hidden" name="tag" value="efficiency">' in html
    assert 'value="learning"' in html


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite drops triggers")
def test_triggers_lost_to_a_table_rebuild_are_restored_by_migrate(client, archive):
    # SQLite rebuilds a table to alter it, and the rebuilt table has no triggers.
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER digests_paper_fts_insert")
    PaperFactory(issue=archive["title"].issue, title="Written While Broken")
    assert results(client, q="broken") == []
    call_command("migrate", verbosity=0)
    assert results(client, q="broken") == ["Written While Broken"]
    PaperFactory(issue=archive["title"].issue, title="Written After Repair")
    assert results(client, q="repair") == ["Written After Repair"]


# --- Speed: one query for the count and the page, and the tiers beyond the limits -------


@pytest.fixture
def tiers():
    """Papers matching "zeppelin" in each field, the older ones in the better fields."""
    section, issue = SectionFactory(), IssueFactory()

    def paper(title, day, **fields):
        return PaperFactory(
            issue=issue, section=section, title=title, arxiv_date=date(2023, 1, day), **fields
        )

    return [
        paper("Zeppelin Flights", 1, annotation="Hot air."),
        paper("Zeppelin Zeppelin Zeppelin", 2, annotation="Hot air."),
        paper("Airships", 3, authors="Ann Zeppelin", annotation="Hot air."),
        paper("Balloons", 4, tags=["zeppelin"], annotation="Hot air."),
        paper("Blimps", 5, annotation="A zeppelin, once."),
        paper("Dirigibles", 6, abstract="We study a zeppelin."),
        paper("Kites", 7, annotation="Nothing to see."),
    ]


def test_count_and_page_come_from_one_query(tiers, django_assert_num_queries):
    papers = engine.ranked_papers(Paper.objects.published(), parse_query("zeppelin"))
    # Tags are not fetched here: the view attaches them to the page it shows.
    with django_assert_num_queries(2):  # count with page ids, the papers
        assert papers.count() == 6
        page = papers[0:6]  # the paginator cuts the page at the total: still no query
    assert [paper.title for paper in page][:2] == ["Zeppelin Zeppelin Zeppelin", "Zeppelin Flights"]
    with django_assert_num_queries(1):  # within the ids fetched: the papers
        assert [paper.title for paper in papers[4:6]] == ["Blimps", "Dirigibles"]
    papers = engine.ranked_papers(
        Paper.objects.published(), parse_query("zeppelin"), expected=(0, 2)
    )
    with django_assert_num_queries(3):  # a page not expected: its ids, its papers
        assert papers.count() == 6
        assert [paper.title for paper in papers[4:6]] == ["Blimps", "Dirigibles"]


def test_many_text_only_matches_come_latest_added_first(client, tiers, monkeypatch):
    monkeypatch.setattr(ranked, "BODY_RANK_LIMIT", 0)
    # Added last, though its arXiv date is the oldest: the archive's order, not the dates.
    PaperFactory(
        issue=tiers[0].issue,
        title="Gondolas",
        annotation="A zeppelin.",
        arxiv_date=date(2020, 1, 1),
    )
    titles = results(client, q="zeppelin")
    assert titles[:2] == ["Zeppelin Zeppelin Zeppelin", "Zeppelin Flights"]
    assert set(titles[2:4]) == {"Airships", "Balloons"}  # authors and tags weigh the same
    assert titles[4:] == ["Gondolas", "Dirigibles", "Blimps"]  # abstract or not


@pytest.mark.skipif(connection.vendor != "sqlite", reason="bm25 is what SQLite limits")
def test_many_head_matches_come_title_first_then_authors_and_tags_latest_added_first(
    client, tiers, monkeypatch
):
    monkeypatch.setattr(ranked, "HEAD_RANK_LIMIT", 0)
    assert results(client, q="zeppelin") == [
        "Zeppelin Zeppelin Zeppelin",  # title hits, latest added first
        "Zeppelin Flights",
        "Balloons",  # then author and tag hits, latest added first
        "Airships",
        "Blimps",  # then text-only hits, ranked: annotation above abstract
        "Dirigibles",
    ]
    # A page past the first takes each tier's rows after those above it.
    papers = engine.ranked_papers(
        Paper.objects.published(), parse_query("zeppelin"), expected=(2, 2)
    )
    assert [paper.title for paper in papers[2:4]] == ["Balloons", "Airships"]
    assert papers.count() == 6


@pytest.mark.parametrize("limits", [(1000, 1000), (0, 1000), (1000, 0), (0, 0)])
@pytest.mark.parametrize(
    "text",
    [
        "zeppelin",
        "zeppelin -hot",
        "zeppelin -ann",
        "zeppelin or nothing",
        "zeppelin -hot or kites",
        '"hot air"',
        "kites",
        "nowhere",
    ],
)
def test_leaving_out_the_unpublished_papers_agrees_with_the_filters(
    tiers, monkeypatch, limits, text
):
    """Without other filters a search leaves out the few unpublished papers
    instead of testing the filters on each match: the same results."""
    monkeypatch.setattr(ranked, "HEAD_RANK_LIMIT", limits[0])
    monkeypatch.setattr(ranked, "BODY_RANK_LIMIT", limits[1])
    draft = IssueFactory(status="draft", published_at=None)
    PaperFactory(issue=draft, title="Zeppelin Secrets", annotation="Hot air, kites.")
    PaperFactory(issue=draft, title="Hidden", annotation="A zeppelin, kites.")
    query = parse_query(text)

    def found(**scope):
        papers = engine.ranked_papers(Paper.objects.published(), query, **scope)
        return papers.count(), [paper.title for paper in papers[0:20]]

    filtered = found()
    assert found(excluded=Paper.objects.unpublished()) == filtered
    assert "Zeppelin Secrets" not in filtered[1] and "Hidden" not in filtered[1]
    everything = engine.ranked_papers(
        Paper.objects.all(), query, excluded=Paper.objects.filter(pk=0)
    )
    assert everything.count() >= filtered[0]


@pytest.mark.parametrize("lean", [True, False])
@pytest.mark.parametrize("limits", [(1000, 1000), (0, 1000), (1000, 0), (0, 0)])
def test_or_with_a_word_left_out_lists_every_match_once(monkeypatch, limits, lean):
    """A head hit means the same in every tier: here "Zeppelin" matches only
    through "kites", so it is a text-only hit, counted once and listed once."""
    monkeypatch.setattr(ranked, "HEAD_RANK_LIMIT", limits[0])
    monkeypatch.setattr(ranked, "BODY_RANK_LIMIT", limits[1])
    issue = IssueFactory()
    PaperFactory(issue=issue, title="Gliders", annotation="Like kites.")
    PaperFactory(issue=issue, title="Kites", annotation="Paper.")
    PaperFactory(issue=issue, title="Zeppelin", annotation="Hot air and kites.")
    papers = engine.ranked_papers(
        Paper.objects.published(),
        parse_query("zeppelin -hot or kites"),
        excluded=Paper.objects.unpublished() if lean else None,
    )
    assert papers.count() == 3
    assert sorted(paper.title for paper in papers[0:20]) == ["Gliders", "Kites", "Zeppelin"]
    assert [paper.title for paper in papers[0:1]] + [p.title for p in papers[1:3]] == [
        paper.title for paper in papers[0:3]
    ]


@pytest.mark.parametrize("limits", [(1000, 1000), (0, 1000), (1000, 0), (0, 0), (2, 3)])
def test_every_page_together_lists_each_match_once(tiers, monkeypatch, limits):
    """Paging two at a time through every tier, in both ways of applying the
    filters, lists exactly the papers the index matches, each once."""
    monkeypatch.setattr(ranked, "HEAD_RANK_LIMIT", limits[0])
    monkeypatch.setattr(ranked, "BODY_RANK_LIMIT", limits[1])
    draft = IssueFactory(status="draft", published_at=None)
    PaperFactory(issue=draft, title="Zeppelin Secrets", annotation="Hot air, kites.")
    PaperFactory(issue=tiers[0].issue, title="Kites and Hot Air", authors="Zed Zeppelin")
    published = Paper.objects.published()
    for text in ["zeppelin", "zeppelin -hot", "zeppelin -hot or kites", '"hot air" or zeppelin']:
        query = parse_query(text)
        expected = sorted(engine.matching(published, query).values_list("title", flat=True))
        for excluded in (None, Paper.objects.unpublished()):
            listed = []
            for start in range(0, len(expected) + 2, 2):
                papers = engine.ranked_papers(
                    published, query, expected=(start, 2), excluded=excluded
                )
                assert papers.count() == len(expected), (text, excluded)
                listed += [paper.title for paper in papers[start : start + 2]]
            assert sorted(listed) == expected, (text, excluded is None)


def test_the_search_page_leaves_out_drafts_without_and_with_filters(client, tiers):
    draft = IssueFactory(status="draft", published_at=None)
    PaperFactory(issue=draft, section=tiers[0].section, title="Zeppelin Secrets", tags=["zeppelin"])
    assert "Zeppelin Secrets" not in results(client, q="zeppelin")
    assert "Zeppelin Secrets" not in results(client, q="zeppelin -hot")
    assert "Zeppelin Secrets" not in results(client, q="zeppelin", tag="zeppelin")
    assert "Zeppelin Secrets" not in results(client, q="zeppelin", section=tiers[0].section.slug)


def test_edits_tags_renames_and_deletes_reach_the_head_hits(client, tiers, monkeypatch):
    # Text-only hits come after every title, author and tag hit, latest added first.
    monkeypatch.setattr(ranked, "BODY_RANK_LIMIT", 0)
    PaperFactory(issue=tiers[0].issue, title="Gondolas", annotation="A zeppelin aerostat.")

    def found(text):
        version.bump()
        response = client.get(URL, {"q": text})
        titles = [paper.title for paper in response.context["papers"]]
        assert response.context["paginator"].count == len(titles)
        return titles

    assert found("zeppelin")[4:] == ["Gondolas", "Dirigibles", "Blimps"]
    blimps = Paper.objects.get(title="Blimps")
    blimps.title = "Blimps and a Zeppelin"
    blimps.save()
    assert "Blimps and a Zeppelin" in found("zeppelin")[:5]
    assert found("zeppelin")[5:] == ["Gondolas", "Dirigibles"]
    dirigibles = Paper.objects.get(title="Dirigibles")
    dirigibles.tags.add("zeppelin")
    assert found("zeppelin")[6:] == ["Gondolas"]
    dirigibles.tags.clear()
    assert found("zeppelin")[5:] == ["Gondolas", "Dirigibles"]
    Tag.objects.filter(name="zeppelin").update(name="aerostat")
    assert found("aerostat") == ["Balloons", "Gondolas"]  # the renamed tag is a head hit
    Paper.objects.filter(title="Zeppelin Zeppelin Zeppelin").delete()
    assert "Zeppelin Zeppelin Zeppelin" not in found("zeppelin")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite chooses how to find matches")
def test_both_ways_of_finding_the_kept_matches_agree(client, tiers, monkeypatch):
    expected = results(client, q="zeppelin", tag="zeppelin")
    assert expected == ["Balloons"]
    monkeypatch.setattr(sqlite, "DRIVE_LIMIT", 0)
    version.bump()  # the same address again: not from the page cache
    assert results(client, q="zeppelin", tag="zeppelin") == expected
    assert len(results(client, q="zeppelin")) == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL storage")
def test_the_head_vector_is_kept_in_the_row():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'digests_paper'::regclass "
            "AND attname = 'search_head'"
        )
        assert cursor.fetchone() == ("m",)


# --- Each tier's boundary, on both databases and both ways of applying the filters ------


@pytest.fixture
def ladder():
    """Five published papers tagged "airship" that match "zeppelin" once in each
    tier, those that rank better added first, so that latest added first lists
    them the other way round; and two matches that must neither be listed nor
    counted: a draft, and a paper without the tag."""
    section, issue = SectionFactory(), IssueFactory()
    draft = IssueFactory(status="draft", published_at=None)

    def paper(title, tags=("airship",), **fields):
        fields = {"issue": issue, "annotation": "Plain.", **fields}
        return PaperFactory(section=section, title=title, tags=list(tags), **fields)

    paper("Zeppelin Zeppelin Zeppelin")  # title hits: three words, then one
    paper("Zeppelin Flights")
    paper("Airships", authors="Ann Zeppelin")  # an author hit
    paper("Blimps", annotation="A zeppelin, a zeppelin.")  # text only: annotation, then abstract
    paper("Dirigibles", abstract="We study a zeppelin.")
    paper("Zeppelin Secrets", issue=draft)
    paper("Zeppelin Unfiled", tags=())


LADDER_HEADS_RANKED = ["Zeppelin Zeppelin Zeppelin", "Zeppelin Flights", "Airships"]
LADDER_HEADS_LATEST = {
    "sqlite": ["Zeppelin Flights", "Zeppelin Zeppelin Zeppelin", "Airships"],  # titles first
    "postgresql": ["Airships", "Zeppelin Flights", "Zeppelin Zeppelin Zeppelin"],
}
LADDER_TEXT_RANKED = ["Blimps", "Dirigibles"]
LADDER_TEXT_LATEST = ["Dirigibles", "Blimps"]


def airship_papers(scope, start, size):
    """A ``RankedPapers`` of "zeppelin" among the published papers tagged "airship",
    the filters applied as the browser applies them, or (``scope`` "left out")
    by leaving out every other paper, as the browser does when no filter applies."""
    query = parse_query("zeppelin")
    if scope == "left out":
        kept = Paper.objects.published().filter(tags__slug="airship")
        others = Paper.objects.exclude(pk__in=kept.values("pk"))
        return engine.ranked_papers(kept, query, expected=(start, size), excluded=others)
    data = filter_data(QueryDict(urlencode({"q": "zeppelin", "tag": "airship"})))
    filterset = PaperFilter.published(data)
    assert filterset.excluded is None  # the tag is a filter: its matches are tested
    return filterset.ranked(expected=(start, size))


@pytest.mark.parametrize("scope", ["left out", "filtered", "filtered, papers scanned"])
@pytest.mark.parametrize("body", ["at the limit", "past it"])
@pytest.mark.parametrize("head", ["at the limit", "past it"])
def test_each_tier_is_ranked_up_to_its_limit_and_latest_added_first_past_it(
    ladder, monkeypatch, scope, head, body
):
    """Three head hits are ranked when HEAD_RANK_LIMIT is 3 and listed latest
    added first when it is 2; the five matches' text-only hits are ranked when
    BODY_RANK_LIMIT is 5, latest added first when it is 4. Neither the draft nor
    the paper without the tag counts towards a limit, and pages of two or
    three, each fetched on its own, list the same order."""
    monkeypatch.setattr(ranked, "HEAD_RANK_LIMIT", 3 if head == "at the limit" else 2)
    monkeypatch.setattr(ranked, "BODY_RANK_LIMIT", 5 if body == "at the limit" else 4)
    if scope == "filtered, papers scanned":
        monkeypatch.setattr(sqlite, "DRIVE_LIMIT", 0)  # SQLite's other way; PostgreSQL's one
    latest = LADDER_HEADS_LATEST[connection.vendor]
    heads = LADDER_HEADS_RANKED if head == "at the limit" else latest
    text = LADDER_TEXT_RANKED if body == "at the limit" else LADDER_TEXT_LATEST
    expected = heads + text

    papers = airship_papers(scope, 0, 20)
    assert papers.count() == 5
    assert [paper.title for paper in papers[0:5]] == expected
    for size in (2, 3):  # pages that end inside each tier and at its end
        paged = []
        for start in range(0, 5, size):
            papers = airship_papers(scope, start, size)
            assert papers.count() == 5
            paged += [paper.title for paper in papers[start : min(start + size, 5)]]
        assert paged == expected, size


@pytest.fixture
def left_out_words():
    """Matches of "zeppelin -hot or kites" in the head and in the text only, and
    papers that hold "zeppelin" in the title but "hot" elsewhere."""
    issue, draft = IssueFactory(), IssueFactory(status="draft", published_at=None)

    def paper(title, annotation, day=1, issue=issue):
        return PaperFactory(
            issue=issue, title=title, annotation=annotation, arxiv_date=date(2023, 1, day)
        )

    paper("Zeppelin", "Hot air.")  # left out by "-hot", no kites: no match at all
    paper("Zeppelin Rides", "Kites and hot air.", day=2)  # "zeppelin" in the head, a match by kites
    paper("Kites", "Plain.", day=3)
    paper("Zeppelin Tours", "Cold air.")
    paper("Gliders", "Kites.")  # text only
    paper("Zeppelin Kites", "Secret.", issue=draft)


@pytest.mark.parametrize("lean", [True, False], ids=["left out", "filtered"])
@pytest.mark.parametrize(
    ("limits", "text", "expected"),
    [
        ((1000, 1000), "zeppelin -hot", ["Zeppelin Tours"]),
        ((0, 0), "zeppelin -hot", ["Zeppelin Tours"]),
        (
            (1000, 1000),
            "zeppelin -hot or kites",
            ["Kites", "Zeppelin Rides", "Zeppelin Tours", "Gliders"],
        ),
        (
            (0, 0),
            "zeppelin -hot or kites",
            ["Zeppelin Tours", "Kites", "Zeppelin Rides", "Gliders"],
        ),
    ],
)
def test_words_left_out_keep_papers_out_of_the_head_hits(
    left_out_words, monkeypatch, lean, limits, text, expected
):
    """A head hit is a match with a group's words in the title, authors or tags
    and none of its words to leave out there: "Zeppelin" holds "hot" only in
    its annotation, so the head alone would call it a hit, yet it matches
    nothing and is never listed; "Zeppelin Rides" matches through "kites" and
    ranks with the head hits, which it is for its group of words."""
    monkeypatch.setattr(ranked, "HEAD_RANK_LIMIT", limits[0])
    monkeypatch.setattr(ranked, "BODY_RANK_LIMIT", limits[1])
    papers = engine.ranked_papers(
        Paper.objects.published(),
        parse_query(text),
        excluded=Paper.objects.unpublished() if lean else None,
    )
    assert papers.count() == len(expected)
    assert [paper.title for paper in papers[0 : len(expected)]] == expected


# --- SQL in named parts --------------------------------------------------------------------


def test_sql_parts_bring_their_values_in_the_order_the_text_reads():
    inner = sql_part("id IN (SELECT id FROM t WHERE a = %s)", "a")
    statement = sql_part("SELECT %s, {x} FROM t WHERE {y} AND b = %s", 1, 2, x=inner, y="c > 0")
    assert statement == (
        "SELECT %s, id IN (SELECT id FROM t WHERE a = %s) FROM t WHERE c > 0 AND b = %s",
        (1, "a", 2),
    )
    with pytest.raises(ValueError):
        sql_part("SELECT %s", 1, 2)
    with pytest.raises(TypeError):
        sql_part("SELECT {x}", x=["a reader's value"])
