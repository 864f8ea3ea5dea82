"""Full-text search over papers and issues: one query language, two databases.

Readers type what they would type into a web search: words, ``"exact
phrases"``, ``-excluded`` words and ``or``. ``parse_query`` turns that into a
``Query`` (never an error: anything it cannot use it drops, and says so), and
the backend for the connection runs it against an index that database
triggers keep current (migration 0003):

* PostgreSQL: the weighted ``search_vector`` columns with GIN indexes,
  ranked by ``ts_rank``;
* SQLite: the FTS5 tables ``digests_paper_fts`` and ``digests_issue_fts``,
  ranked by bm25 with per-column weights.

Weights, highest first: title; authors and tags; annotation; abstract.
Snippets are marked in Python from the text the page fetched anyway
(``snippets.py``), with each database's stemmer.
"""

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, FloatField, Q, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from . import schema, snippets

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
BODY_RANK_LIMIT = 1000
# SQLite: up to this many matches, look each up; beyond, scan the kept papers.
DRIVE_LIMIT = 2000
# SQLite: rank at most this many title, author and tag hits by bm25.
HEAD_RANK_LIMIT = 1000
CONFIG = "english"
MARK_START, MARK_END = snippets.MARK_START, snippets.MARK_END

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
    """Text with markers to safe HTML with <mark> around the matches."""
    html = escape(text or "")
    html = html.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    # A snippet may cut a match in two: never leave a <mark> open.
    if html.count("<mark>") > html.count("</mark>"):
        html += "</mark>"
    return mark_safe(html)


# --- Backends -------------------------------------------------------------------


