"""Search on SQLite: FTS5 tables ranked by bm25.

Two paper indexes, kept by triggers (``schema.py``): ``digests_paper_fts``
holds every field, ``digests_paper_head_fts`` the title, authors and tags
alone (the head), whose word lists are a fraction of the long text's, so
telling and ranking head hits among thousands of matches reads little.

``SqliteEngine.ranked_page`` is one statement that makes no set of matches
twice: a WITH of the sets the tiers share, then one SELECT per tier
(``ranked.py``), joined by UNION ALL. It keeps to the papers the filters
leave in one of two ways (``lean_scope``, ``kept_scope``). A tier past a
rank limit reads the index latest added first, which FTS5 streams in its own
order, so it stops after the rows it needs; each tier asks only for what the
tiers above leave of the page, and a tier given LIMIT 0 never starts its scan.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models.expressions import RawSQL

from . import ranked
from .ranked import HEAD, OTHER_HEAD, TEXT, TOTAL, total_and_page
from .snippets import SQLITE
from .sql import cte, ids_of, join, sql, with_ctes

FTS = "digests_paper_fts"  # every field: title, authors, tags, annotation, abstract
HEAD_FTS = "digests_paper_head_fts"  # title, authors and tags
ISSUE_FTS = "digests_issue_fts"
HEAD_COLUMNS = "{title authors tags}"
TITLE_COLUMN = "{title}"
# With filters: up to this many matches, each match is tested against them;
# beyond, the papers they keep are tested for a match (``kept_by_filters``).
DRIVE_LIMIT = 2000


# --- The query as FTS5 MATCH text (a parameter, never part of the SQL) --------------


def term(words):
    """One word or a phrase as FTS5 text (words are \\w+ only: nothing to escape)."""
    return '"' + " ".join(words) + '"'


def match(query, columns=None):
    """The query as FTS5 text. With ``columns`` (``HEAD_COLUMNS``, ``TITLE_COLUMN``),
    a group matches only when its words are in those columns and its words to
    leave out are not there; words to leave out found elsewhere are left out
    by the statement's scope (``lean_scope``, ``kept_scope``)."""
    groups = []
    for group in query.groups:
        text = "(" + " AND ".join(term(words) for words in group.include) + ")"
        text += "".join(" NOT " + term(words) for words in group.exclude)
        if columns:
            text = f"({columns} : ({text}))"
        groups.append(f"({text})")
    return " OR ".join(groups)


def any_of(terms):
    """FTS5 text matching any of ``terms`` (tuples of words)."""
    return " OR ".join(term(words) for words in terms)


def but_not(wanted, unwanted):
    return f"({wanted}) NOT ({unwanted})"


# --- Parts of the statements ---------------------------------------------------------


def hits(table, text, where=None):
    """The rowids of ``table``'s rows that match FTS5 ``text`` and meet ``where``."""
    found = sql("SELECT rowid FROM {table} WHERE {table} MATCH %s", text, table=table)
    return sql("{found} AND {where}", found=found, where=where) if where else found


def count(rows):
    return sql("SELECT count(*) FROM ({rows})", rows=rows)


@dataclass
class Scope:
    """How a statement keeps to the papers the filters leave: the sets it makes
    first (``total``, the number of matches, among them) and the condition a
    rowid of the full index (``where``) or of the head index (``head_where``) meets."""

    ctes: list
    where: str
    head_where: str


def lean_scope(query, excluded):
    """When the filters leave out only ``excluded``, a few papers (the
    unpublished ones), a match need only not be one of those: next to nothing
    per match, so the count and the tiers read the index and no set of
    thousands of matches is made. Only for one group of words or no words to
    leave out (``kept_scope`` otherwise: see ``dropped``)."""
    # Usually none is out: then a match is not even looked up.
    where = "((SELECT n FROM outs) = 0 OR +rowid NOT IN excluded)"
    ctes = [
        # The papers the filters leave out.
        cte("excluded(id)", ids_of(excluded)),
        # How many: ``where`` looks a match up among them only when there are any.
        cte("outs(n)", sql("SELECT count(*) FROM excluded")),
        # The number of matches: the index's own count, less those left out.
        cte("total(n)", count(hits(FTS, match(query), where))),
    ]
    head_where = where
    if query.excluded_terms:
        # The papers holding a word to leave out, wherever: the head index sees
        # only the head, and a head hit must be a match. With "or" a paper left
        # out by one group may match another, hence one group only.
        ctes.append(cte("dropped(id)", hits(FTS, any_of(query.excluded_terms))))
        head_where += " AND +rowid NOT IN dropped"
    return Scope(ctes, where, head_where)


