"""Facets for the paper browser and search: counts that narrow the results.

Each facet counts the papers of the *current* result set (filters and search
words applied) by section, tag, year and issue. Following a facet's link adds
that value to the query string, so the count beside a link is exactly the
number of results the next page shows. Four GROUP BY queries, whatever the
size of the archive.
"""

from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import ExtractYear

from .models import TaggedPaper

TAG_LIMIT = 15
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


def paper_facets(queryset, request_query, chosen, page_kwarg="page"):
    """Facets over ``queryset``; ``chosen`` maps a facet name to its chosen values."""
    queryset = queryset.order_by()

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

    sections = (
        queryset.values_list("section__slug", "section__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "section__name")
    )
    tags = (
        TaggedPaper.objects.filter(content_object__in=queryset.values("pk"))
        .values_list("tag__slug", "tag__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "tag__name")[:TAG_LIMIT]
    )
    years = (
        queryset.annotate(year=ExtractYear("arxiv_date"))
        .values_list("year")
        .annotate(n=Count("pk"))
        .order_by("-year")
    )
    issues = (
        queryset.values_list("issue__slug", "issue__title", "issue__published_at")
        .annotate(n=Count("pk"))
        .order_by("-issue__published_at")[:ISSUE_LIMIT]
    )
    return [
        facet("section", "Section", sections),
        facet("tag", "Tag", tags),
        facet("year", "Year", [(year, year, n) for year, n in years]),
        facet("issue", "Issue", [(slug, title, n) for slug, title, _, n in issues]),
    ]
