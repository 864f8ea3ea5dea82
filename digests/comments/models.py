"""Comments under issues and papers, and the terms that hold them for moderation."""

from functools import cache
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connections, models, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone

from ..visibility import published_q
from .text import body_fingerprint, comparable


@cache
def approved_count(field, **extra):
    """A subquery counting the approved comments of the outer row.

    Only for rows that are themselves visible (a page never counts comments of
    an issue it could not show), so the issue's own visibility need not be
    joined again for every comment. Built once per process: building it costs
    more Python than the database spends running it, and a query never
    changes an expression it is given (it resolves a copy), so every page
    can share one."""
    counts = (
        Comment.objects.approved()
        .filter(**{field: OuterRef("pk")}, **extra)
        .order_by()
        .values(field)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counts, output_field=models.IntegerField()), 0)


# What a page shows of a comment (digests/_comment.jinja): the rest (the
# address, the IP hash, the browser) never leaves the admin.
SHOWN_FIELDS = (
    "issue", "paper", "parent", "in_reply_to", "author_name", "is_editor", "body", "created_at",
)  # fmt: skip


class DiscussionCounts(NamedTuple):
    """Approved comments of an issue: by paper (``None``: the issue's own
    discussion), each as (comments, threads)."""

    by_paper: dict

    @property
    def total(self):
        """Every approved comment under the issue, on it or on one of its papers."""
        return sum(comments for comments, _ in self.by_paper.values())

    def of(self, paper_id=None):
        """(comments, threads) of one discussion: the issue's own, or a paper's."""
        return self.by_paper.get(paper_id, (0, 0))


# Counted in one grouped statement of plain SQL: asked as subqueries of the
# page's issue or paper, the same counts cost Django more to build than every
# other query of the page, and the database next to nothing.
COUNTS_SQL = """
SELECT paper_id, count(*), sum(CASE WHEN parent_id IS NULL THEN 1 ELSE 0 END)
FROM {table} WHERE issue_id = %s AND status = %s GROUP BY paper_id
"""


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def public(self, now=None):
        """The only comments readers ever see: approved, under a public issue."""
        return self.approved().filter(published_q("issue__", now=now))

    def discussion(self, issue, paper=None):
        """The comments a page shows under ``issue`` (or one of its papers): the
        approved ones. For the page's own issue, which the view has already
        found visible to this reader; the same comments ``approved_count``
        counts, so a page's counts and its list always agree."""
        return self.approved().filter(issue=issue, paper=paper).only(*SHOWN_FIELDS)

    def counts(self, issue):
        """``DiscussionCounts`` of ``issue`` (one query), for a page that shows it."""
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                COUNTS_SQL.format(table=self.model._meta.db_table),
                [issue.pk, Comment.Status.APPROVED],
            )
            return DiscussionCounts({paper: (n, threads) for paper, n, threads in cursor})

    def threads(self):
        """Top-level comments, oldest first, with what their heading shows."""
        return self.filter(parent__isnull=True).order_by("created_at", "pk")

    def follow_paper(self, paper):
        """Move ``paper``'s discussion into the paper's (new) issue, except a
        comment that issue already holds word for word, which stays put."""
        for comment in self.filter(paper=paper).exclude(issue_id=paper.issue_id):
            try:
                with transaction.atomic():
                    self.filter(pk=comment.pk).update(issue_id=paper.issue_id)
            except IntegrityError:
                pass

    def pending_first(self):
        order = models.Case(
            models.When(status=Comment.Status.PENDING, then=0),
            default=1,
            output_field=models.IntegerField(),
        )
        return self.alias(pending_order=order).order_by("pending_order", "-created_at")


class Comment(models.Model):
    """A reader's (or an editor's) comment under an issue or one of its papers.

    Replies are one level deep: ``parent`` is always a top-level comment, and
    ``in_reply_to`` remembers which comment of the thread was answered.
    """

    BODY_MAX_LENGTH = 5000

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"

    issue = models.ForeignKey("digests.Issue", on_delete=models.CASCADE, related_name="comments")
    paper = models.ForeignKey(
        "digests.Paper",
        on_delete=models.CASCADE,
        related_name="comments",
        null=True,
        blank=True,
        help_text="Set when the comment discusses one paper (it then shows on that paper's page).",
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, related_name="replies", null=True, blank=True
    )
    in_reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    author_name = models.CharField(max_length=80)
    author_email = models.EmailField(help_text="Never shown publicly.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    is_editor = models.BooleanField(
        default=False, help_text="Written by a signed-in editor; shown with an “Editor” badge."
    )
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    body_hash = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    held_reason = models.CharField(
        max_length=200, blank=True, help_text="Why the rules held this comment for moderation."
    )
    notify_replies = models.BooleanField(
        "e-mail me replies", default=False, help_text="The author asked to hear about replies."
    )
    user_agent = models.CharField(max_length=300, blank=True)
    ip_hash = models.CharField(
        "IP hash", max_length=64, blank=True, help_text="Salted hash of the address; never the IP."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    moderated_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "spam", "removed"]),
                name="comment_status_valid",
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("body"), 1)
                & LessThanOrEqual(Length("body"), 5000),
                name="comment_body_length",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=False) | Q(in_reply_to__isnull=True),
                name="comment_reply_has_thread",
            ),
            models.UniqueConstraint(
                fields=["issue", "body_hash"],
                name="comment_body_once_per_issue",
                violation_error_message="This exact comment has already been posted here.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["issue", "paper", "status", "parent", "created_at"],
                name="comment_thread_idx",
            ),
            models.Index(fields=["paper", "status"], name="comment_paper_idx"),
            models.Index(fields=["author_email", "status"], name="comment_author_idx"),
            models.Index(fields=["status", "created_at"], name="comment_queue_idx"),
        ]

    def __str__(self):
        return f"{self.author_name} on {self.issue}: {self.body[:50]}"

    def save(self, *args, **kwargs):
        self.body_hash = body_fingerprint(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The comment's anchor on the page (and comment page) where its thread is."""
        root = self.parent or self
        earlier = (
            Comment.objects.public()
            .threads()
            .filter(issue_id=root.issue_id, paper_id=root.paper_id)
            .filter(
                Q(created_at__lt=root.created_at) | Q(created_at=root.created_at, pk__lt=root.pk)
            )
            .count()
        )
        page = earlier // settings.DIGESTS_COMMENTS_PER_PAGE + 1
        base = (root.paper or root.issue).get_absolute_url()
        query = f"?comments={page}" if page > 1 else ""
        return f"{base}{query}#{self.anchor}"

    @property
    def anchor(self):
        return f"comment-{self.pk}"

    @property
    def is_approved(self):
        return self.status == self.Status.APPROVED


class BlockedTerm(models.Model):
    """A word, phrase or domain that holds a comment for moderation."""

    term = models.CharField(
        max_length=100,
        unique=True,
        help_text=(
            "Matched case-insensitively as a whole word or phrase, "
            "e.g. “casino” or “cheap-pills.example”."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]
        verbose_name = "blocked term"

    def __str__(self):
        return self.term

    def save(self, *args, **kwargs):
        self.term = comparable(self.term)
        super().save(*args, **kwargs)

    def clean(self):
        # Before the unique check, so “Casino” is caught as a duplicate of “casino”.
        self.term = comparable(self.term)
