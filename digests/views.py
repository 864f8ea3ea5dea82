"""Public pages. Thin on purpose: what is visible comes from QuerySet methods."""

from functools import wraps

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.views.generic import DetailView, ListView, TemplateView
from taggit.models import Tag

from . import citations, preview_links
from .caching.fragments import Fragments
from .card_views import SocialCardMixin
from .comments.forms import CSRF_MARKER
from .comments.views import CommentsMixin
from .models import Author, Comment, Issue, Paper, public_sections, public_tags
from .models.links import attach_paper_links
from .models.tags import TAG_ISSUE, attach_tag_lists
from .page_views import (
    ListedPapersMixin,
    PageMetaMixin,
    PageNumberMixin,
    PreviewMixin,
    bibtex_response,
)
from .search.related import related_papers
from .tags import redirect_for
from .visibility import published_q


class HomeView(PageMetaMixin, TemplateView):
    template_name = "digests/home.html"
    recent_count = 6
    # The latest issue's first paper of each section, annotation and all: a
    # taste of every part of the issue, two rows of two on a wide screen.
    highlight_count = 4

    def page_description(self, context):
        latest = context.get("latest")
        return f"{settings.DIGESTS_SITE_TAGLINE} Latest: {latest.title}." if latest else ""

    def get_context_data(self, **kwargs):
        issues = Issue.objects.published().newest_first()
        latest = issues.with_table_of_contents().first()
        recent = issues.with_paper_count()[1 : self.recent_count + 1] if latest else []
        return super().get_context_data(
            latest=latest, recent=recent, highlights=self.highlights(latest), **kwargs
        )

    def highlights(self, issue):
        if issue is None:
            return []
        firsts = {}
        for paper in issue.papers.all():  # prefetched, in reading order
            firsts.setdefault(paper.section_id, paper)
        shown = list(firsts.values())[: self.highlight_count]
        attach_paper_links(shown)  # one query, and only when they link to arXiv
        return shown


class IssueArchiveView(PageMetaMixin, PageNumberMixin, ListView):
    template_name = "digests/issue_list.html"
    context_object_name = "issues"

    def page_title(self, context):
        return "All issues"

    def page_description(self, context):
        return f"Every issue of {settings.DIGESTS_SITE_NAME}, newest first."

    def get_queryset(self):
        return Issue.objects.published().newest_first().with_paper_count()


class IssueDetailView(SocialCardMixin, PageMetaMixin, CommentsMixin, PreviewMixin, DetailView):
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
        return self.counts.of(None)

    def get_context_data(self, **kwargs):
        papers = list(self.object.papers.all())  # prefetched by with_contents()
        attach_tag_lists(papers)
        self.counts = Comment.objects.counts(self.object)
        # The issue's own discussion and its papers' apart (issue_body.jinja's
        # header, _comments.jinja), as the issue list and the home page count them.
        self.object.comment_count = self.counts.of(None)[0]
        self.object.paper_comment_count = self.counts.total - self.object.comment_count
        for paper in papers:
            paper.comment_count = self.counts.of(paper.pk)[0]
        issue_links = attach_paper_links(
            papers, self.object.intro_html, self.object.closing_note_html
        )
        return super().get_context_data(
            paper_cards=paper_cards(papers),
            issue_links=issue_links,
            useful_csrf=CSRF_MARKER,
            papers_discussed=[paper for paper in papers if paper.comment_count],
            **kwargs,
        )


