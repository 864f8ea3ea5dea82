"""Ranked search results: the tiers both engines rank in, and a paginator.

Best first, matches come in tiers:

1. head hits: the words in the title, the authors or the tags, ranked (SQLite:
   bm25 over those columns; PostgreSQL: ``ts_rank`` of the head vector) while
   there are at most HEAD_RANK_LIMIT of them; beyond, latest added first
   (SQLite lists the title hits before the author and tag hits);
2. text-only hits: the words in the annotation or the abstract alone, ranked
   over every field while the query has at most BODY_RANK_LIMIT matches;
   beyond, latest added first.

Past a limit, ranking thousands of near-equal matches would cost more than
the rest of the search and tell the reader little, while the index streams
them in the order they were added. An engine's ``ranked`` returns, in one
statement, the count and the rows of the page asked for; ``total_and_page``
puts them in order and ``RankedPapers`` pages through them.
"""

from .snippets import annotate_matches

HEAD_RANK_LIMIT = 1000
BODY_RANK_LIMIT = 1000

# The first column of an engine's row: the row that holds the count, or a tier.
TOTAL = -1  # its id column holds the number of matches
HEAD = 0  # head hits, or title hits when head hits are past the limit
OTHER_HEAD = 1  # author and tag hits past the limit (SQLite), after the title hits
TEXT = 2  # text-only hits


def total_and_page(rows, offset, limit):
    """An engine's rows (tier, id, sort key, tie-break key), smallest keys
    best, to the number of matches and the ids of offset..offset+limit, best
    first. Each tier returns the rows the page may need from it, no more."""
    total = next(pk for tier, pk, _, _ in rows if tier == TOTAL)
    found = sorted((row for row in rows if row[0] != TOTAL), key=lambda r: (r[0], r[2], r[3], r[1]))
    return total, [row[1] for row in found[offset : offset + limit]]


class RankedPapers:
    """The papers of ``queryset`` (filters applied, not yet the words) that
    match ``query``, best match first, as a sequence a Paginator can page
    through. The count and the ids of one page come from one query (the
    engine's ``ranked``), for the page ``expected`` says the view will ask
    for, which saves finding the matches twice; any other slice costs one
    more. The page's papers are fetched with their issue and section, and
    their titles and snippets marked in Python: two queries in all.

    ``excluded``, when given, is the few papers ``queryset`` leaves out
    (``PaperFilter.excluded``): then a match need only not be one of them."""

    def __init__(self, engine, queryset, query, expected=(0, 20), excluded=None):
        self.engine = engine
        self.queryset = queryset
        self.query = query
        self.excluded = excluded
        self.expected = expected  # (offset, limit) of the page the view will show
        self.total = None
        self.fetched = None  # (offset, ids) of the ids fetched last

    def _fetch(self, offset, limit):
        self.total, ids = self.engine.ranked_page(
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
        return annotate_matches(ordered, self.query, self.engine.language)
