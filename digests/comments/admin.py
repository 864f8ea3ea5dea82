"""The moderation queue: pending comments first, bulk actions, reply as editor;
and the blocked terms that hold comments for moderation."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Case, Value, When
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from ..editor.mixins import BadInputIs400Mixin
from ..markup import render_comment
from . import rules
from .models import BlockedTerm, Comment
from .refusals import CommentRefused
from .text import body_fingerprint, clean_text


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
        reply = clean_text(self.cleaned_data["editor_reply"]).strip()
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
    # Awaiting approval first, then newest. The changelist orders by this (or by
    # the column an editor clicks), never by the queryset's own order.
    ordering = (
        Case(When(status=Comment.Status.PENDING, then=Value(0)), default=Value(1)).asc(),
        "-created_at",
    )
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
        return format_html('<div class="comment-body">{}</div>', render_comment(comment.body))

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
        if not comment.is_approved:
            return f"Not shown to readers (status: {comment.get_status_display()})"
        return format_html('<a href="{0}">{0}</a>', comment.get_absolute_url())

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data:
            rules.moderate(Comment.objects.filter(pk=obj.pk), obj.status)
            obj.refresh_from_db()
        reply = form.cleaned_data.get("editor_reply")
        if reply:
            if obj.status == Comment.Status.PENDING:
                rules.moderate(Comment.objects.filter(pk=obj.pk), Comment.Status.APPROVED)
                obj.refresh_from_db()
            try:
                rules.create(
                    issue=obj.issue,
                    reply_to=obj.pk,
                    body=reply,
                    editor=rules.editor_for(request.user),
                    rate_limit=False,
                )
            except CommentRefused as refusal:
                self.message_user(request, f"Your reply was not posted: {refusal}", messages.ERROR)
            else:
                self.message_user(request, "Your reply is published.")

    def _moderate(self, request, queryset, status, verb):
        changed = rules.moderate(queryset, status)
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
