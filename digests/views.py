"""Public pages. Thin on purpose: what is visible comes from QuerySet methods."""

from functools import wraps

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.views.generic import DetailView, ListView, TemplateView
from taggit.models import Tag

from . import citations, fragments, search
from .comment_views import CommentsMixin
from .facets import FACET_FIELDS, paper_facets
from .filters import PaperFilter, filter_data
from .models import TAG_ISSUE, Issue, Paper, Section, public_tags, published_q
from .related import related_papers
from .tags import redirect_for


class PageMetaMixin:
    """Title and description for <title>, the meta description and preview cards."""

    og_type = "website"

    def page_title(self, context):
        return ""

    def page_description(self, context):
        return ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        title = self.page_title(context)
        page = context.get("page_obj")
        if title and page is not None and page.number > 1:
            title = f"{title} (page {page.number})"
        description = " ".join(strip_tags(self.page_description(context) or "").split())
        context.update(
            page_title=title,
            page_description=Truncator(description).words(40) if description else "",
            og_type=self.og_type,
        )
        return context


class PageNumberMixin:
    """Pagination that never fails: a bad or out-of-range page shows the nearest page."""

    paginate_by = settings.DIGESTS_PAGE_SIZE

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=True)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()


class PreviewMixin:
    """Drafts and scheduled issues: editors get a preview, everyone else a 404.

    ``visible_to()`` already hides them from readers; this marks the page as a
    preview and keeps it out of every cache and search engine.
    """

    def is_preview(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=self.is_preview(), **kwargs)

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if context["preview"]:
            add_never_cache_headers(response)
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class HomeView(PageMetaMixin, TemplateView):
    template_name = "digests/home.html"
    recent_count = 6

    def page_description(self, context):
        latest = context.get("latest")
        return f"{settings.DIGESTS_SITE_TAGLINE} Latest: {latest.title}." if latest else ""

    def get_context_data(self, **kwargs):
        issues = Issue.objects.published().newest_first()
        latest = issues.with_table_of_contents().first()
        recent = issues.with_paper_count()[1 : self.recent_count + 1] if latest else []
        return super().get_context_data(latest=latest, recent=recent, **kwargs)


class IssueArchiveView(PageMetaMixin, PageNumberMixin, ListView):
    template_name = "digests/issue_list.html"
    context_object_name = "issues"

    def page_title(self, context):
        return "All issues"

    def page_description(self, context):
        return f"Every issue of {settings.DIGESTS_SITE_NAME}, newest first."

    def get_queryset(self):
        return Issue.objects.published().newest_first().with_paper_count()


class IssueDetailView(PageMetaMixin, CommentsMixin, PreviewMixin, DetailView):
    og_type = "article"
    template_name = "digests/issue_detail.html"
    context_object_name = "issue"

    def page_title(self, context):
        return self.object.title

    def page_description(self, context):
        return self.object.intro_html or self.object.title

    def get_queryset(self):
        return Issue.objects.visible_to(self.request.user).with_contents()

    def is_preview(self):
        return not self.object.is_public

    def discussion(self):
        return self.object, None

    def discussion_counts(self):
        return self.object.discussion_count, self.object.discussion_threads

    def get_context_data(self, **kwargs):
        papers = self.object.papers.all()  # prefetched by with_contents()
        return super().get_context_data(paper_cards=fragments.paper_cards(papers), **kwargs)


class PaperDetailView(PageMetaMixin, CommentsMixin, PreviewMixin, DetailView):
    og_type = "article"
    template_name = "digests/paper_detail.html"
    context_object_name = "paper"

    def page_title(self, context):
        return self.object.title

    def page_description(self, context):
        return self.object.annotation_html or self.object.abstract or self.object.title

    def get_queryset(self):
        return Paper.objects.visible_to(self.request.user).for_listing().with_discussion()

    def is_preview(self):
        return not self.object.issue.is_public

    def discussion(self):
        return self.object.issue, self.object

    def discussion_counts(self):
        return self.object.comment_count, self.object.discussion_threads

    def get_context_data(self, **kwargs):
        # Neighbours in the issue, in reading order, from one small query.
        siblings = list(
            Paper.objects.filter(issue=self.object.issue_id)
            .in_issue_order()
            .values_list("pk", "slug", "title", named=True)
        )
        index = next(i for i, row in enumerate(siblings) if row.pk == self.object.pk)
        return super().get_context_data(
            previous_paper=siblings[index - 1] if index > 0 else None,
            next_paper=siblings[index + 1] if index + 1 < len(siblings) else None,
            position_in_issue=index + 1,
            bibtex=citations.bibtex([self.object]),
            papers_in_issue=len(siblings),
            related=related_papers(self.object),
            **kwargs,
        )


