"""Full-text search: the engine for the database in use, and what pages ask of it.

The reader's words are parsed into a ``Query`` (``query.py``), and the
engine for the connection runs it against an index that database triggers
keep current (``schema.py``):

* SQLite (``sqlite.py``): the FTS5 tables, ranked by bm25 with per-column weights;
* PostgreSQL (``postgres.py``): the weighted tsvector columns with GIN
  indexes, ranked by ``ts_rank``.

Weights, highest first: title; authors and tags; annotation; abstract.
Matches come in tiers, counted and paged in one statement (``ranked.py``).
Snippets are marked in Python from the text the page fetched anyway, with
each database's stemmer (``snippets.py``).
"""

from django.db import connection

from . import schema, snippets
from .postgres import PostgresEngine
from .ranked import RankedPapers
from .sqlite import SqliteEngine

ENGINES = {"sqlite": SqliteEngine, "postgresql": PostgresEngine}


def current():
    """The engine for the database Django is connected to."""
    engine = ENGINES.get(connection.vendor)
    if engine is None:
        raise NotImplementedError(f"Search needs SQLite or PostgreSQL, not {connection.vendor}.")
    return engine()


def matching(queryset, query):
    """``queryset`` narrowed to the papers that match ``query`` (any order)."""
    return current().matching(queryset, query)


def matching_rows(query, excluded, fields):
    """SQL and parameters selecting ``fields`` (column names) of every paper
    that matches ``query`` but those of ``excluded`` (a few papers), with no
    filter tested on each match."""
    return current().matching_rows(query, excluded, fields)


def ranked_papers(queryset, query, expected=(0, 20), excluded=None):
    """The papers of ``queryset`` that match ``query``, best first, to page
    through (``RankedPapers``)."""
    return RankedPapers(current(), queryset, query, expected=expected, excluded=excluded)


def annotate_matches(papers, query):
    """``papers`` with their titles and snippets marked (``snippets.annotate_matches``)."""
    return snippets.annotate_matches(papers, query, current().language)


def issues_matching(queryset, query, limit=3):
    return current().issues(queryset, query, limit) if query else []


def similar_ids(queryset, words, limit):
    """Ids of ``queryset``'s papers whose text holds most of ``words``, best first."""
    return current().similar_ids(queryset, words, limit)


def rebuild_index():
    schema.rebuild(connection)
