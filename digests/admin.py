"""The editor's desk: issues with their papers inline, papers, sections, tags.

The moderation queue is in ``comments/admin.py``; the extra pages the
issue's form links to are in ``editor/``."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME
from taggit.models import Tag
from taggit.utils import parse_tags

from .arxiv.ids import InvalidArxivId, normalize_arxiv_id
from .comments import admin as comments_admin  # noqa: F401  (registers the moderation queue)
from .editor.autofill import (
    ArxivAutofillAdminMixin,
    ArxivAutofillFormMixin,
    ArxivLookupAdminMixin,
)
from .editor.checklist import ChecklistAdminMixin
from .editor.fetch_missing import FetchMissingActionMixin, FetchMissingIssueAdminMixin
from .editor.history import HistoryAdmin
from .editor.import_export import ImportExportMixin
from .editor.mixins import BadInputIs400Mixin
from .editor.new_issue import NewIssueAdminMixin
from .editor.paste import PasteFromArxivAdminMixin
from .editor.preview import MarkdownPreviewAdminMixin, MarkdownTextarea
from .editor.preview_links import PreviewLinkAdminMixin
from .editor.tags import TagAdmin, suggestions_url
from .models import Issue, Paper, Section
from .newsletter import admin as newsletter_admin  # noqa: F401  (registers deliveries)
from .newsletter.issue_panel import NewsletterIssueAdminMixin
from .subscriptions import admin as subscriptions_admin  # noqa: F401  (registers subscribers)

TEXTAREA_SMALL = {"widget": forms.Textarea(attrs={"rows": 2, "cols": 80})}
TEXTAREA_ANNOTATION = {"widget": forms.Textarea(attrs={"rows": 6, "cols": 80})}
# Intro, closing note and annotations: Markdown, with a Preview rendered by the server.
MARKDOWN = {"widget": MarkdownTextarea(attrs={"rows": 6, "cols": 80})}
# capfirst() would print "ArXiv"; the name is spelled with a small a.
LABELS = {"arxiv_id": "arXiv id", "arxiv_date": "arXiv date", "primary_category": "arXiv category"}


class PaperAdminForm(ArxivAutofillFormMixin, forms.ModelForm):
    class Media:
        js = ("js/tag-autocomplete.js",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "tags" in self.fields:
            self.fields["tags"].widget.attrs["data-tag-suggest"] = suggestions_url()
        record = getattr(self.instance, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None)
        if record is not None and "tags" in self.fields:
            # Restoring an old version: its tags, not today's (they live in another table).
            self.initial["tags"] = [Tag(name=name) for name in parse_tags(record.tag_names)]

    def clean_tags(self):
        tags = self.cleaned_data.get("tags") or []
        unusable = [name for name in tags if not slugify(name, allow_unicode=True)]
        if unusable:
            raise forms.ValidationError(
                "A tag needs at least one letter or digit: "
                + ", ".join(f"“{name}”" for name in unusable)
            )
        return tags


class PaperFieldsMixin:
    """Widgets and labels shared by the paper form and the inline rows."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "authors":
            kwargs.update(TEXTAREA_SMALL)
        elif db_field.name == "abstract":
            kwargs.update(TEXTAREA_ANNOTATION)
        elif db_field.name == "annotation":
            kwargs.update(MARKDOWN)
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name in LABELS:
            field.label = LABELS[db_field.name]
        return field