class IssuePreviewLinkView(IssueDetailView):
    """The issue page itself, reached by a signed link instead of a permission.

    Always a preview (PreviewMixin: "Preview" banner, never cached, never
    indexed); reading only, so no comment can be posted through it."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        try:
            link, key = preview_links.read_token(kwargs["token"])
            issue = Issue.objects.with_contents().filter(pk=link.issue_id).first()
            if issue is None:
                raise preview_links.InvalidLink("This preview link is not valid.", status=404)
            preview_links.check_key(issue, key)
        except preview_links.InvalidLink as invalid:
            return invalid_link(request, invalid)
        if issue.is_public:
            return HttpResponseRedirect(issue.get_absolute_url())
        self.object = issue
        self.preview_link = link
        return self.render_to_response(self.get_context_data(object=issue))

    def is_preview(self):
        return True

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview_link=self.preview_link, **kwargs)


def invalid_link(request, invalid):
    response = render(
        request,
        "digests/preview_link_invalid.html",
        {"reason": invalid.reason, "status": invalid.status},
        status=invalid.status,
    )
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


class PaperDetailView(SocialCardMixin, PageMetaMixin, CommentsMixin, PreviewMixin, DetailView):
    og_type = "article"
    template_name = "digests/paper_detail.html"
    context_object_name = "paper"

    def page_title(self, context):
        return self.object.title

    def page_description(self, context):
        return self.object.annotation_html or self.object.abstract or self.object.title

    def get_queryset(self):
        return Paper.objects.visible_to(self.request.user).for_listing()

    def get_object(self, queryset=None):
        paper = super().get_object(queryset)
        attach_tag_lists([paper])
        attach_paper_links([paper])
        return paper

    def is_preview(self):
        return not self.object.issue.is_public

    def discussion(self):
        return self.object.issue, self.object

    def discussion_counts(self):
        return Comment.objects.counts(self.object.issue).of(self.object.pk)

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
            useful_csrf=CSRF_MARKER,
            **kwargs,
        )


class SectionDetailView(PageMetaMixin, ListedPapersMixin, PageNumberMixin, ListView):
    template_name = "digests/section_detail.html"
    context_object_name = "papers"

    def page_title(self, context):
        return self.section.name

    def page_description(self, context):
        return self.section.description or f"Papers in {self.section.name}."

    @cached_property
    def section(self):
        return get_object_or_404(public_sections(), slug=self.kwargs["slug"])

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


class TagDetailView(PageMetaMixin, ListedPapersMixin, PageNumberMixin, ListView):
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


class AuthorDetailView(PageMetaMixin, ListedPapersMixin, PageNumberMixin, ListView):
    """One person's published papers across issues, newest first."""

    template_name = "digests/author_detail.html"
    context_object_name = "papers"

    def page_title(self, context):
        return self.author.name

    def page_description(self, context):
        count = context["paginator"].count
        name = settings.DIGESTS_SITE_NAME
        return f"{count} paper{pluralize(count)} by {self.author.name} featured in {name}."

    @cached_property
    def author(self):
        return get_object_or_404(Author, slug=self.kwargs["slug"])

    def get_queryset(self):
        papers = Paper.objects.published().filter(authorships__author=self.author)
        return papers.newest_first().for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(author=self.author, **kwargs)
        if context["paginator"].count == 0:
            # Only drafts, or no paper left (authors are kept): nothing to show yet.
            raise Http404("No published paper by this author.")
        return context


# --- Citations, robots, subscribe --------------------------------------------------

def paper_bibtex(request, slug):
    paper = get_object_or_404(Paper.objects.visible_to(request.user), slug=slug)
    return bibtex_response([paper], paper.slug)


def issue_bibtex(request, slug):
    issue = get_object_or_404(Issue.objects.visible_to(request.user), slug=slug)
    return bibtex_response(issue.papers.in_issue_order(), issue.slug)


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /comments/",
        "Disallow: /useful/",
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
        sections = public_sections()
        return super().get_context_data(sections=sections, **kwargs)


# --- Paper cards as cached fragments ------------------------------------------------


def paper_card_shown(paper, context):
    """Everything templates/jinja2/digests/_paper.jinja shows of a paper."""
    return (
        paper.pk,
        paper.slug,
        paper.title,
        paper.arxiv_id,
        paper.arxiv_date,
        paper.metadata_missing,
        paper.authors,
        [(author.slug, author.name) for author in paper.author_records],
        paper.annotation_html,
        getattr(paper, "comment_count", None),
        [(tag.pk, tag.name, tag.slug) for tag in paper.tag_list],
        bool(context.get("preview_link")),
        # Links in the annotation to papers on the site (models/links.py): a
        # paper published later changes the card. The Useful button's count
        # and its form's CSRF marker (the page cache fills it in per reader).
        sorted(getattr(paper, "linked_papers", {}).items()),
        paper.useful_count,
        bool(context.get("preview")),
        context.get("useful_csrf"),
    )


def paper_cards(papers):
    """The cards of an issue page's papers (with their annotations' links to papers
    on the site, found in one query unless the page found them already)."""
    unlinked = [paper for paper in papers if not hasattr(paper, "linked_papers")]
    if unlinked:
        attach_paper_links(unlinked)
    return Fragments(
        "paper", "digests/_paper.jinja", "paper", paper_card_shown, [(p, {}) for p in papers]
    )
