"""The paper browser and the search page (one view, two addresses), and the
browser's current list as BibTeX."""

from django.conf import settings
from django.http import HttpResponse
from django.utils.functional import cached_property
from django.views.generic import ListView

from ..models import Issue, Paper
from ..models.tags import attach_tag_lists
from ..page_views import PageMetaMixin, PageNumberMixin, bibtex_response
from . import engine
from .facets import FACET_FIELDS, paper_facets
from .filters import PaperFilter, filter_data
from .ranked import RankedPapers

BIBTEX_LIMIT = 2000


class PaperBrowserView(PageMetaMixin, PageNumberMixin, ListView):
    """The paper browser and the search page: django-filter's filters, the
    search index's ranking, and facets that count what is left."""

    template_name = "digests/paper_list.html"
    context_object_name = "papers"

    def page_title(self, context):
        query = self.search_query
        if query:
            return f"Search: {query.text}"
        return "Papers matching your filters" if self.filterset.is_bound else "All papers"

    def page_description(self, context):
        name = settings.DIGESTS_SITE_NAME
        return f"Search and browse every paper featured in {name} by section, tag, year and issue."

    def get(self, request, *args, **kwargs):
        self.filterset = PaperFilter.published(filter_data(request.GET, self.page_kwarg))
        response = super().get(request, *args, **kwargs)
        if self.invalid:
            response.status_code = 400
        return response

    @cached_property
    def invalid(self):
        return self.filterset.is_bound and not self.filterset.is_valid()

    @property
    def search_query(self):
        return self.filterset.search_query

    def get_queryset(self):
        if self.invalid:
            return Paper.objects.none()
        if self.filterset.ordering == "relevance" and self.search_query:
            return self.filterset.ranked(expected=self.expected_page())
        return self.filterset.qs.for_listing()

    def expected_page(self):
        """(offset, size) of the page asked for, so the count can fetch it too;
        the size takes in the orphans a last page may carry."""
        number = self.request.GET.get(self.page_kwarg, "")
        number = int(number) if number.isdigit() and 0 < int(number) < 10_000 else 1
        return (number - 1) * self.paginate_by, self.paginate_by + self.get_paginate_orphans()

    def paginate_queryset(self, queryset, page_size):
        paginator, page, papers, is_paginated = super().paginate_queryset(queryset, page_size)
        papers = list(papers)
        attach_tag_lists(papers)
        if self.search_query and not isinstance(queryset, RankedPapers):
            papers = engine.annotate_matches(papers, self.search_query)
        return paginator, page, papers, is_paginated

    def get_context_data(self, **kwargs):
        context = super().get_context_data(filter=self.filterset, **kwargs)
        query = self.request.GET.copy()
        query.pop(self.page_kwarg, None)
        context["query_string"] = query.urlencode()
        context["search_query"] = self.search_query
        context["search_notes"] = self.search_query.notes if self.search_query else []
        context["order"] = "" if self.invalid else self.filterset.ordering
        context["kept_filters"] = [
            (name, value)
            for name in ("section", "tag", "year", "issue")
            if not (self.invalid and name in self.filterset.form.errors)  # drop what failed
            for value in query.getlist(name)
            if value.strip()
        ]
        if self.invalid:
            context["facets"] = []
            return context
        cleaned = self.filterset.form.cleaned_data if self.filterset.is_bound else {}
        chosen = {
            "section": [cleaned["section"].slug] if cleaned.get("section") else [],
            "tag": [tag.slug for tag in cleaned.get("tag") or []],
            "year": [int(cleaned["year"])] if cleaned.get("year") else [],
            "issue": [cleaned["issue"].slug] if cleaned.get("issue") else [],
        }
        results = self.filterset.result_rows(FACET_FIELDS)
        context["facets"] = paper_facets(results, self.request.GET, chosen)
        context["chosen_filters"] = [
            option for facet in context["facets"] for option in facet.options if option.chosen
        ]
        context["matching_issues"] = engine.issues_matching(
            Issue.objects.published(), self.search_query
        )
        return context




def browser_bibtex(request):
    """The paper browser's current list (same filters) as one .bib file."""
    filterset = PaperFilter.published(filter_data(request.GET, "page"))
    if filterset.is_bound and not filterset.is_valid():
        errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in filterset.errors.items())
        return HttpResponse(
            f"These filters could not be used: {errors}\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return bibtex_response(filterset.qs[:BIBTEX_LIMIT], "papers")
