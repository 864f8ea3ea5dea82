"""Search on PostgreSQL: weighted tsvector columns with GIN indexes, ranked by ts_rank.

Each paper row holds two vectors, kept by triggers (``schema.py``):
``search_vector``, every field (weights A title, B authors and tags, C
annotation, D abstract), out of line with the long text; and ``search_head``,
the title, authors and tags alone, kept in the row (migration 0010), so
telling and ranking head hits among thousands of matches reads no long vector.

``PostgresEngine.ranked_page`` is one statement: a WITH of the sets the tiers
share, then one SELECT per tier (``ranked.py``), joined by UNION ALL. Each
tier past a limit gets LIMIT 0, which PostgreSQL never starts.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, FloatField, Q, When

from . import ranked
from .ranked import HEAD, TEXT, TOTAL, total_and_page
from .snippets import POSTGRES
from .sql import Sql, cte, ids_of, join, sql, with_ctes

CONFIG = "english"
# Sort key of the newest first: minus the days since 1970 of a date column.
DAYS_BEFORE = "(DATE '1970-01-01' - {date})"


# --- The query as a tsquery: for the ORM, and as SQL for the statements below --------


def search_query(words):
    search_type = "phrase" if len(words) > 1 else "plain"
    return SearchQuery(" ".join(words), search_type=search_type, config=CONFIG)


def expression(query):
    """The query as Django's ``SearchQuery``, for ORM filters and ranks."""
    combined = None
    for group in query.groups:
        part = None
        for words in group.include:
            part = search_query(words) if part is None else part & search_query(words)
        for words in group.exclude:
            part &= ~search_query(words)
        combined = part if combined is None else combined | part
    return combined


def term(words):
    """One word, or a phrase, as a tsquery in SQL."""
    function = "phraseto_tsquery" if len(words) > 1 else "plainto_tsquery"
    return sql("{function}(%s::regconfig, %s)", CONFIG, " ".join(words), function=function)


def tsquery(query):
    """``expression(query)`` as SQL, for the statements Django cannot write: the
    functions and operators it writes for it (documented by PostgreSQL), so
    both find the same papers."""

    combined = None
    for group in query.groups:
        part = None
        for words in group.include:
            part = term(words) if part is None else sql("({a} && {b})", a=part, b=term(words))
        for words in group.exclude:
            part = sql("({a} && !!({b}))", a=part, b=term(words))
        combined = part if combined is None else sql("({a} || {b})", a=combined, b=part)
    return combined


# --- Parts both statements use --------------------------------------------------------


def at_most(count, most):
    """Conditions that the set ``count(n)`` holds at most ``most``, and more."""
    few = sql("(SELECT n FROM {count}) <= %s", most, count=count)
    many = sql("(SELECT n FROM {count}) > %s", most, count=count)
    return few, many


def rows_if(rows, wanted):
    """A tier's LIMIT: ``rows`` when ``wanted`` holds, else 0, which never starts it."""
    rows = rows if isinstance(rows, Sql) else sql("%s", rows)
    return sql("CASE WHEN {wanted} THEN {rows} ELSE 0 END", wanted=wanted, rows=rows)


# --- With filters: the matches they keep, made once ------------------------------------


def kept_matches(queryset, query):
    """``Sql`` of (id, score, newest) for the matches ``queryset`` keeps, found
    by the GIN index of the long vector, which answers without reading a
    vector. ``score``, the head vector's rank, is NULL for a text-only hit
    (one test of the small head vector per match)."""
    words = expression(query)
    head_score = Case(
        When(Q(search_head=words), then=SearchRank(F("search_head"), words)),
        output_field=FloatField(),
    )
    matches = (
        queryset.filter(search_vector=words)
        .order_by()
        .annotate(head_score=head_score, newest=F("arxiv_date"))
        .values_list("pk", "head_score", "newest")
    )
    return Sql(*matches.query.sql_with_params())


