"""Preview of an editor's Markdown, rendered by the server.

The preview goes through ``markup.render_markdown``, the function that
renders the stored HTML on save, so what the editor sees is what readers will
get, sanitiser included; the browser never renders Markdown itself.

* ``MarkdownTextarea``: the textarea with a "Preview" button beneath it,
  hidden until static/js/markdown-preview.js shows it (without JavaScript the
  field is a plain textarea);
* ``MarkdownPreviewAdminMixin``: the view the button posts to,
  ``…/issue/markdown-preview/``, answering the sanitised HTML fragment.
  Staff only (the admin's own sign-in check), CSRF protected, POST only.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from ..markup import render_markdown

# Far above any intro or annotation; enough to refuse a megabyte pasted by mistake.
MAX_MARKDOWN_CHARS = 50_000
SCRIPT = forms.Script("js/markdown-preview.js", defer=True)
# Whoever may write an intro, a closing note or an annotation may preview one.
PREVIEW_PERMISSIONS = (
    "digests.add_issue",
    "digests.change_issue",
    "digests.add_paper",
    "digests.change_paper",
)


class PreviewForm(forms.Form):
    text = forms.CharField(max_length=MAX_MARKDOWN_CHARS, strip=False, required=False)


class MarkdownTextarea(forms.Textarea):
    """A Markdown textarea with a server-rendered "Preview" below it."""

    @property
    def media(self):
        return forms.Media(js=[SCRIPT], css={"all": ["css/admin.css"]})

    def render(self, name, value, attrs=None, renderer=None):
        textarea = super().render(name, value, attrs, renderer)
        return format_html(
            '<div class="markdown-field">{}'
            '<div class="markdown-field__tools"><button type="button" '
            'class="button markdown-preview-button" data-markdown-preview="{}" hidden>'
            "Preview</button></div>"
            '<div class="markdown-preview" role="region" aria-label="Preview" hidden></div>'
            "</div>",
            textarea,
            reverse("admin:digests_issue_markdown_preview"),
        )


class MarkdownPreviewAdminMixin:
    """``markdown-preview/`` under the issue admin, for every Markdown field."""

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.markdown_preview_view))
        return [
            path("markdown-preview/", view, name="digests_issue_markdown_preview"),
            *super().get_urls(),
        ]

    def markdown_preview_view(self, request):
        if not any(request.user.has_perm(name) for name in PREVIEW_PERMISSIONS):
            raise PermissionDenied
        form = PreviewForm(request.POST)
        if "text" not in request.POST or not form.is_valid():
            reason = "; ".join(form.errors.get("text", [])) or "Send the Markdown as “text”."
            return HttpResponseBadRequest(reason, content_type="text/plain; charset=utf-8")
        response = HttpResponse(
            render_markdown(form.cleaned_data["text"]), content_type="text/html; charset=utf-8"
        )
        response["Cache-Control"] = "private, no-store"
        return response
