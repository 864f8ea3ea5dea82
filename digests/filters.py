"""The paper browser's query parameters, parsed and validated by django-filter."""

import django_filters
from django import forms
from django.db.models import Q
from taggit.models import Tag

from .arxiv import InvalidArxivId, normalize_arxiv_id
from .models import Issue, Paper, Section, public_tags

QUERY_MAX_LENGTH = 200


class PaperFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Words",
        method="filter_text",
        max_length=QUERY_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "title, author, arXiv id…"}),
    )
    section = django_filters.ModelChoiceFilter(
        queryset=Section.objects.all(),
        to_field_name="slug",
        empty_label="All sections",
        error_messages={"invalid_choice": "There is no section with that name."},
    )
    tag = django_filters.ModelMultipleChoiceFilter(
        field_name="tags__slug",
        queryset=Tag.objects.all(),
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
        queryset=Issue.objects.published(),
        to_field_name="slug",
        empty_label="All issues",
        error_messages={"invalid_choice": "There is no published issue with that address."},
    )
    order = django_filters.OrderingFilter(
        label="Order",
        fields=(("arxiv_date", "date"), ("title", "title")),
        field_labels={"-date": "Newest first", "date": "Oldest first", "title": "Title A–Z"},
        empty_label=None,
        null_label=None,
    )

    class Meta:
        model = Paper
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        # Only the choices a reader needs; Issue.published() is evaluated per request.
        self.filters["issue"].queryset = Issue.objects.published().newest_first()
        self.filters["tag"].queryset = public_tags()
        labels = dict(self.filters["order"].extra["choices"])
        self.filters["order"].extra["choices"] = [
            (value, labels[value]) for value in ("-date", "date", "title")
        ]

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        try:
            # A pasted arXiv id or link finds that paper.
            return queryset.filter(arxiv_id=normalize_arxiv_id(value))
        except InvalidArxivId:
            pass
        condition = Q()
        for word in value.split()[:10]:
            condition &= (
                Q(title__icontains=word) | Q(authors__icontains=word) | Q(tags__name__iexact=word)
            )
        return queryset.filter(condition).distinct()


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