def filtered_statement(queryset, query, end):
    """``ranked_page``'s statement when filters other than visibility apply."""
    few_heads, many_heads = at_most("heads", ranked.HEAD_RANK_LIMIT)
    days = DAYS_BEFORE.format(date="m.newest")
    # Not materialized: the two counts, which PostgreSQL makes once anyway.
    ctes = [
        # The matches the filters keep, with their head rank.
        cte("m(id, score, newest)", kept_matches(queryset, query)),
        # Their number.
        cte("total(n)", sql("SELECT count(*) FROM m"), False),
        # How many are head hits: few enough to rank?
        cte("heads(n)", sql("SELECT count(*) FROM m WHERE m.score IS NOT NULL"), False),
    ]
    tiers = [
        sql("SELECT {total}, n, 0::float8, 0 FROM total", total=TOTAL),
        # Head hits by their head rank, newest first among equals, when few enough.
        sql(
            "(SELECT {place}, m.id, -m.score, {days} FROM m WHERE m.score IS NOT NULL "
            "ORDER BY m.score DESC, m.newest DESC, m.id LIMIT {limit})",
            place=HEAD,
            days=days,
            limit=rows_if(end, few_heads),
        ),
        # Too many to rank: head hits latest added first.
        sql(
            "(SELECT {place}, m.id, 0, -m.id FROM m WHERE m.score IS NOT NULL "
            "ORDER BY m.id DESC LIMIT {limit})",
            place=HEAD,
            limit=rows_if(end, many_heads),
        ),
        # Text-only hits by the long vector's rank, when the matches are few
        # enough: only then is a long vector read.
        sql(
            "(SELECT {place}, m.id, -ts_rank(paper.search_vector, {words}), {days} "
            "FROM m JOIN digests_paper AS paper ON paper.id = m.id, total "
            "WHERE m.score IS NULL AND total.n <= %s ORDER BY 3, 4, m.id LIMIT %s)",
            ranked.BODY_RANK_LIMIT,
            end,
            place=TEXT,
            words=tsquery(query),
            days=days,
        ),
        # Too many: text-only hits latest added first.
        sql(
            "(SELECT {place}, m.id, 0, -m.id FROM m, total "
            "WHERE m.score IS NULL AND total.n > %s ORDER BY m.id DESC LIMIT %s)",
            ranked.BODY_RANK_LIMIT,
            end,
            place=TEXT,
        ),
    ]
    return with_ctes(ctes, join(" UNION ALL ", tiers))


# --- Without filters but visibility: the few papers left out ---------------------------


def by_rank(vector, words):
    """A tier's sort columns and ORDER BY: best rank of ``vector`` first, then
    the newest arXiv date, then the id."""
    columns = sql(
        "-ts_rank(p.{vector}, {words}), {days}",
        vector=vector,
        words=words,
        days=DAYS_BEFORE.format(date="p.arxiv_date"),
    )
    return columns, "3, 4, p.id"


LATEST_ADDED = Sql("0, -p.id"), "p.id DESC"


def tier(place, where, order, limit):
    """One tier of papers meeting ``where``: (place, id, sort columns) in ``order``
    (``by_rank`` or LATEST_ADDED), as many as ``limit`` says."""
    columns, order_by = order
    return sql(
        "(SELECT {place}, p.id, {columns} FROM digests_paper p WHERE {where} "
        "ORDER BY {order_by} LIMIT {limit})",
        place=place,
        columns=columns,
        where=where,
        order_by=order_by,
        limit=limit,
    )