def kept_scope(query, queryset, excluded):
    """Any other filters, or words to leave out with "or": the matches the
    filters keep are made once (``kept``) and every part reads that set."""
    if excluded is not None:
        ctes = [
            # The papers the filters leave out.
            cte("excluded(id)", ids_of(excluded)),
            # The matches but those.
            cte("kept(id)", hits(FTS, match(query), "+rowid NOT IN excluded")),
        ]
    else:
        ctes = [
            # Every match, whatever the filters.
            cte("matched(id)", hits(FTS, match(query))),
            # Those ``queryset`` keeps.
            cte("kept(id)", kept_by_filters(queryset)),
        ]
    ctes.append(cte("total(n)", sql("SELECT count(*) FROM kept")))
    return Scope(ctes, "+rowid IN kept", "+rowid IN kept")


def kept_by_filters(queryset):
    """The ids of ``matched`` that ``queryset`` keeps, tested the cheaper way:
    up to DRIVE_LIMIT matches, each is looked up among the papers; beyond,
    the kept papers are read through their narrow index and each tested for a
    match (looking up thousands of wide paper rows costs more than scanning
    every kept paper's index entry). Both ways are in the statement; the one
    not wanted gets LIMIT 0 and never starts."""
    papers = ids_of(queryset)

    def way(probe, wanted):
        return sql(
            "SELECT * FROM (SELECT kept.pk FROM ({papers}) AS kept WHERE {probe} IN matched "
            "LIMIT CASE WHEN (SELECT count(*) FROM matched) {wanted} THEN -1 ELSE 0 END)",
            papers=papers,
            probe=probe,
            wanted=wanted,
        )

    # kept.pk: SQLite goes from each match to its paper by the primary key.
    by_match = way("kept.pk", f"<= {DRIVE_LIMIT}")
    # +kept.pk: the plus keeps SQLite off the key, so it reads the kept papers.
    by_paper = way("+kept.pk", f"> {DRIVE_LIMIT}")
    return sql("{by_match} UNION ALL {by_paper}", by_match=by_match, by_paper=by_paper)


def head_sets(query, head_where):
    """The sets of head hits the tiers share. A head hit is a match with one
    group's words in the title, authors or tags and none of its words to leave
    out there (as on PostgreSQL); ``head_where`` keeps them to the matches."""
    in_head = match(query, HEAD_COLUMNS)
    return [
        # How many head hits: few enough to rank?
        cte("heads(n)", count(hits(HEAD_FTS, in_head, head_where))),
        # How many title hits: past the limit, where the author and tag hits start.
        cte("titles(n)", count(hits(HEAD_FTS, match(query, TITLE_COLUMN), head_where))),
        # The head hits, which the ranked text-only tier leaves out (made only if it runs).
        cte("head(id)", hits(HEAD_FTS, in_head, head_where)),
    ]


BM25, NEWEST = ("rank", "rank, rowid"), ("-rowid", "rowid DESC")  # (sort key, ORDER BY)


def tier(place, table, text, where, order, rows, when):
    """One tier: (place, rowid, sort key, 0) for ``table``'s matches of ``text``
    that meet ``where``, in ``order`` (BM25: FTS5's ``rank``; NEWEST: latest
    added first); the first ``rows`` of them when ``when`` holds, else none."""
    key, order_by = order
    return sql(
        "SELECT * FROM (SELECT {place}, rowid, {key}, 0 FROM {table} "
        "WHERE {table} MATCH %s AND {where} ORDER BY {order_by} "
        "LIMIT CASE WHEN {when} THEN {rows} ELSE 0 END)",
        text,
        place=place,
        key=key,
        table=table,
        where=where,
        order_by=order_by,
        when=when,
        rows=rows,
    )