class SqliteBackend:
    HEAD = "{title authors tags}"
    language = snippets.SQLITE

    @staticmethod
    def term(words):
        """One word or a phrase as FTS5 text (words are \\w+ only: nothing to escape)."""
        return '"' + " ".join(words) + '"'

    @classmethod
    def expression(cls, query, columns=None, scoped=False):
        """FTS5 MATCH text; with ``columns``, the words must be found in those;
        ``scoped``: the words to leave out are left out of ``columns`` only."""
        term = cls.term
        groups = []
        for group in query.groups:
            sql = "(" + " AND ".join(term(words) for words in group.include) + ")"
            left_out = "".join(" NOT " + term(words) for words in group.exclude)
            if columns and scoped:
                sql = f"({columns} : ({sql}{left_out}))"
            else:
                if columns:
                    sql = f"({columns} : {sql})"
                sql += left_out
            groups.append("(" + sql + ")")
        return " OR ".join(groups)

    def matching_rows(self, query, excluded, fields):
        out, params = _ids_sql(excluded)
        columns = ", ".join(f"p.{name}" for name in fields)
        return (
            # CROSS JOIN: SQLite goes from each match to its paper, never
            # through every paper to see whether it matched.
            f"SELECT {columns} FROM (SELECT rowid AS id FROM digests_paper_fts "
            f"WHERE digests_paper_fts MATCH %s AND rowid NOT IN ({out})) AS m "
            "CROSS JOIN digests_paper p ON p.id = m.id",
            [self.expression(query), *params],
        )

    def matching(self, queryset, query):
        return queryset.filter(
            pk__in=RawSQL(
                "SELECT rowid FROM digests_paper_fts WHERE digests_paper_fts MATCH %s",
                [self.expression(query)],
            )
        )

    def ranked(self, queryset, query, offset, limit, excluded=None):
        """(total, ids of matches offset..offset+limit): see ``RankedPapers``.

        One statement, which makes no set of matches twice. The filters are
        applied in one of two ways. When the caller knows the few papers they
        leave out (``excluded``: the unpublished ones), a match need only not
        be one of those, which costs next to nothing per match and lets
        counts and tiers read the index without making a set of thousands of
        matches. Otherwise, or when words to leave out come with "or", the
        matches the filters keep are made once (``kept``): by testing the
        filters on each match when there are at most DRIVE_LIMIT, else on the
        kept papers' narrow index (looking up 8,000 wide paper rows costs
        more than scanning 25,000 index entries).

        Tiers, best first: head hits (the words in the title, authors or
        tags) ranked by bm25 over those columns, from the small head index;
        beyond HEAD_RANK_LIMIT of them, title hits then the other head hits;
        then text-only hits, ranked by bm25 up to BODY_RANK_LIMIT matches.
        Tiers past a limit come latest added first, which FTS5 streams in
        its own order, so a tier stops after the rows it needs (ranking
        thousands of near-equal matches costs milliseconds and tells the
        reader little). Each tier fetches only what the tiers above leave of
        the page, and a tier given LIMIT 0 never starts its scan."""
        end = int(offset) + int(limit)
        words = self.expression(query)
        # Words to leave out of one group of words (no "or") are left out of
        # head hits by a set of the papers holding them; with "or" the
        # matches are found first (``kept``).
        dropped = [words for group in query.groups for words in group.exclude]
        lean = excluded is not None and (len(query.groups) == 1 or not dropped)
        full = "SELECT rowid FROM digests_paper_fts WHERE digests_paper_fts MATCH %s"
        ctes, args = [], []
        if excluded is not None:
            out, params = _ids_sql(excluded)
            ctes += [
                f"excluded(id) AS MATERIALIZED ({out})",
                "outs(n) AS MATERIALIZED (SELECT count(*) FROM excluded)",
            ]
            args += params
        if lean:  # usually none is out: then a match is not even looked up
            scope = head_scope = "((SELECT n FROM outs) = 0 OR +rowid NOT IN excluded)"
            ctes.append(f"total(n) AS MATERIALIZED (SELECT count(*) FROM ({full} AND {scope}))")
            args.append(words)
            if dropped:
                head_scope += " AND +rowid NOT IN dropped"
                ctes.append(f"dropped(id) AS MATERIALIZED ({full})")
                args.append(" OR ".join(self.term(words) for words in dropped))
        else:
            scope = head_scope = "+rowid IN kept"
            if excluded is not None:
                ctes.append(f"kept(id) AS MATERIALIZED ({full} AND +rowid NOT IN excluded)")
                args.append(words)
            else:
                inner, params = _ids_sql(queryset)

                def keep(probe, condition):
                    return (
                        f"SELECT * FROM (SELECT kept.pk FROM ({inner}) AS kept "
                        f"WHERE {probe} IN matched LIMIT CASE WHEN "
                        f"(SELECT count(*) FROM matched) {condition} THEN -1 ELSE 0 END)"
                    )

                ctes += [
                    f"matched(id) AS MATERIALIZED ({full})",
                    f"kept(id) AS MATERIALIZED ({keep('kept.pk', f'<= {DRIVE_LIMIT}')} "
                    f"UNION ALL {keep('+kept.pk', f'> {DRIVE_LIMIT}')})",
                ]
                args += [words, *params, *params]
            ctes.append("total(n) AS MATERIALIZED (SELECT count(*) FROM kept)")
        # A head hit: one group's words in the title, authors or tags and none
        # of its words to leave out there, among the matches (as on PostgreSQL).
        # The head index tells and counts them; a word to leave out that sits
        # in the long text is left out by ``kept`` or ``dropped``. The set of
        # head hits is made only for ranking the text-only hits without them.
        in_head = self.expression(query, columns=self.HEAD, scoped=True)
        in_title = self.expression(query, columns="{title}", scoped=True)
        short = "SELECT rowid FROM digests_paper_head_fts WHERE digests_paper_head_fts MATCH %s"
        ctes += [
            f"heads(n) AS MATERIALIZED (SELECT count(*) FROM ({short} AND {head_scope}))",
            f"titles(n) AS MATERIALIZED (SELECT count(*) FROM ({short} AND {head_scope}))",
            f"head(id) AS MATERIALIZED ({short} AND {head_scope})",
        ]
        args += [in_head, in_title, in_head]
        total, heads, titles = (f"(SELECT n FROM {name})" for name in ("total", "heads", "titles"))

        def tier(number, table, where, ranked, when, rows):
            key, order = ("rank", "rank, rowid") if ranked else ("-rowid", "rowid DESC")
            return (
                f"SELECT * FROM (SELECT {number}, rowid, {key}, 0 FROM {table} "
                f"WHERE {table} MATCH %s AND {where} ORDER BY {order} "
                f"LIMIT CASE WHEN {when} THEN {rows} ELSE 0 END)"
            )

        fts, head_fts = "digests_paper_fts", "digests_paper_head_fts"
        few_heads, few_matches = f"{heads} <= {HEAD_RANK_LIMIT}", f"{total} <= {BODY_RANK_LIMIT}"
        after_titles, after_heads = f"max(0, {end} - {titles})", f"max(0, {end} - {heads})"
        tiers = [
            "SELECT -1, n, 0, 0 FROM total",
            tier(0, head_fts, head_scope, True, few_heads, end),
            tier(0, head_fts, head_scope, False, f"NOT {few_heads}", f"min({end}, {titles})"),
            tier(
                1,
                head_fts,
                head_scope,
                False,
                f"NOT {few_heads}",
                f"min({after_titles}, {heads} - {titles})",
            ),
            tier(2, fts, f"{scope} AND +rowid NOT IN head", True, few_matches, after_heads),
            tier(
                2, fts, scope, False, f"NOT {few_matches}", f"min({after_heads}, {total} - {heads})"
            ),
        ]
        args += [
            in_head,
            in_title,
            f"({in_head}) NOT ({in_title})",
            words,
            f"({words}) NOT ({in_head})",
        ]
        sql = "WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(tiers)
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            return _total_and_page(cursor.fetchall(), offset, limit)

    def issues(self, queryset, query, limit):
        ids = RawSQL(
            "SELECT rowid FROM digests_issue_fts WHERE digests_issue_fts MATCH %s "
            "ORDER BY rank LIMIT 100",
            [self.expression(query)],
        )
        return list(queryset.filter(pk__in=ids).order_by("-published_at")[:limit])

    def similar_ids(self, queryset, words, limit):
        expression = " OR ".join(self.term([word]) for word in words)
        inner, params = _ids_sql(queryset)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM digests_paper_fts WHERE digests_paper_fts MATCH %s "
                f"AND +rowid IN ({inner}) ORDER BY rank LIMIT %s",
                [expression, *params, limit],
            )
            return [row[0] for row in cursor.fetchall()]


