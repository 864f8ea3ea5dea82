"""The paper browser's query parameters, parsed and validated by django-filter."""

import django_filters
from django import forms
from django.utils.functional import cached_property

from ..arxiv.ids import InvalidArxivId, normalize_arxiv_id
from ..comments.models import approved_count
from ..models import Issue, Paper, Section, public_tags
from . import engine
from .query import MAX_QUERY_LENGTH, parse_query

QUERY_MAX_LENGTH = MAX_QUERY_LENGTH
ORDER_CHOICES = [
    ("relevance", "Best match"),
    ("-date", "Newest first"),
    ("date", "Oldest first"),
    ("title", "Title A–Z"),
    ("useful", "Most useful"),
    ("discussed", "Most discussed"),
]
NEWEST = ("-arxiv_date", "-issue__published_at", "position", "pk")
ORDERINGS = {
    "-date": NEWEST,
    "date": ("arxiv_date", "issue__published_at", "position", "pk"),
    "title": ("title", "pk"),
    # Readers' signals; ties newest first, then as "-date" (paper_useful_idx).
    "useful": ("-useful_count", *NEWEST),
    # Approved comments on the paper, replies too: a subquery on comment_paper_idx.
    "discussed": ("-discussion_count", *NEWEST),
}


class PaperFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Words",
        method="filter_text",
        max_length=QUERY_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "pruning, “in-context learning”…",
                "aria-describedby": "search-help",
            }
        ),
    )
    # Querysets as functions of the request: django-filter deep-copies every
    # filter for every request, and copying a queryset costs more than making
    # one. Each is evaluated per request.
    section = django_filters.ModelChoiceFilter(
        queryset=lambda request: Section.objects.all(),
        to_field_name="slug",
        empty_label="All sections",
        error_messages={"invalid_choice": "There is no section with that name."},
    )
    tag = django_filters.ModelMultipleChoiceFilter(
        field_name="tags__slug",
        queryset=lambda request: public_tags(),  # only tags a reader can see
        to_field_name="slug",
        conjoined=True,  # ?tag=a&tag=b means papers with both tags
        error_messages={"invalid_choice": "No published paper has the tag “%(value)s”."},
    )
    year = django_filters.NumberFilter(
        field_name="arxiv_date__year",
        label="Year",
        min_value=1991,
        max_value=2999,
        error_messages={"invalid": "Give the year as four digits, e.g. 2023."},
    )
    issue = django_filters.ModelChoiceFilter(
        queryset=lambda request: Issue.objects.published().newest_first(),
        to_field_name="slug",
        empty_label="All issues",
        error_messages={"invalid_choice": "There is no published issue with that address."},
    )
    order = django_filters.ChoiceFilter(
        label="Order",
        choices=ORDER_CHOICES,
        method="filter_order",
        empty_label=None,
    )

    class Meta:
        model = Paper
        fields = []

    left_out = None  # the papers ``queryset`` leaves out, when known to be few

    @classmethod
    def published(cls, data):
        """The browser over what readers see: every published paper."""
        filterset = cls(data, queryset=Paper.objects.published().newest_first())
        filterset.left_out = Paper.objects.unpublished()
        return filterset

    @property
    def narrowed(self):
        """Whether a filter other than the words and the order was asked for."""
        return any(name in self.data for name in self.filters if name not in ("q", "order"))

    @property
    def excluded(self):
        """The few papers the filters leave out, when nothing but the words and
        visibility applies (else None): a match need only not be one of them,
        which spares testing the filters on thousands of matches."""
        return None if self.narrowed else self.left_out

    def ranked(self, expected=(0, 20)):
        """The papers that match the words, best first (``ranked.RankedPapers``)."""
        return engine.ranked_papers(
            self.unsearched_qs, self.search_query, expected=expected, excluded=self.excluded
        )

    @staticmethod
    def arxiv_id_in(value):
        try:
            return normalize_arxiv_id(value.strip())
        except InvalidArxivId:
            return None

    @cached_property
    def search_query(self):
        """The words to search for (a ``query.Query``), or None: no words, a
        pasted arXiv id instead, or filters that could not be used."""
        if not self.is_valid():
            return None
        value = (self.form.cleaned_data.get("q") or "").strip()
        if not value or self.arxiv_id_in(value):
            return None
        return parse_query(value)

    def filter_text(self, queryset, name, value):
        # A pasted arXiv id or link finds that paper. Words are applied last, in
        # ``qs``: the ranking wants the papers the other filters leave.
        arxiv_id = self.arxiv_id_in(value) if value.strip() else None
        return queryset.filter(arxiv_id=arxiv_id) if arxiv_id else queryset

    def result_rows(self, fields):
        """SQL and parameters selecting ``fields`` (column names) of every
        result, or None when there is none: with no filter but the words, the
        index's matches less the papers left out, as ``ranked`` finds them."""
        if self.search_query and self.excluded is not None:
            return engine.matching_rows(self.search_query, self.excluded, fields)
        papers = self.qs.order_by().values_list(*fields)
        return None if papers.query.is_empty() else papers.query.sql_with_params()

    def filter_queryset(self, queryset):
        # Only the filters asked for: django-filter calls each one, and to find
        # that no tag was chosen it evaluates an empty queryset.
        for name, value in self.form.cleaned_data.items():
            if name in self.data:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def unsearched_qs(self):
        """The papers every filter but the words leaves."""
        return super().qs

    @property
    def qs(self):
        papers = self.unsearched_qs
        if self.search_query is None:
            return papers
        return engine.matching(papers, self.search_query) if self.search_query else papers.none()

    def filter_order(self, queryset, name, value):
        # Relevance needs the search index's rank: the view orders by it.
        if value == "discussed":
            queryset = queryset.annotate(discussion_count=approved_count("paper"))
        return queryset.order_by(*ORDERINGS[value]) if value in ORDERINGS else queryset

    @property
    def ordering(self):
        """'relevance' when words were searched for and no other order was chosen."""
        chosen = self.form.cleaned_data.get("order") if self.is_valid() else ""
        if chosen:
            return chosen
        return "relevance" if self.search_query else "-date"


def filter_data(query, page_kwarg="page"):
    """The query string without empty values (an unused select sends ``tag=``) or paging."""
    data = query.copy()
    for key in list(data):
        values = [value for value in data.getlist(key) if value.strip()]
        if values and key != page_kwarg:
            data.setlist(key, values)
        else:
            del data[key]
    return data or None
