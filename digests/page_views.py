"""What every public page view shares: its title and description, pagination
that never fails, listed papers with their tags, drafts shown as previews,
and BibTeX as a response. Used by ``views.py`` and ``search/views.py``."""

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.html import strip_tags
from django.utils.text import Truncator

from . import citations
from .models.tags import attach_tag_lists


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
    """Pagination that never fails: a bad or out-of-range page shows the nearest page.

    A last page of a few papers joins the one before (Django's ``orphans``):
    an issue of 21 papers is one page, not 20 and a page holding one."""

    paginate_by = settings.DIGESTS_PAGE_SIZE
    paginate_orphans = settings.DIGESTS_PAGE_ORPHANS

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(
            queryset, page_size, orphans=self.get_paginate_orphans(), allow_empty_first_page=True
        )
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()


class ListedPapersMixin:
    """A paginated list of ``for_listing()`` papers, each with its tags: the
    page's papers are fetched, then their tags in one more query."""

    def paginate_queryset(self, queryset, page_size):
        paginator, page, papers, is_paginated = super().paginate_queryset(queryset, page_size)
        papers = list(papers)
        attach_tag_lists(papers, using=queryset.db)
        return paginator, page, papers, is_paginated


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


def bibtex_response(papers, filename):
    """``papers`` as a .bib file; their authors come in one query (``attach_tag_lists``)."""
    listed = list(papers)
    attach_tag_lists(listed)
    response = HttpResponse(
        citations.bibtex(listed), content_type="application/x-bibtex; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{filename}.bib"'
    return response
