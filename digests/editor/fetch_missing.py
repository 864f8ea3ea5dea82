"""“Fetch missing arXiv details”: the issue's button and the papers' action.

Both fill, from arXiv, the papers added while it could not be reached
(``missing_details.fetch_missing``) and tell the editor what happened.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from ..arxiv.client import ArxivError
from .missing_details import arxiv_unreachable, fetch_missing

ACTION = "Fetch missing arXiv details"


def fetch_and_report(request, papers):
    """Fill ``papers`` from arXiv and say how it went in the admin's messages."""
    try:
        outcome = fetch_missing(papers)
    except ArxivError as failure:
        reason = "arXiv could not be reached" if arxiv_unreachable(failure) else "arXiv failed"
        messages.error(
            request,
            f"{reason}, so nothing was changed: the papers keep their details missing. "
            f"Try again later. ({failure})",
        )
        return
    if outcome.filled:
        count = len(outcome.filled)
        messages.success(
            request,
            f"Filled in the arXiv details of {count} paper{'s' if count != 1 else ''}: "
            + "; ".join(paper.title for paper in outcome.filled),
        )
    if outcome.not_found:
        messages.warning(
            request,
            "arXiv has no paper with the id "
            + ", ".join(paper.arxiv_id for paper in outcome.not_found)
            + ". Check the number (still marked as details missing).",
        )
    if not (outcome.filled or outcome.not_found):
        messages.info(request, "No paper had arXiv details missing: nothing to fetch.")


class FetchMissingActionMixin:
    """The papers' list action; add ``"fetch_missing_details"`` to ``actions``."""

    @admin.action(description=ACTION, permissions=["change"])
    def fetch_missing_details(self, request, queryset):
        fetch_and_report(request, list(queryset.filter(metadata_missing=True)))


class FetchMissingIssueAdminMixin:
    """``<issue id>/fetch-missing-details/`` (POST) under the issue admin."""

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.fetch_missing_details_view))
        return [
            path(
                "<path:object_id>/fetch-missing-details/",
                view,
                name="digests_issue_fetch_missing_details",
            ),
            *super().get_urls(),
        ]

    def fetch_missing_details_view(self, request, object_id):
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            raise Http404("No such issue.")
        if not (
            request.user.has_perm("digests.change_paper")
            and self.has_change_permission(request, issue)
        ):
            raise PermissionDenied
        fetch_and_report(request, list(issue.papers.filter(metadata_missing=True)))
        return HttpResponseRedirect(reverse("admin:digests_issue_change", args=[issue.pk]))