class SectionDetailView(PageMetaMixin, PageNumberMixin, ListView):
    template_name = "digests/section_detail.html"
    context_object_name = "papers"

    def page_title(self, context):
        return self.section.name

    def page_description(self, context):
        return self.section.description or f"Papers in {self.section.name}."

    @cached_property
    def section(self):
        return get_object_or_404(Section, slug=self.kwargs["slug"])

    def get_queryset(self):
        return Paper.objects.published().filter(section=self.section).newest_first().for_listing()

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


def tags_with_counts():
    """Public tags with how many published papers carry each."""
    rule = published_q(TAG_ISSUE)
    return public_tags().annotate(
        paper_count=Count("digests_taggedpaper_items", filter=rule, distinct=True)
    )


class TagIndexView(PageMetaMixin, TemplateView):
    template_name = "digests/tag_list.html"

    def page_title(self, context):
        return "Tags"

    def page_description(self, context):
        return f"Every topic tagged in {settings.DIGESTS_SITE_NAME}, with how many papers carry it."

    def get_context_data(self, **kwargs):
        tags = tags_with_counts().order_by("name")
        return super().get_context_data(tags=tags, **kwargs)


def follow_tag_redirects(view, url_name):
    """A merged or renamed tag's old address answers 301 with the tag's new one."""

    @wraps(view)
    def wrapped(request, slug, **kwargs):
        try:
            return view(request, slug=slug, **kwargs)
        except Http404:
            tag = redirect_for(slug)
            if tag is None:
                raise
            query = request.META.get("QUERY_STRING", "")
            url = reverse(url_name, args=[tag.slug]) + (f"?{query}" if query else "")
            return HttpResponsePermanentRedirect(url)

    return wrapped


class TagDetailView(PageMetaMixin, PageNumberMixin, ListView):
    template_name = "digests/tag_detail.html"
    context_object_name = "papers"

    def page_title(self, context):
        return f"Papers tagged “{self.tag.name}”"

    def page_description(self, context):
        count = context["paginator"].count
        name = settings.DIGESTS_SITE_NAME
        return f"{count} paper{pluralize(count)} tagged “{self.tag.name}” in {name}."

    @cached_property
    def tag(self):
        return get_object_or_404(Tag, slug=self.kwargs["slug"])

    def get_queryset(self):
        return Paper.objects.published().filter(tags=self.tag).newest_first().for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(tag=self.tag, **kwargs)
        if context["paginator"].count == 0:
            # A tag used only on drafts must not reveal what is coming.
            raise Http404("No published paper has this tag.")
        return context


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
        """(offset, size) of the page asked for, so the count can fetch it too."""
        number = self.request.GET.get(self.page_kwarg, "")
        number = int(number) if number.isdigit() and 0 < int(number) < 10_000 else 1
        return (number - 1) * self.paginate_by, self.paginate_by

    def paginate_queryset(self, queryset, page_size):
        paginator, page, papers, is_paginated = super().paginate_queryset(queryset, page_size)
        if self.search_query and not isinstance(queryset, search.RankedPapers):
            papers = search.annotate_matches(list(papers), self.search_query)
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
        context["matching_issues"] = search.issues_matching(
            Issue.objects.published(), self.search_query
        )
        return context


# --- Citations, robots, subscribe --------------------------------------------------

BIBTEX_LIMIT = 2000


def bibtex_response(papers, filename):
    response = HttpResponse(
        citations.bibtex(papers), content_type="application/x-bibtex; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{filename}.bib"'
    return response


def paper_bibtex(request, slug):
    paper = get_object_or_404(Paper.objects.visible_to(request.user), slug=slug)
    return bibtex_response([paper], paper.slug)


def issue_bibtex(request, slug):
    issue = get_object_or_404(Issue.objects.visible_to(request.user), slug=slug)
    return bibtex_response(issue.papers.in_issue_order(), issue.slug)


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


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /comments/",
        f"Sitemap: {sitemap}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


class SubscribeView(PageMetaMixin, TemplateView):
    template_name = "digests/subscribe.html"

    def page_title(self, context):
        return "Subscribe"

    def page_description(self, context):
        return f"Follow {settings.DIGESTS_SITE_NAME} in a feed reader: RSS, Atom and JSON feeds."

    def get_context_data(self, **kwargs):
        sections = Section.objects.filter(published_q("papers__issue__")).distinct()
        return super().get_context_data(sections=sections, **kwargs)


def csrf_failure(request, reason=""):
    """Explain cookies in plain words (Django's page renders without our context)."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