class StateFilter(admin.SimpleListFilter):
    """Draft / scheduled / published, as editors think of an issue."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("draft", "Draft"), ("scheduled", "Scheduled"), ("published", "Published")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "draft":
            return queryset.filter(status=Issue.Status.DRAFT)
        if self.value() == "scheduled":
            return queryset.filter(status=Issue.Status.PUBLISHED, published_at__gt=now)
        if self.value() == "published":
            return queryset.published(now=now)
        return queryset


class PaperInline(PaperFieldsMixin, admin.StackedInline):
    model = Paper
    form = PaperAdminForm
    # Saved papers as one line each, opening in place (see the template).
    template = "admin/digests/issue/paper_rows.html"
    extra = 1
    ordering = ("section__position", "position", "pk")
    fields = (
        ("section", "position"),
        ("arxiv_id", "arxiv_date"),
        "title",
        "authors",
        ("primary_category", "arxiv_version"),
        "abstract",
        "annotation",
        "tags",
    )
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("section").prefetch_related("tags")


@admin.register(Issue)
class IssueAdmin(
    NewIssueAdminMixin,
    MarkdownPreviewAdminMixin,
    PasteFromArxivAdminMixin,
    FetchMissingIssueAdminMixin,
    ArxivAutofillAdminMixin,
    ImportExportMixin,
    BadInputIs400Mixin,
    ChecklistAdminMixin,
    NewsletterIssueAdminMixin,
    PreviewLinkAdminMixin,
    HistoryAdmin,
):
    list_display = ("title", "state_badge", "published_at", "period", "paper_count")
    list_filter = (StateFilter, "status")
    search_fields = ("title", "intro")
    date_hierarchy = "published_at"
    inlines = [PaperInline]
    actions = ["publish_now", "unpublish"]
    save_on_top = True

    class Media:
        css = {"all": ["css/admin.css"]}

    fieldsets = (
        (None, {"fields": ("title", "slug")}),
        (
            "Publication",
            {
                "fields": ("status", "published_at"),
                "description": (
                    "A draft is visible only to editors: save it and use “View on site” to "
                    "preview. Choose “Published” to release it; leave the time empty to "
                    "publish at once, or set a future time to schedule it."
                ),
            },
        ),
        (
            "Period covered",
            {
                "fields": (("period_start", "period_end"),),
                "description": (
                    "The checklist above warns about papers whose arXiv date falls outside "
                    "these days (a missing end leaves that side open)."
                ),
            },
        ),
        ("Introduction", {"fields": ("intro",)}),
        ("Closing note", {"fields": ("closing_note",)}),
        ("Discussion", {"fields": ("comments_open",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paper_total=Count("papers"))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("intro", "closing_note"):
            kwargs.update(MARKDOWN)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="state", ordering="status")
    def state_badge(self, issue):
        label = {"draft": "Draft", "scheduled": "Scheduled", "published": "Published"}[issue.state]
        return format_html('<span class="state state--{}">{}</span>', issue.state, label)

    @admin.display(description="period")
    def period(self, issue):
        if issue.period_start and issue.period_end:
            return f"{issue.period_start:%d %b} – {issue.period_end:%d %b %Y}"
        return "—"

    @admin.display(description="papers", ordering="paper_total")
    def paper_count(self, issue):
        return issue.paper_total

    @admin.action(description="Publish selected issues now", permissions=["change"])
    def publish_now(self, request, queryset):
        now = timezone.now()
        count = 0
        for issue in queryset:
            if issue.is_public:
                continue
            issue.status = Issue.Status.PUBLISHED
            if issue.published_at is None or issue.published_at > now:
                issue.published_at = now
            issue.save(update_fields=["status", "published_at", "updated_at"])
            count += 1
        self.message_user(request, f"Published {count} issue(s). Readers can see them now.")

    @admin.action(description="Unpublish selected issues (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        count = 0
        for issue in queryset.exclude(status=Issue.Status.DRAFT):
            issue.status = Issue.Status.DRAFT
            issue.save(update_fields=["status", "updated_at"])
            count += 1
        self.message_user(
            request,
            f"Moved {count} issue(s) back to draft. Readers no longer see them.",
            messages.WARNING if count else messages.INFO,
        )


@admin.register(Paper)
class PaperAdmin(
    FetchMissingActionMixin,
    ArxivLookupAdminMixin,
    ArxivAutofillAdminMixin,
    BadInputIs400Mixin,
    PaperFieldsMixin,
    HistoryAdmin,
):
    form = PaperAdminForm
    list_display = ("title", "arxiv_link", "issue", "section", "arxiv_date", "details_marker")
    list_filter = ("metadata_missing", "section", "issue", "tags")
    actions = ["fetch_missing_details"]
    history_list_display = ("tags",)  # the column of the history page
    list_select_related = ("issue", "section")
    search_fields = ("title", "arxiv_id", "authors")
    autocomplete_fields = ("issue",)
    date_hierarchy = "arxiv_date"
    fieldsets = (
        (None, {"fields": ("issue", ("section", "position"), "title", "slug")}),
        (
            "arXiv",
            {
                "fields": (
                    ("arxiv_id", "arxiv_date"),
                    ("primary_category", "arxiv_version"),
                    "authors",
                    "abstract",
                    "metadata_missing",
                )
            },
        ),
        ("Editor's notes", {"fields": ("annotation", "tags")}),
    )

    class Media:
        css = {"all": ["css/admin.css"]}

    def tags(self, record):
        """A history record's tags, as they were then."""
        return record.tag_names or "—"

    @admin.display(description="arXiv", ordering="arxiv_id")
    def arxiv_link(self, paper):
        return format_html('<a href="{}">{}</a>', paper.abs_url, paper.arxiv_id)

    @admin.display(description="arXiv details", ordering="metadata_missing")
    def details_marker(self, paper):
        if paper.metadata_missing:
            return format_html('<span class="state state--draft">{}</span>', "missing")
        return ""

    def get_search_results(self, request, queryset, search_term):
        # An editor who pastes an arXiv link finds the paper by its id.
        try:
            return queryset.filter(arxiv_id=normalize_arxiv_id(search_term)), False
        except InvalidArxivId:
            return super().get_search_results(request, queryset, search_term)


@admin.register(Section)
class SectionAdmin(BadInputIs400Mixin, admin.ModelAdmin):
    list_display = ("name", "position", "paper_count")
    list_editable = ("position",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paper_total=Count("papers"))

    @admin.display(description="papers", ordering="paper_total")
    def paper_count(self, section):
        return section.paper_total


# django-taggit's own tag admin knows neither case-insensitive names nor redirects.
if admin.site.is_registered(Tag):
    admin.site.unregister(Tag)
admin.site.register(Tag, TagAdmin)