def lean_statement(query, end, excluded):
    """``ranked_page``'s statement when the filters leave out only ``excluded``,
    a few papers: the count is the long vector's index bitmap less those, head
    hits come from the head vector's own index, and each text-only tier reads
    only the rows it shows, so no set of thousands of matches is made."""
    words = tsquery(query)
    kept = "p.id NOT IN (SELECT id FROM excluded)"
    in_text = sql("p.search_vector @@ {words}", words=words)
    in_head = sql("p.search_head @@ {words}", words=words)
    if query.excluded_terms:
        # A word to leave out may sit in the long text only: then a head hit
        # must match the long vector too.
        in_head = sql("{in_head} AND {in_text}", in_head=in_head, in_text=in_text)
    matches = sql("{in_text} AND {kept}", in_text=in_text, kept=kept)
    heads = sql("{in_head} AND {kept}", in_head=in_head, kept=kept)
    # IS NOT TRUE: a paper whose head vector is missing is a text-only hit.
    text_only = sql(
        "{in_text} AND (p.search_head @@ {words}) IS NOT TRUE AND {kept}",
        in_text=in_text,
        words=words,
        kept=kept,
    )
    ctes = [
        # The papers the filters leave out.
        cte("excluded(id)", ids_of(excluded)),
        # The number of matches.
        cte("total(n)", sql("SELECT count(*) FROM digests_paper p WHERE {m}", m=matches)),
        # The number of head hits, counted only as far as the tiers need: past
        # the rank limit and past the page.
        cte(
            "heads(n)",
            sql(
                "SELECT count(*) FROM (SELECT 1 FROM digests_paper p WHERE {heads} LIMIT %s) "
                "AS capped",
                max(ranked.HEAD_RANK_LIMIT, end) + 1,
                heads=heads,
            ),
        ),
    ]
    few_heads, many_heads = at_most("heads", ranked.HEAD_RANK_LIMIT)
    few_matches, many_matches = at_most("total", ranked.BODY_RANK_LIMIT)
    # What the head hits leave of the page (none when they were counted past it).
    after_heads = sql("greatest(0, %s - (SELECT n FROM heads))", end)
    tiers = [
        sql("SELECT {total}, n, 0::float8, 0 FROM total", total=TOTAL),
        # Head hits by the head vector's rank, when few enough to rank.
        tier(HEAD, heads, by_rank("search_head", words), rows_if(end, few_heads)),
        # Too many to rank: head hits latest added first.
        tier(HEAD, heads, LATEST_ADDED, rows_if(end, many_heads)),
        # Text-only hits by the long vector's rank, when the matches are few enough.
        tier(TEXT, text_only, by_rank("search_vector", words), rows_if(after_heads, few_matches)),
        # Too many: text-only hits latest added first.
        tier(TEXT, text_only, LATEST_ADDED, rows_if(after_heads, many_matches)),
    ]
    return with_ctes(ctes, join(" UNION ALL ", tiers))


class PostgresEngine:
    language = POSTGRES

    def matching(self, queryset, query):
        """``queryset`` narrowed to the papers that match ``query`` (any order)."""
        return queryset.filter(search_vector=expression(query))

    def matching_rows(self, query, excluded, fields):
        """``Sql`` selecting ``fields`` of every match but ``excluded``'s papers."""
        matches = excluded.model.objects.filter(search_vector=expression(query)).order_by()
        matches = matches.exclude(pk__in=excluded.order_by().values("pk"))
        return Sql(*matches.values_list(*fields).query.sql_with_params())

    def ranked_page(self, queryset, query, offset, limit, excluded=None):
        """(number of matches, ids of matches offset..offset+limit), in one statement.

        ``excluded``: the few papers ``queryset`` leaves out, when nothing else
        narrows it (``PaperFilter.excluded``), else None."""
        end = offset + limit
        if excluded is None:
            statement = filtered_statement(queryset, query, end)
        else:
            statement = lean_statement(query, end, excluded)
        with connection.cursor() as cursor:
            cursor.execute(*statement)
            return total_and_page(cursor.fetchall(), offset, limit)

    def issues(self, queryset, query, limit):
        """The issues of ``queryset`` that match, best first."""
        words = expression(query)
        return list(
            queryset.filter(search_vector=words)
            .annotate(rank=SearchRank(F("search_vector"), words))
            .order_by("-rank", "-published_at")[:limit]
        )

    def similar_ids(self, queryset, words, limit):
        """Ids of ``queryset``'s papers holding most of ``words``, best first."""
        either = join(" || ", (term((word,)) for word in words))
        best = sql(
            "SELECT p.id FROM digests_paper p WHERE p.id IN ({papers}) "
            "AND p.search_vector @@ ({either}) "
            "ORDER BY ts_rank(p.search_vector, {either}) DESC, p.id LIMIT %s",
            limit,
            papers=ids_of(queryset),
            either=either,
        )
        with connection.cursor() as cursor:
            cursor.execute(*best)
            return [row[0] for row in cursor.fetchall()]
