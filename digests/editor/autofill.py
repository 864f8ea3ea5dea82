"""arXiv autofill in the editor's forms.

Three pieces, used by the paper form and the issue's inline paper rows:

* ``ArxivIdWidget``: the arXiv id input with a "Fetch from arXiv" button
  (static/js/arxiv-autofill.js fills the row from the lookup endpoint);
* ``ArxivLookupAdminMixin``: that endpoint, ``…/paper/arxiv-lookup/?id=``,
  answering JSON for editors who may add or change papers;
* ``ArxivAutofillFormMixin`` / ``ArxivAutofillAdminMixin``: the same autofill
  on save, for rows whose metadata fields are still empty. The admin asks
  arXiv once for all rows of the page (one batched request) *before* it opens
  its database transaction: on SQLite that transaction holds the write lock,
  and no one else should wait for arXiv.

Nothing an editor typed is replaced: only empty fields are filled.
"""

import contextvars

from django import forms
from django.contrib.admin.utils import unquote
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET

from ..arxiv.client import ArxivBusy, ArxivError, ArxivNotFound, fetch_paper, fetch_papers
from ..arxiv.ids import InvalidArxivId, parse_arxiv_id

# Form fields arXiv can fill, and the ones a paper cannot be saved without.
AUTOFILL_FIELDS = (
    "title",
    "authors",
    "arxiv_date",
    "abstract",
    "primary_category",
    "arxiv_version",
)
REQUIRED_FIELDS = ("title", "arxiv_date")
SCRIPT = forms.Script("js/arxiv-autofill.js", defer=True)
# (ids asked for, {id: ArxivPaper}, error or None) of the admin request being handled.
_PREFETCHED = contextvars.ContextVar("arxiv_prefetched", default=None)


def status_for(error):
    """The HTTP status for an arXiv failure: 4xx, as it is not this site's fault.

    424 (Failed Dependency) says "arXiv failed us"; 5xx stays reserved for our
    own bugs, so monitoring does not page anyone when arXiv is down."""
    if isinstance(error, InvalidArxivId):
        return 400
    if isinstance(error, ArxivNotFound):
        return 404
    if isinstance(error, ArxivBusy):
        return 429
    return 424


class ArxivIdWidget(forms.TextInput):
    """The id input, a "Fetch from arXiv" button (shown by the script) and a status line."""

    @property
    def media(self):
        return forms.Media(js=[SCRIPT], css={"all": ["css/admin.css"]})

    def render(self, name, value, attrs=None, renderer=None):
        attrs = {**(attrs or {}), "data-arxiv-id": ""}
        field = super().render(name, value, attrs, renderer)
        return format_html(
            '<span class="arxiv-fetch-wrap">{}<button type="button" class="button arxiv-fetch" '
            'data-arxiv-lookup="{}" hidden>Fetch from arXiv</button></span>'
            '<span class="arxiv-status" role="status" aria-live="polite"></span>',
            field,
            reverse("admin:digests_paper_arxiv_lookup"),
        )


class ArxivLookupAdminMixin:
    """``arxiv-lookup/?id=…`` under the paper admin: one paper's metadata as JSON."""

    def get_urls(self):
        lookup = self.admin_site.admin_view(require_GET(self.arxiv_lookup_view))
        return [
            path("arxiv-lookup/", lookup, name="digests_paper_arxiv_lookup"),
            *super().get_urls(),
        ]

    def arxiv_lookup_view(self, request):
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            return JsonResponse(
                {"error": "You need permission to add or change papers.", "code": "forbidden"},
                status=403,
            )
        try:
            identifier = parse_arxiv_id(request.GET.get("id", "")[:300]).identifier
            paper = fetch_paper(identifier)
        except (InvalidArxivId, ArxivError) as error:
            return JsonResponse(
                {"error": str(error), "code": type(error).__name__}, status=status_for(error)
            )
        return JsonResponse({"paper": paper.as_json()})


