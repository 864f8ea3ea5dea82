"""Full-text search over papers and issues: one query language, two databases.

Readers type what they would type into a web search: words, ``"exact
phrases"``, ``-excluded`` words and ``or``. ``parse_query`` turns that into a
``Query`` (never an error: anything it cannot use it drops, and says so), and
the backend for the connection runs it against an index that database
triggers keep current (migration 0003):

* PostgreSQL: the weighted ``search_vector`` columns with GIN indexes,
  ranked by ``ts_rank``, snippets from ``ts_headline``;
* SQLite: the FTS5 tables ``digests_paper_fts`` and ``digests_issue_fts``,
  ranked by bm25 with per-column weights, snippets from ``snippet()``.

Weights, highest first: title; authors and tags; annotation; abstract.
"""

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import DateField, F, Value
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import mark_safe

from . import search_schema

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
BODY_RANK_LIMIT = 1000
CONFIG = "english"
# Markers the databases put around matched words; the text is escaped first and
# the markers become <mark> afterwards, so no HTML from a paper reaches a page.
MARK_START, MARK_END = "\x02", "\x03"

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Group:
    """Terms that must all match, minus the excluded ones. A term is a tuple of
    words: one word, or a phrase whose words must follow each other."""

    include: tuple = ()
    exclude: tuple = ()


@dataclass
class Query:
    text: str = ""
    groups: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.groups)

    @property
    def words(self):
        return [word for group in self.groups for term in group.include for word in term]


def parse_query(text):
    """Web-search syntax to a ``Query``; odd input is dropped with a note, never an error."""
    text = " ".join(str(text or "").replace("\x00", " ").split())
    query = Query(text=text)
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH]
        query.notes.append(f"Only the first {MAX_QUERY_LENGTH} characters were searched for.")

    groups, include, exclude = [], [], []
    count = 0
    for match in _TOKEN.finditer(text):
        negated, phrase, bare = match.groups()
        if bare is not None and bare.lower() == "or":
            if include or exclude:
                groups.append((include, exclude))
            include, exclude = [], []
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        words = tuple(word.lower() for word in _WORD.findall(phrase if bare is None else bare))
        if not words:
            continue
        if count == MAX_TERMS:
            query.notes.append(f"Only the first {MAX_TERMS} words or phrases were used.")
            break
        count += 1
        (exclude if negated else include).append(words)
    if include or exclude:
        groups.append((include, exclude))

    for include, exclude in groups:
        if include:
            query.groups.append(Group(tuple(include), tuple(exclude)))
        else:
            query.notes.append(
                "A minus sign leaves words out of the results; add a word to search for too."
            )
    if not query.groups and text and not query.notes:
        query.notes.append("Type a word to search for: letters or digits, not only symbols.")
    return query


def highlighted(text):
    """Database output with markers to safe HTML with <mark> around the matches."""
    html = escape(text or "")
    html = html.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    # A snippet may cut a match in two: never leave a <mark> open.
    if html.count("<mark>") > html.count("</mark>"):
        html += "</mark>"
    return mark_safe(html)


# --- Backends -------------------------------------------------------------------


