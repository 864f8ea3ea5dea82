"""The two quick ways into a new issue, offered on the issue's add page.

* "Import a draft" links to the import page (``import_export.py``), which
  creates the issue from the editor's text.
* "Add papers from arXiv" links to ``…/issue/add-from-arxiv/``: the issue's
  title and a pasted list of arXiv ids, as on a saved issue's "Add papers
  from arXiv" page. It creates the issue as a draft, adds the papers through
  the same ``arxiv_list.add_papers`` and opens the new issue's form. When
  nothing could be added, the new issue is deleted again and the form keeps
  what the editor pasted, so sending it again makes no second issue.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from ..arxiv.client import ArxivError
from ..models import Issue, Section
from . import arxiv_list
from .autofill import status_for
from .paste import PasteForm

# Refused lines named one by one in the message; more are only counted.
MAX_REFUSALS_SHOWN = 5


class StartFromArxivForm(PasteForm):
    title = Issue._meta.get_field("title").formfield(
        help_text="For example “AI Research Highlights, June–July 2023”; you can change it later."
    )
    field_order = ["title", "papers", "section"]


class NewIssueAdminMixin:
    """``add-from-arxiv/`` under the issue admin, and the add page's links to it."""

    def get_urls(self):
        view = self.admin_site.admin_view(self.start_from_arxiv_view)
        return [
            path("add-from-arxiv/", view, name="digests_issue_start_from_arxiv"),
            *super().get_urls(),
        ]

    def can_start_from_arxiv(self, request):
        return request.user.has_perms(("digests.add_issue", "digests.add_paper"))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if add:
            context["can_start_from_arxiv"] = self.can_start_from_arxiv(request)
            context["can_import"] = self.has_import_permission(request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def start_from_arxiv_view(self, request):
        if not self.can_start_from_arxiv(request):
            raise PermissionDenied
        form = StartFromArxivForm(request.POST if request.method == "POST" else None)
        error, status = None, 200
        if form.is_bound:
            status = 400
            if form.is_valid():
                issue = Issue.objects.create(
                    title=form.cleaned_data["title"], status=Issue.Status.DRAFT
                )
                report, error, status = self.add_to_new_issue(issue, form.cleaned_data)
                if report is not None:
                    self.say_what_was_added(request, issue, report)
                    change_url = reverse("admin:digests_issue_change", args=[issue.pk])
                    return HttpResponseRedirect(change_url)
                issue.delete()
        context = {
            **self.admin_site.each_context(request),
            "title": "New issue from arXiv ids",
            "opts": self.opts,
            "form": form,
            "error": error,
            "sections": Section.objects.all(),
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/digests/issue/start_from_arxiv.html", context, status=status
        )

    def add_to_new_issue(self, issue, data):
        """(report, None, 200) when papers were added, else (None, the reason, status)."""
        try:
            report = arxiv_list.add_papers(issue, data["papers"], default_section=data["section"])
        except ArxivError as failure:
            return None, f"No issue was created. {failure}", status_for(failure)
        except arxiv_list.ListRefused as refusal:
            return None, str(refusal), 409
        if not report.added:
            refused = [line for line in report.lines if line.outcome == arxiv_list.REFUSED]
            reason = "; ".join(f"line {line.number}: {line.message}" for line in refused[:3])
            return None, f"No paper could be added, so no issue was created. {reason}", 400
        return report, None, 200

    def say_what_was_added(self, request, issue, report):
        self.message_user(
            request,
            f"Created the draft issue “{issue}” with {report.added} paper(s) from arXiv. "
            "Open a paper's line below to write its annotation.",
            messages.SUCCESS,
        )
        if report.unreachable_message:
            self.message_user(request, report.unreachable_message, messages.WARNING)
        refused = [line for line in report.lines if line.outcome == arxiv_list.REFUSED]
        for line in refused[:MAX_REFUSALS_SHOWN]:
            self.message_user(
                request,
                f"Line {line.number} “{line.text}” not added: {line.message}",
                messages.WARNING,
            )
        if len(refused) > MAX_REFUSALS_SHOWN:
            self.message_user(
                request,
                f"…and {len(refused) - MAX_REFUSALS_SHOWN} more line(s) not added.",
                messages.WARNING,
            )
