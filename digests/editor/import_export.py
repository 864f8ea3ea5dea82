"""The issue admin's import page ("Import a draft") and export downloads.

Both call the same functions as the management commands:
``drafts.writer.import_draft`` and ``drafts.export.export``. ``IssueAdmin``
takes ``ImportExportMixin``.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from ..drafts.export import FORMATS, export
from ..drafts.parser import MAX_DRAFT_BYTES, DraftError, decode_draft
from ..drafts.writer import ImportRefused, import_draft

# An import adds and changes issues and papers, drops papers that left the
# draft, and may add sections: the editor needs every one of those rights.
IMPORT_PERMISSIONS = (
    "digests.add_issue",
    "digests.change_issue",
    "digests.add_paper",
    "digests.change_paper",
    "digests.delete_paper",
    "digests.add_section",
)


class DraftImportForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        required=False,
        help_text=(
            "For example “AI Research Highlights, June–July 2023”. Optional when the draft's "
            "first line is the title (“# Title” in Markdown). Importing under the same title "
            "again updates that draft issue."
        ),
    )
    draft_file = forms.FileField(
        label="Draft file",
        required=False,
        help_text=(
            f"Plain text (.txt) or Markdown (.md), UTF-8, at most {MAX_DRAFT_BYTES // 2**20} MB."
        ),
    )
    text = forms.CharField(
        label="…or paste the draft",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "cols": 80, "spellcheck": "false"}),
    )
    format = forms.ChoiceField(
        choices=[("", "Detect"), ("text", "Plain text"), ("markdown", "Markdown")],
        required=False,
        help_text="Detected from the file name (.md) or from “##” headings when left alone.",
    )

    def clean(self):
        data = super().clean()
        upload, text = data.get("draft_file"), data.get("text") or ""
        if upload and text.strip():
            raise forms.ValidationError(
                "Choose a file or paste the draft, not both (the pasted text is kept below)."
            )
        if not upload and not text.strip():
            raise forms.ValidationError("Choose a draft file or paste the draft's text.")
        try:
            if upload:
                if upload.size > MAX_DRAFT_BYTES:
                    raise DraftError(
                        f"“{upload.name}” is {upload.size:,} bytes; drafts may be at most "
                        f"{MAX_DRAFT_BYTES:,} bytes."
                    )
                data["draft_text"] = decode_draft(upload.read(), name=f"“{upload.name}”")
                data["filename"] = upload.name
            else:
                data["draft_text"], data["filename"] = text, None
        except DraftError as error:
            raise forms.ValidationError(str(error)) from None
        return data


class ImportExportMixin:
    change_list_template = "admin/digests/issue/change_list_import.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="digests_issue_import"),
            path(
                "<path:object_id>/export/<str:fmt>/",
                wrap(self.export_view),
                name="digests_issue_export",
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request):
        return request.user.has_perms(IMPORT_PERMISSIONS)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        bound = request.method == "POST"
        form = DraftImportForm(request.POST if bound else None, request.FILES if bound else None)
        status, report = 200, None
        if bound:
            if form.is_valid():
                try:
                    report = import_draft(
                        text=form.cleaned_data["draft_text"],
                        title=form.cleaned_data["title"],
                        filename=form.cleaned_data["filename"],
                        format=form.cleaned_data["format"] or None,
                        user=request.user,
                    )
                except ImportRefused as error:
                    form.add_error(None, str(error))
            if report is None:
                status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a draft" if report is None else "Draft imported",
            "form": form,
            "report": report,
            "media": self.media + form.media,
        }
        if report is not None:
            context["issue_url"] = reverse("admin:digests_issue_change", args=[report.issue.pk])
            return TemplateResponse(request, "admin/digests/issue/import_report.html", context)
        return TemplateResponse(
            request, "admin/digests/issue/import_draft.html", context, status=status
        )

    def export_view(self, request, object_id, fmt):
        issue = self.get_object(request, object_id)
        if issue is None or fmt not in FORMATS:
            raise Http404("No such issue or export format.")
        if not self.has_view_permission(request, issue):
            raise PermissionDenied
        body, content_type, filename = export(issue, fmt)
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response
