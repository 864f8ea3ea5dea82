"""The editor's desk: issues with their papers inline, papers, sections."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator, slugify
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME
from taggit.models import Tag
from taggit.utils import parse_tags

from . import comments
from .admin_arxiv import ArxivAutofillAdminMixin, ArxivAutofillFormMixin, ArxivLookupAdminMixin
from .admin_checklist import ChecklistAdminMixin
from .admin_history import HistoryAdmin
from .admin_import import ImportExportMixin
from .admin_mixins import BadInputIs400Mixin
from .admin_paste import PasteFromArxivAdminMixin
from .admin_preview import PreviewLinkAdminMixin
from .admin_tags import TagAdmin, suggestions_url
from .arxiv import InvalidArxivId, normalize_arxiv_id
from .markup import render_comment as comments_html
from .models import BlockedTerm, Comment, Issue, Paper, Section, body_fingerprint

TEXTAREA_SMALL = {"widget": forms.Textarea(attrs={"rows": 2, "cols": 80})}
TEXTAREA_ANNOTATION = {"widget": forms.Textarea(attrs={"rows": 6, "cols": 80})}
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
        elif db_field.name in ("annotation", "abstract"):
            kwargs.update(TEXTAREA_ANNOTATION)
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
    PasteFromArxivAdminMixin,
    ArxivAutofillAdminMixin,
    ImportExportMixin,
    BadInputIs400Mixin,
    ChecklistAdminMixin,
    PreviewLinkAdminMixin,
    HistoryAdmin,
):
    list_display = ("title", "state_badge", "published_at", "period", "paper_count")
    list_filter = (StateFilter, "status")
    search_fields = ("title", "intro")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title",)}
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
        ("Discussion", {"fields": ("comments_open",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paper_total=Count("papers"))

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
    ArxivLookupAdminMixin,
    ArxivAutofillAdminMixin,
    BadInputIs400Mixin,
    PaperFieldsMixin,
    HistoryAdmin,
):
    form = PaperAdminForm
    list_display = ("title", "arxiv_link", "issue", "section", "arxiv_date")
    list_filter = ("section", "issue", "tags")
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


class CommentAdminForm(forms.ModelForm):
    editor_reply = forms.CharField(
        label="Reply as editor",
        required=False,
        max_length=Comment.BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=(
            "Posted under your name with an “Editor” badge, published at once. "
            "Replying to a pending comment approves it."
        ),
    )

    class Meta:
        model = Comment
        fields = ["status"]

    def clean_editor_reply(self):
        reply = comments.clean_text(self.cleaned_data["editor_reply"]).strip()
        replyable = (Comment.Status.PENDING, Comment.Status.APPROVED)
        if reply and self.cleaned_data.get("status", self.instance.status) not in replyable:
            raise forms.ValidationError(
                "Replies go only to approved or pending comments; this one is marked as "
                f"{self.instance.get_status_display().lower()}."
            )
        if (
            reply
            and Comment.objects.filter(
                issue=self.instance.issue_id, body_hash=body_fingerprint(reply)
            ).exists()
        ):
            raise forms.ValidationError("This exact comment has already been posted here.")
        return reply


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        return Comment.Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(Comment)
class CommentAdmin(BadInputIs400Mixin, admin.ModelAdmin):
    """The moderation queue: pending comments first, bulk actions, reply as editor."""

    form = CommentAdminForm
    list_display = (
        "excerpt",
        "author_name",
        "status_badge",
        "held_reason",
        "issue_link",
        "paper_link",
        "created_at",
    )
    list_filter = (StatusFilter, "is_editor", ("issue", admin.RelatedOnlyFieldListFilter))
    search_fields = ("body", "author_name", "author_email")
    list_select_related = ("issue", "paper")
    list_per_page = 50
    actions = ["approve", "mark_spam", "remove"]
    date_hierarchy = "created_at"
    readonly_fields = (
        "shown_body",
        "author_name",
        "author_email",
        "is_editor",
        "issue_link",
        "paper_link",
        "thread_link",
        "held_reason",
        "notify_replies",
        "created_at",
        "moderated_at",
        "ip_hash",
        "user_agent",
    )
    fieldsets = (
        (None, {"fields": ("shown_body", "status", "held_reason")}),
        ("Where", {"fields": ("issue_link", "paper_link", "thread_link")}),
        (
            "Who",
            {
                "fields": (
                    ("author_name", "is_editor"),
                    "author_email",
                    "notify_replies",
                    "ip_hash",
                    "user_agent",
                )
            },
        ),
        ("When", {"fields": ("created_at", "moderated_at")}),
        ("Reply", {"fields": ("editor_reply",)}),
    )

    def has_add_permission(self, request):
        return False  # comments come from readers; editors reply to one

    def get_queryset(self, request):
        return super().get_queryset(request).pending_first()

    @admin.display(description="comment")
    def excerpt(self, comment):
        return Truncator(comment.body).chars(90)

    @admin.display(description="comment")
    def shown_body(self, comment):
        return format_html('<div class="comment-body">{}</div>', comments_html(comment.body))

    @admin.display(description="status", ordering="status")
    def status_badge(self, comment):
        return format_html(
            '<span class="state state--{}">{}</span>', comment.status, comment.get_status_display()
        )

    @admin.display(description="issue", ordering="issue__title")
    def issue_link(self, comment):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:digests_issue_change", args=[comment.issue_id]),
            comment.issue.title,
        )

    @admin.display(description="paper")
    def paper_link(self, comment):
        if not comment.paper_id:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:digests_paper_change", args=[comment.paper_id]),
            Truncator(comment.paper.title).chars(60),
        )

    @admin.display(description="on the site")
    def thread_link(self, comment):
        if not comment.is_public:
            return f"Not shown to readers (status: {comment.get_status_display()})"
        return format_html('<a href="{0}">{0}</a>', comment.get_absolute_url())

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data:
            comments.moderate(Comment.objects.filter(pk=obj.pk), obj.status)
            obj.refresh_from_db()
        reply = form.cleaned_data.get("editor_reply")
        if reply:
            if obj.status == Comment.Status.PENDING:
                comments.moderate(Comment.objects.filter(pk=obj.pk), Comment.Status.APPROVED)
                obj.refresh_from_db()
            try:
                comments.create(
                    issue=obj.issue, reply_to=obj, body=reply, user=request.user, rate_limit=False
                )
            except comments.CommentRefused as refusal:
                self.message_user(request, f"Your reply was not posted: {refusal}", messages.ERROR)
            else:
                self.message_user(request, "Your reply is published.")

    def _moderate(self, request, queryset, status, verb):
        changed = comments.moderate(queryset, status)
        self.message_user(request, f"{verb} {len(changed)} comment(s).")

    @admin.action(description="Approve selected comments", permissions=["change"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.APPROVED, "Approved")

    @admin.action(description="Mark selected comments as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.SPAM, "Marked as spam:")

    @admin.action(description="Remove selected comments", permissions=["change"])
    def remove(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.REMOVED, "Removed")

    class Media:
        css = {"all": ["css/admin.css"]}


@admin.register(BlockedTerm)
class BlockedTermAdmin(BadInputIs400Mixin, admin.ModelAdmin):
    list_display = ("term", "created_at")
    search_fields = ("term",)


# django-taggit's own tag admin knows neither case-insensitive names nor redirects.
if admin.site.is_registered(Tag):
    admin.site.unregister(Tag)
admin.site.register(Tag, TagAdmin)