class ArxivAutofillFormMixin:
    """Fills a paper's empty metadata fields from arXiv when the form is saved.

    A lookup happens when the title or date is missing, or when the row is
    new (or its arXiv id changed) and any field arXiv knows is still empty.
    If it fails while the title or date is missing, the arXiv error is shown
    beside the arXiv id and everything typed stays in the form.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in REQUIRED_FIELDS:
            if name in self.fields:
                self.fields[name].required = False  # arXiv may still fill it
        if "arxiv_id" in self.fields:
            field = self.fields["arxiv_id"]
            field.widget = ArxivIdWidget(attrs=field.widget.attrs)

    def arxiv_id_needing_lookup(self):
        """The id to look up on save, from what was sent (None when nothing to fill)."""
        if not self.is_bound or "arxiv_id" not in self.fields:
            return None
        if self.data.get(self.add_prefix("DELETE")) or (
            self.empty_permitted and not self.has_changed()
        ):
            return None
        try:
            identifier = parse_arxiv_id(self["arxiv_id"].data).identifier
        except InvalidArxivId:
            return None
        fields = [name for name in AUTOFILL_FIELDS if name in self.fields]
        empty = [name for name in fields if not str(self[name].data or "").strip()]
        if any(name in empty for name in REQUIRED_FIELDS):
            return identifier
        is_new = self.instance.pk is None or identifier != self.instance.arxiv_id
        return identifier if empty and is_new else None

    def clean(self):
        cleaned = super().clean()
        identifier = self.arxiv_id_needing_lookup()
        if identifier and not self.has_error("arxiv_id"):
            paper, error = self._arxiv_lookup(identifier)
            if paper is not None:
                self._fill_from(paper, cleaned)
            elif self._missing_required(cleaned):
                self.add_error("arxiv_id", str(error))
                return cleaned
        for name in self._missing_required(cleaned):
            if not self.has_error(name):
                self.add_error(name, forms.Field.default_error_messages["required"])
        return cleaned

    def _arxiv_lookup(self, identifier):
        prefetched = _PREFETCHED.get()
        if prefetched is not None and identifier in prefetched[0]:
            _, papers, error = prefetched
            if identifier in papers:
                return papers[identifier], None
            return None, error or ArxivNotFound([identifier])
        try:
            return fetch_paper(identifier), None
        except ArxivError as error:
            return None, error

    def _fill_from(self, paper, cleaned):
        values = {
            "title": paper.title[:300],
            "authors": paper.authors_text,
            "arxiv_date": paper.published,
            "abstract": paper.abstract,
            "primary_category": paper.primary_category,
            "arxiv_version": paper.version,
        }
        for name, value in values.items():
            if name in self.fields and cleaned.get(name) in (None, "") and name not in self.errors:
                cleaned[name] = value

    def _missing_required(self, cleaned):
        return [
            name
            for name in REQUIRED_FIELDS
            if name in self.fields and cleaned.get(name) in (None, "") and name not in self.errors
        ]


class ArxivAutofillAdminMixin:
    """Asks arXiv for every form on the page before the admin's transaction begins.

    Builds the posted form and inline formsets once more (a few queries) to
    learn which rows need a lookup, fetches them in one batched request, and
    lets the forms' ``clean()`` read the answer, or the error, from there.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        token = _PREFETCHED.set(self._arxiv_prefetch(request, object_id))
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        finally:
            _PREFETCHED.reset(token)

    def _arxiv_prefetch(self, request, object_id):
        if "_saveasnew" in request.POST:
            object_id = None
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        allowed = (
            self.has_change_permission(request, obj)
            if object_id
            else self.has_add_permission(request)
        )
        if (object_id and obj is None) or not allowed:
            return None  # the admin answers these requests itself
        form_class = self.get_form(request, obj, change=obj is not None)
        form = form_class(request.POST, request.FILES, instance=obj)
        formsets, _ = self._create_formsets(request, form.instance, change=obj is not None)
        every_form = [form, *(row for formset in formsets for row in formset.forms)]
        wanted = [
            identifier
            for row in every_form
            if isinstance(row, ArxivAutofillFormMixin)
            and (identifier := row.arxiv_id_needing_lookup())
        ]
        if not wanted:
            return None
        try:
            return set(wanted), fetch_papers(wanted, missing_ok=True), None
        except ArxivError as error:
            return set(wanted), {}, error