class SqliteBackend:
    HEAD = "{title authors tags}"

    @staticmethod
    def expression(query, columns=None):
        """FTS5 MATCH text; with ``columns``, the words must be found in those."""

        def term(words):
            return '"' + " ".join(words) + '"'  # words are \w+ only: nothing to escape

        groups = []
        for group in query.groups:
            sql = "(" + " AND ".join(term(words) for words in group.include) + ")"
            if columns:
                sql = f"({columns} : {sql})"
            for words in group.exclude:
                sql += " NOT " + term(words)
            groups.append("(" + sql + ")")
        return " OR ".join(groups)

    def matching(self, queryset, query):
        return queryset.filter(
            pk__in=RawSQL(
                "SELECT rowid FROM digests_paper_fts WHERE digests_paper_fts MATCH %s",
                [self.expression(query)],
            )
        )

    def ranked_ids(self, queryset, query, offset, limit, total):
        """The same order as PostgresBackend.ranked_ids, in one query: title,
        author and tag hits ranked by bm25, then text-only hits, ranked while
        there are at most BODY_RANK_LIMIT matches and newest first beyond."""
        inner, params = queryset.order_by().values("pk").query.sql_with_params()
        end = offset + limit
        head = self.expression(query, columns=self.HEAD)
        body = f"({self.expression(query)}) NOT ({head})"
        ranked = total <= BODY_RANK_LIMIT
        # CROSS JOIN keeps the matches as the outer loop: the planner would
        # otherwise run the whole MATCH once for every paper the filters keep.
        matches = (
            f"FROM digests_paper_fts CROSS JOIN ({inner}) AS kept "
            "ON kept.pk = digests_paper_fts.rowid "
            "JOIN digests_paper AS paper ON paper.id = digests_paper_fts.rowid "
            "WHERE digests_paper_fts MATCH %s"
        )
        body_order = (
            "rank, digests_paper_fts.rowid" if ranked else "paper.arxiv_date DESC, paper.id"
        )
        sql = (
            "SELECT id FROM ("
            f"SELECT * FROM (SELECT digests_paper_fts.rowid AS id, 0 AS tier, rank AS score, "
            f"0 AS newest {matches} ORDER BY rank, digests_paper_fts.rowid LIMIT %s) "
            "UNION ALL "
            f"SELECT * FROM (SELECT digests_paper_fts.rowid, 1, {'rank' if ranked else '0'}, "
            f"paper.arxiv_date {matches} ORDER BY {body_order} LIMIT %s)"
            ") ORDER BY tier, score, newest DESC, id LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, head, end, *params, body, end, limit, offset])
            return [row[0] for row in cursor.fetchall()]

    def highlights(self, ids, query):
        if not ids:
            return {}
        marks = f"'{MARK_START}', '{MARK_END}'"
        sql = (
            f"SELECT rowid, highlight(digests_paper_fts, 0, {marks}), "
            f"snippet(digests_paper_fts, 3, {marks}, '…', 32), "
            f"snippet(digests_paper_fts, 4, {marks}, '…', 32) "
            "FROM digests_paper_fts WHERE digests_paper_fts MATCH %s "
            f"AND rowid IN ({', '.join(['%s'] * len(ids))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.expression(query), *ids])
            return {
                pk: (title, _best(annotation, abstract))
                for pk, title, annotation, abstract in cursor.fetchall()
            }

    def issues(self, queryset, query, limit):
        ids = RawSQL(
            "SELECT rowid FROM digests_issue_fts WHERE digests_issue_fts MATCH %s "
            "ORDER BY rank LIMIT 100",
            [self.expression(query)],
        )
        return list(queryset.filter(pk__in=ids).order_by("-published_at")[:limit])

    def similar_ids(self, queryset, words, limit):
        expression = " OR ".join(f'"{word}"' for word in words)
        inner, params = queryset.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM digests_paper_fts WHERE digests_paper_fts MATCH %s "
                f"AND +rowid IN ({inner}) ORDER BY rank LIMIT %s",
                [expression, *params, limit],
            )
            return [row[0] for row in cursor.fetchall()]


class PostgresBackend:
    @staticmethod
    def expression(query):
        def term(words):
            search_type = "phrase" if len(words) > 1 else "plain"
            return SearchQuery(" ".join(words), search_type=search_type, config=CONFIG)

        combined = None
        for group in query.groups:
            part = None
            for words in group.include:
                part = term(words) if part is None else part & term(words)
            for words in group.exclude:
                part &= ~term(words)
            combined = part if combined is None else combined | part
        return combined

    def matching(self, queryset, query):
        return queryset.filter(search_vector=self.expression(query))

    def ranked_ids(self, queryset, query, offset, limit, total):
        """Title, author and tag hits first, ranked; then the papers that match
        only in their annotation or abstract, ranked too, unless the query
        matches more than BODY_RANK_LIMIT papers: then those come newest first,
        because ranking thousands of near-equal text matches reads every long
        vector and tells the reader little. One query (a UNION)."""
        expression = self.expression(query)
        end = offset + limit

        def tier(papers, number, ranked):
            # Head hits rank by the small head vector, which sits in the row;
            # the full vectors live out of line and are read only when needed.
            vector = F("search_head" if number == 0 else "search_vector")
            score = SearchRank(vector, expression) if ranked else Value(0.0)
            # "+ 0" keeps the planner off the date index: walking it backwards
            # and testing every paper's long vector is slower than sorting.
            newest = RawSQL('"digests_paper"."arxiv_date" + 0', (), output_field=DateField())
            return (
                papers.annotate(tier=Value(number), score=score, newest=newest)
                .order_by("-score", "-newest", "pk")
                .values_list("pk", "tier", "score", "newest")[:end]
            )

        # ``queryset`` is not narrowed by the words yet: a head hit needs no
        # look at the long vector at all.
        head = tier(queryset.filter(search_head=expression), 0, ranked=True)
        body = queryset.filter(search_vector=expression).exclude(search_head=expression)
        body = tier(body, 1, ranked=total <= BODY_RANK_LIMIT)
        rows = head.union(body, all=True).order_by("tier", "-score", "-newest", "pk")
        return [row[0] for row in rows[offset:end]]

    def highlights(self, ids, query):
        from .models import Paper

        if not ids:
            return {}
        expression = self.expression(query)
        options = {"config": CONFIG, "start_sel": MARK_START, "stop_sel": MARK_END}
        rows = (
            Paper.objects.filter(pk__in=ids)
            .annotate(
                title_marked=SearchHeadline("title", expression, highlight_all=True, **options),
                annotation_marked=SearchHeadline(
                    "annotation_text", expression, max_words=40, min_words=20, **options
                ),
                abstract_marked=SearchHeadline(
                    "abstract", expression, max_words=40, min_words=20, **options
                ),
            )
            .values_list("pk", "title_marked", "annotation_marked", "abstract_marked")
        )
        return {pk: (title, _best(note, abstract)) for pk, title, note, abstract in rows}

    def issues(self, queryset, query, limit):
        expression = self.expression(query)
        return list(
            queryset.filter(search_vector=expression)
            .annotate(rank=SearchRank(F("search_vector"), expression))
            .order_by("-rank", "-published_at")[:limit]
        )

    def similar_ids(self, queryset, words, limit):
        expression = None
        for word in words:
            term = SearchQuery(word, config=CONFIG)
            expression = term if expression is None else expression | term
        return list(
            queryset.filter(search_vector=expression)
            .annotate(rank=SearchRank(F("search_vector"), expression))
            .order_by("-rank", "pk")
            .values_list("pk", flat=True)[:limit]
        )


def _best(annotation, abstract):
    """The annotation's snippet, unless only the abstract holds a match."""
    if annotation and MARK_START not in annotation and abstract and MARK_START in abstract:
        return abstract
    return annotation or abstract or ""


def backend():
    vendor = connection.vendor
    if vendor == "postgresql":
        return PostgresBackend()
    if vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"Search needs SQLite or PostgreSQL, not {vendor}.")