class PostgresBackend:
    language = snippets.POSTGRES

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

    def matching_rows(self, query, excluded, fields):
        matches = excluded.model.objects.filter(search_vector=self.expression(query)).order_by()
        matches = matches.exclude(pk__in=excluded.order_by().values("pk"))
        return matches.values_list(*fields).query.sql_with_params()

    def ranked(self, queryset, query, offset, limit, excluded=None):
        """(total, ids of matches offset..offset+limit): see ``RankedPapers``.

        One statement: the matching papers the filters keep are found once
        (the GIN index of the long vector, which the index answers without
        reading a vector) and shared by the count and the tiers. Title,
        author and tag hits are told and ranked by the small head vector,
        which sits in the row (migration 0010), and beyond HEAD_RANK_LIMIT
        of them listed latest added first; text-only hits are ranked by
        the long vector while there are at most BODY_RANK_LIMIT matches, else
        listed latest added first (as on SQLite), because ranking thousands
        of near-equal text matches reads every long vector and tells the
        reader little. ``excluded`` is for SQLite; the GIN index's bitmap
        joins the filters here at no cost per match."""
        expression = self.expression(query)
        end = offset + limit
        if excluded is not None:
            return self._ranked_lean(query, expression, offset, limit, excluded)
        # A head hit has a score; the rest NULL (one test of the head vector each).
        matches = (
            queryset.filter(search_vector=expression)
            .order_by()
            .annotate(
                head_score=Case(
                    When(Q(search_head=expression), then=SearchRank(F("search_head"), expression)),
                    output_field=FloatField(),
                ),
                newest=F("arxiv_date"),
            )
            .values_list("pk", "head_score", "newest")
        )
        inner, params = matches.query.sql_with_params()
        compiler = matches.query.get_compiler(connection=connection)
        tsquery, tsquery_params = compiler.compile(expression.resolve_expression(matches.query))
        # Sort keys, smallest first: minus the rank, minus the days since 1970.
        days = "(DATE '1970-01-01' - m.newest)"
        sql = (
            f"WITH m(id, score, newest) AS MATERIALIZED ({inner}), "
            "total(n) AS (SELECT count(*) FROM m), "
            "heads(n) AS (SELECT count(*) FROM m WHERE m.score IS NOT NULL) "
            "SELECT -1, n, 0::float8, 0 FROM total "
            f"UNION ALL (SELECT 0, m.id, -m.score, {days} FROM m WHERE m.score IS NOT NULL "
            "ORDER BY m.score DESC, m.newest DESC, m.id "
            "LIMIT CASE WHEN (SELECT n FROM heads) <= %s THEN %s ELSE 0 END) "
            "UNION ALL (SELECT 0, m.id, 0, -m.id FROM m WHERE m.score IS NOT NULL "
            "ORDER BY m.id DESC LIMIT CASE WHEN (SELECT n FROM heads) > %s THEN %s ELSE 0 END) "
            f"UNION ALL (SELECT 1, m.id, -ts_rank(paper.search_vector, {tsquery}), {days} "
            "FROM m JOIN digests_paper AS paper ON paper.id = m.id, total "
            "WHERE m.score IS NULL AND total.n <= %s ORDER BY 3, 4, m.id LIMIT %s) "
            "UNION ALL (SELECT 1, m.id, 0, -m.id FROM m, total "
            "WHERE m.score IS NULL AND total.n > %s ORDER BY m.id DESC LIMIT %s)"
        )
        args = [*params, HEAD_RANK_LIMIT, end, HEAD_RANK_LIMIT, end]
        args += [*tsquery_params, BODY_RANK_LIMIT, end, BODY_RANK_LIMIT, end]
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            return _total_and_page(cursor.fetchall(), offset, limit)

    def _ranked_lean(self, query, expression, offset, limit, excluded):
        """``ranked`` when no filter but the few ``excluded`` papers applies:
        the count is the long vector's index bitmap less those, the head hits
        come from the head vector's own index, and the text-only tier reads
        only the rows it shows, so no set of thousands of matches is made.
        Beyond HEAD_RANK_LIMIT head hits (ts_rank costs about 1 µs each),
        those come latest added first too."""
        end = offset + limit
        out, out_params = _ids_sql(excluded)
        probe = excluded.model.objects.all()
        tsquery, tsq = probe.query.get_compiler(connection=connection).compile(
            expression.resolve_expression(probe.query)
        )
        # Words to leave out may sit in the long text only: then a head hit
        # must match the long vector too.
        full_too = any(group.exclude for group in query.groups)
        head_where = f"p.search_head @@ {tsquery}" + (
            f" AND p.search_vector @@ {tsquery}" if full_too else ""
        )
        args = [*out_params]
        head_args = [*tsq, *(tsq if full_too else [])]
        # IS NOT TRUE: a paper whose head vector is missing is a text-only hit.
        body = f"p.search_vector @@ {tsquery} AND (p.search_head @@ {tsquery}) IS NOT TRUE"
        kept = "p.id NOT IN (SELECT id FROM excluded)"
        after_heads = "greatest(0, %s - (SELECT n FROM heads))"
        sql = (
            f"WITH excluded(id) AS MATERIALIZED ({out}), "
            "total(n) AS MATERIALIZED (SELECT count(*) FROM digests_paper p "
            f"WHERE p.search_vector @@ {tsquery} AND {kept}), "
            # Counted only as far as the choices below need.
            "heads(n) AS MATERIALIZED (SELECT count(*) FROM (SELECT 1 FROM digests_paper p "
            f"WHERE {head_where} AND {kept} LIMIT %s) AS capped) "
            "SELECT -1, n, 0::float8, 0 FROM total "
            f"UNION ALL (SELECT 0, p.id, -ts_rank(p.search_head, {tsquery}), "
            "(DATE '1970-01-01' - p.arxiv_date) FROM digests_paper p "
            f"WHERE {head_where} AND {kept} ORDER BY 3, 4, p.id "
            "LIMIT CASE WHEN (SELECT n FROM heads) <= %s THEN %s ELSE 0 END) "
            "UNION ALL (SELECT 0, p.id, 0, -p.id FROM digests_paper p "
            f"WHERE {head_where} AND {kept} ORDER BY p.id DESC "
            "LIMIT CASE WHEN (SELECT n FROM heads) > %s THEN %s ELSE 0 END) "
            f"UNION ALL (SELECT 1, p.id, -ts_rank(p.search_vector, {tsquery}), "
            "(DATE '1970-01-01' - p.arxiv_date) FROM digests_paper p "
            f"WHERE {body} AND {kept} ORDER BY 3, 4, p.id "
            f"LIMIT CASE WHEN (SELECT n FROM total) <= %s THEN {after_heads} ELSE 0 END) "
            f"UNION ALL (SELECT 1, p.id, 0, -p.id FROM digests_paper p WHERE {body} AND {kept} "
            f"ORDER BY p.id DESC LIMIT CASE WHEN (SELECT n FROM total) > %s THEN {after_heads} "
            "ELSE 0 END)"
        )
        # A tier given LIMIT 0 is never started; the text-only tiers are asked only
        # for what the head hits leave of the page.
        args += [*tsq, *head_args, max(HEAD_RANK_LIMIT, end) + 1]
        args += [*tsq, *head_args, HEAD_RANK_LIMIT, end, *head_args, HEAD_RANK_LIMIT, end]
        args += [*tsq, *tsq, *tsq, BODY_RANK_LIMIT, end]
        args += [*tsq, *tsq, BODY_RANK_LIMIT, end]
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            return _total_and_page(cursor.fetchall(), offset, limit)

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


