"""The issue admin's "Add papers from arXiv" page: paste a list, get a report."""

from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path

from ..arxiv.client import ArxivError
from ..models import Section
from . import arxiv_list
from .autofill import status_for


class PasteForm(forms.Form):
    papers = forms.CharField(
        label="arXiv ids or links, one per line",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 80, "spellcheck": "false"}),
        help_text=(
            "Put a section's name alone on a line (or “## Section name”) above its papers. "
            "A blank line between groups is fine; text after an id on the same line is ignored."
        ),
    )
    section = forms.ModelChoiceField(
        Section.objects.all(),
        required=False,
        label="Section for papers before the first section line",
        empty_label="— none —",
        help_text="Leave it at “none” when every paper comes after a section line.",
    )


class PasteFromArxivAdminMixin:
    """``<issue id>/add-from-arxiv/`` under the issue admin."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.add_from_arxiv_view)
        return [
            path("<path:object_id>/add-from-arxiv/", view, name="digests_issue_add_from_arxiv"),
            *super().get_urls(),
        ]

    def add_from_arxiv_view(self, request, object_id):
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            raise Http404("No such issue.")
        if not (
            request.user.has_perm("digests.add_paper")
            and self.has_view_or_change_permission(request, issue)
        ):
            raise PermissionDenied
        form = PasteForm(request.POST if request.method == "POST" else None)
        report, error, status = None, None, 200
        if form.is_bound:
            status = 400
            if form.is_valid():
                try:
                    report = arxiv_list.add_papers(
                        issue,
                        form.cleaned_data["papers"],
                        default_section=form.cleaned_data["section"],
                    )
                except ArxivError as failure:
                    error, status = f"Nothing was added. {failure}", status_for(failure)
                except arxiv_list.ListRefused as refusal:
                    error, status = str(refusal), 409
                else:
                    # A list that added nothing and refused something is bad input.
                    status = 400 if report.refused and not report.added else 200
                    if not (report.added or report.refused or report.duplicates):
                        error, status = "There is no arXiv id in the list.", 400
        context = {
            **self.admin_site.each_context(request),
            "title": "Add papers from arXiv",
            "subtitle": str(issue),
            "opts": self.opts,
            "original": issue,
            "issue": issue,
            "form": form,
            "report": report,
            "error": error,
            "sections": Section.objects.all(),
            "has_view_permission": self.has_view_permission(request, issue),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/digests/issue/add_from_arxiv.html", context, status=status
        )