# --- What views use ------------------------------------------------------------------


def matching(queryset, query):
    """``queryset`` narrowed to the papers that match ``query`` (any order)."""
    return backend().matching(queryset, query)


class RankedPapers:
    """The papers of ``queryset`` (filters applied, not yet the words) that
    match ``query``, best match first, as a sequence a Paginator can page
    through: it counts with one query and fetches one page (with highlighted
    titles and snippets) with four."""

    def __init__(self, queryset, query):
        self.queryset = queryset
        self.query = query
        self.backend = backend()

    @cached_property
    def total(self):
        return self.backend.matching(self.queryset, self.query).count()

    def count(self):
        return self.total

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("RankedPapers is paged with slices.")
        start, stop = index.start or 0, index.stop
        if stop <= start or not self.total:
            return []
        ids = self.backend.ranked_ids(self.queryset, self.query, start, stop - start, self.total)
        papers = {paper.pk: paper for paper in self.queryset.filter(pk__in=ids).for_listing()}
        ordered = [papers[pk] for pk in ids if pk in papers]
        return annotate_matches(ordered, self.query, self.backend)


def annotate_matches(papers, query, search_backend=None):
    """Give each paper ``title_html`` and ``snippet_html`` with the matches marked."""
    if not query:
        return papers
    marked = (search_backend or backend()).highlights([paper.pk for paper in papers], query)
    for paper in papers:
        title, snippet = marked.get(paper.pk, (None, None))
        paper.title_html = highlighted(title) if title else escape(paper.title)
        paper.snippet_html = highlighted(snippet) if snippet else ""
    return papers


def issues_matching(queryset, query, limit=3):
    return backend().issues(queryset, query, limit) if query else []


_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "via",
        "we",
        "what",
        "when",
        "which",
        "with",
        "without",
        "using",
        "towards",
        "toward",
        "new",
        "large",
        "model",
        "models",
    ]
)


def similar_paper_ids(queryset, paper, limit):
    """Papers of ``queryset`` whose text is closest to ``paper``'s title, best first."""
    words = []
    for word in _WORD.findall(paper.title.lower()):
        if len(word) > 2 and word not in _STOPWORDS and word not in words:
            words.append(word)
    if not words:
        return []
    return backend().similar_ids(queryset, words[:MAX_TERMS], limit)


def rebuild_index():
    search_schema.rebuild(connection)
