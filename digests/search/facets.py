"""Facets for the paper browser and search: counts that narrow the results.

Each facet counts the papers of the *current* result set (filters and search
words applied) by section, tag, year and issue. Following a facet's link adds
that value to the query string, so the count beside a link is exactly the
number of results the next page shows. One query, whatever the size of the
archive.
"""

from dataclasses import dataclass, field

from django.db import connection
from taggit.models import Tag

from ..models import Issue, Section, TaggedPaper

TAG_LIMIT = 15
FACET_FIELDS = ["id", "section_id", "issue_id", "arxiv_date"]  # what a result brings
ISSUE_LIMIT = 12


@dataclass
class Option:
    label: str
    count: int
    query: str  # the query string that applies (or, when chosen, removes) this value
    chosen: bool = False


@dataclass
class Facet:
    name: str
    label: str
    options: list = field(default_factory=list)


def _query_with(request_query, page_kwarg, name, value, *, add):
    query = request_query.copy()
    query.pop(page_kwarg, None)
    values = [v for v in query.getlist(name) if v.strip()]
    if add:
        values = [*values, value] if name == "tag" else [value]
    else:
        values = [v for v in values if v != value]
    query.setlist(name, values)
    return query.urlencode()


def paper_facets(results, request_query, chosen, page_kwarg="page"):
    """Facets over ``results``: SQL and parameters selecting the FACET_FIELDS
    of every result, or None when there are none. ``chosen`` maps a facet
    name to its chosen values."""

    def facet(name, label, rows):
        result = Facet(name, label)
        picked = {str(value) for value in chosen.get(name, ())}
        for value, text, count in rows:
            value = str(value)
            is_chosen = value in picked
            result.options.append(
                Option(
                    label=str(text),
                    count=count,
                    query=_query_with(request_query, page_kwarg, name, value, add=not is_chosen),
                    chosen=is_chosen,
                )
            )
            picked.discard(value)
        for value in sorted(picked):  # chosen, but nothing left has it: still removable
            query = _query_with(request_query, page_kwarg, name, value, add=False)
            result.options.append(Option(label=value, count=0, query=query, chosen=True))
        return result

    rows = _counts(results) if results else []
    by_kind = {kind: [] for kind in ("section", "tag", "year", "issue")}
    for kind, value, label, order, count in rows:
        by_kind[kind].append((value, label, order, count))
    sections = sorted(by_kind["section"], key=lambda row: (-row[3], row[1]))
    tags = sorted(by_kind["tag"], key=lambda row: (-row[3], row[1]))
    years = sorted(by_kind["year"], key=lambda row: -int(row[0]))
    issues = sorted(by_kind["issue"], key=lambda row: row[2], reverse=True)
    return [
        facet(name, label, [(value, text, count) for value, text, _, count in options])
        for name, label, options in (
            ("section", "Section", sections),
            ("tag", "Tag", tags),
            ("year", "Year", years),
            ("issue", "Issue", issues),
        )
    ]


def _counts(results):
    """(facet, value, label, sort key, count) for every option, in one query.

    The results are found once (``results``) with what the facets group by,
    so four GROUP BYs replace four queries that each found them again."""
    sql, params = results
    if connection.vendor == "postgresql":
        year = "CAST(EXTRACT(YEAR FROM found.arxiv_date) AS INTEGER)"
    else:  # SQLite keeps dates as ISO text
        year = "CAST(substr(found.arxiv_date, 1, 4) AS INTEGER)"
    section, issue = Section._meta.db_table, Issue._meta.db_table
    tagged, tag = TaggedPaper._meta.db_table, Tag._meta.db_table
    # Grouped by id first, then named: SQLite groups thousands of rows by a
    # number far sooner than by their names (bench/README.md). CROSS JOIN keeps
    # SQLite going from each result to its tags, not through every tagging.
    statement = (
        f"WITH found(id, section_id, issue_id, arxiv_date) AS MATERIALIZED ({sql}) "
        "SELECT 'section', s.slug, s.name, '', g.n FROM (SELECT section_id, count(*) AS n "
        f"FROM found GROUP BY section_id) AS g JOIN {section} s ON s.id = g.section_id "
        "UNION ALL SELECT * FROM (SELECT 'tag', t.slug, t.name, '', g.n FROM "
        f"(SELECT tp.tag_id, count(*) AS n FROM found CROSS JOIN {tagged} tp "
        "WHERE tp.content_object_id = found.id GROUP BY tp.tag_id) AS g "
        f"JOIN {tag} t ON t.id = g.tag_id ORDER BY g.n DESC, t.name LIMIT {TAG_LIMIT}) AS tags "
        f"UNION ALL SELECT 'year', CAST(g.year AS TEXT), CAST(g.year AS TEXT), '', g.n FROM "
        f"(SELECT {year} AS year, count(*) AS n FROM found GROUP BY {year}) AS g "
        "UNION ALL SELECT * FROM (SELECT 'issue', i.slug, i.title, "
        "CAST(i.published_at AS TEXT), g.n FROM (SELECT issue_id, count(*) AS n FROM found "
        f"GROUP BY issue_id) AS g JOIN {issue} i ON i.id = g.issue_id "
        f"ORDER BY i.published_at DESC LIMIT {ISSUE_LIMIT}) AS issues"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()