def tiers(query, scope, end):
    """The count's row, then each tier's rows among the first ``end`` matches."""
    words, in_head, in_title = match(query), match(query, HEAD_COLUMNS), match(query, TITLE_COLUMN)
    total, heads, titles = (f"(SELECT n FROM {name})" for name in ("total", "heads", "titles"))
    few_heads = f"{heads} <= {ranked.HEAD_RANK_LIMIT}"
    few_matches = f"{total} <= {ranked.BODY_RANK_LIMIT}"
    after_titles = f"max(0, {end} - {titles})"  # what title hits leave of the page
    after_heads = f"max(0, {end} - {heads})"  # what head hits leave of the page
    head_where, where = scope.head_where, scope.where
    return [
        sql("SELECT {total}, n, 0, 0 FROM total", total=TOTAL),
        # Head hits by bm25 over title, authors and tags, when few enough to rank.
        tier(
            HEAD, HEAD_FTS, in_head, head_where, BM25,
            rows=end, when=few_heads,
        ),
        # Too many to rank: title hits, latest added first...
        tier(
            HEAD, HEAD_FTS, in_title, head_where, NEWEST,
            rows=f"min({end}, {titles})", when=f"NOT {few_heads}",
        ),
        # ...then the other head hits (authors, tags), latest added first.
        tier(
            OTHER_HEAD, HEAD_FTS, but_not(in_head, in_title), head_where, NEWEST,
            rows=f"min({after_titles}, {heads} - {titles})", when=f"NOT {few_heads}",
        ),
        # Text-only hits by bm25 over every field, when the matches are few
        # enough to rank: the matches less the head hits.
        tier(
            TEXT, FTS, words, f"{where} AND +rowid NOT IN head", BM25,
            rows=after_heads, when=few_matches,
        ),
        # Too many: text-only hits latest added first, told apart by the index.
        tier(
            TEXT, FTS, but_not(words, in_head), where, NEWEST,
            rows=f"min({after_heads}, {total} - {heads})", when=f"NOT {few_matches}",
        ),
    ]  # fmt: skip


class SqliteEngine:
    language = SQLITE

    def matching(self, queryset, query):
        """``queryset`` narrowed to the papers that match ``query`` (any order)."""
        return queryset.filter(pk__in=RawSQL(*hits(FTS, match(query))))

    def matching_rows(self, query, excluded, fields):
        """``Sql`` selecting ``fields`` of every match but ``excluded``'s papers."""
        # CROSS JOIN: SQLite goes from each match to its paper, never through
        # every paper to see whether it matched.
        return sql(
            "SELECT {columns} FROM (SELECT rowid AS id FROM {fts} WHERE {fts} MATCH %s "
            "AND rowid NOT IN ({out})) AS m CROSS JOIN digests_paper p ON p.id = m.id",
            match(query),
            columns=", ".join(f"p.{name}" for name in fields),
            fts=FTS,
            out=ids_of(excluded),
        )

    def ranked_page(self, queryset, query, offset, limit, excluded=None):
        """(number of matches, ids of matches offset..offset+limit), in one statement.

        ``excluded``: the few papers ``queryset`` leaves out, when nothing else
        narrows it (``PaperFilter.excluded``), else None."""
        end = int(offset) + int(limit)
        lean = excluded is not None and (len(query.groups) == 1 or not query.excluded_terms)
        scope = lean_scope(query, excluded) if lean else kept_scope(query, queryset, excluded)
        ctes = [*scope.ctes, *head_sets(query, scope.head_where)]
        statement = with_ctes(ctes, join(" UNION ALL ", tiers(query, scope, end)))
        with connection.cursor() as cursor:
            cursor.execute(*statement)
            return total_and_page(cursor.fetchall(), offset, limit)

    def issues(self, queryset, query, limit):
        """The issues of ``queryset`` that match, newest first (of the best 100)."""
        best = sql("{hits} ORDER BY rank LIMIT 100", hits=hits(ISSUE_FTS, match(query)))
        return list(queryset.filter(pk__in=RawSQL(*best)).order_by("-published_at")[:limit])

    def similar_ids(self, queryset, words, limit):
        """Ids of ``queryset``'s papers holding most of ``words``, best first."""
        papers = sql("+rowid IN ({ids})", ids=ids_of(queryset))
        either = any_of((word,) for word in words)
        best = sql("{hits} ORDER BY rank LIMIT %s", limit, hits=hits(FTS, either, papers))
        with connection.cursor() as cursor:
            cursor.execute(*best)
            return [row[0] for row in cursor.fetchall()]