def _ids_sql(queryset):
    """SQL and parameters selecting the ids of ``queryset``'s papers."""
    return queryset.order_by().values("pk").query.sql_with_params()


def _total_and_page(rows, offset, limit):
    """A backend's rows (tier, id, sort key, tie-break key), tier -1 holding
    the total, to the total and the ids of the page, best first."""
    total = next(pk for tier, pk, _, _ in rows if tier == -1)
    ranked = sorted((row for row in rows if row[0] != -1), key=lambda r: (r[0], r[2], r[3], r[1]))
    return total, [row[1] for row in ranked[offset : offset + limit]]


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


def matching_rows(query, excluded, fields):
    """SQL and parameters selecting ``fields`` (column names) of every paper
    that matches ``query`` but those of ``excluded`` (a few papers), with no
    filter tested on each match."""
    return backend().matching_rows(query, excluded, fields)


class RankedPapers:
    """The papers of ``queryset`` (filters applied, not yet the words) that
    match ``query``, best match first, as a sequence a Paginator can page
    through. The count and the ids of one page come from one query (the
    backend's ``ranked``), for the page ``expected`` says the view will ask
    for, which saves finding the matches twice; any other slice costs one
    more. The page's papers are fetched with their issue, section and tags,
    and their titles and snippets marked in Python: three queries in all."""

    def __init__(self, queryset, query, expected=(0, 20), excluded=None):
        self.queryset = queryset
        self.query = query
        self.excluded = excluded
        self.backend = backend()
        self.expected = expected  # (offset, limit) of the page the view will show
        self.total = None
        self.fetched = None  # (offset, ids) of the ids fetched last

    def _fetch(self, offset, limit):
        self.total, ids = self.backend.ranked(
            self.queryset, self.query, offset, limit, excluded=self.excluded
        )
        self.fetched = offset, ids
        return ids

    def _ids(self, start, stop):
        # The paginator cuts the last page at the total: [0:7], not [0:20].
        if self.fetched:
            offset, ids = self.fetched
            if offset <= start and min(stop, self.total) <= offset + len(ids):
                return ids[start - offset : stop - offset]
        return self._fetch(start, stop - start)

    def count(self):
        if self.total is None:
            self._fetch(*self.expected)
        return self.total

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("RankedPapers is paged with slices.")
        start, stop = index.start or 0, index.stop
        if stop <= start or self.total == 0:
            return []
        ids = self._ids(start, stop)
        # The ids are matches the filters kept: they need not be tested again.
        fetched = self.queryset.model.objects.using(self.queryset.db).filter(pk__in=ids)
        fetched = fetched.for_cards()
        papers = {paper.pk: paper for paper in fetched}
        ordered = [papers[pk] for pk in ids if pk in papers]
        return annotate_matches(ordered, self.query, self.backend)


def annotate_matches(papers, query, search_backend=None):
    """Give each paper ``title_html`` and ``snippet_html`` with the matches
    marked: the annotation's snippet, unless only the abstract holds a match."""
    if not query:
        return papers
    marker = snippets.Highlighter(query, (search_backend or backend()).language)
    for paper in papers:
        title = marker.title(paper.title)
        snippet = marker.snippet(paper.annotation_text)
        if MARK_START not in snippet:
            abstract = marker.snippet(paper.abstract)
            if MARK_START in abstract or not snippet:
                snippet = abstract
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
    schema.rebuild(connection)
