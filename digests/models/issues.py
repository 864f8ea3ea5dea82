"""Issues: what an issue is, and what each page needs of one in a fixed
number of queries."""

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from ..comments.models import approved_count
from ..markup import html_to_text, render_markdown
from ..preview_links import new_preview_key
from ..visibility import IssueStatus, may_preview, published_q
from .base import WithoutSearchVector, unique_slug, url_for
from .papers import Paper

# What the issue page shows of each paper: its card and its line in the contents.
ISSUE_PAGE_FIELDS = (
    "pk", "issue", "section", "position", "title", "slug", "arxiv_id", "arxiv_date",
    "authors", "annotation_html", "metadata_missing", "useful_count",
    "section__name", "section__slug", "section__position",
)  # fmt: skip
# What the home page shows of the latest issue's papers: their lines in the
# contents, the first annotations, and every annotation's words for the reading time.
TABLE_OF_CONTENTS_FIELDS = (
    "pk", "issue", "section", "position", "title", "slug", "annotation_html",
    "section__name", "section__slug", "section__position",
)  # fmt: skip
# Words a minute for an issue's reading time: an adult's silent reading of
# non-fiction, slower than of a novel.
WORDS_PER_MINUTE = 230


class IssueQuerySet(models.QuerySet):
    def published(self, now=None):
        return self.filter(published_q(now=now))

    def visible_to(self, user):
        return self if may_preview(user) else self.published()

    def newest_first(self):
        return self.order_by("-published_at", "-pk")

    def with_paper_count(self):
        # Correlated subqueries, not a JOIN + GROUP BY: with ORDER BY ... LIMIT
        # the database counts only the rows it returns.
        papers = (
            Paper.objects.filter(issue=OuterRef("pk"))
            .order_by()
            .values("issue")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return self.annotate(
            paper_count=Coalesce(Subquery(papers, output_field=models.IntegerField()), 0),
        ).with_comment_counts()

    def with_comment_counts(self):
        """``comment_count``: the issue's own discussion (the comment section of
        its page); ``paper_comment_count``: the discussions of its papers, each
        on the paper's page. Shown apart, so each count agrees with its list."""
        return self.annotate(
            comment_count=approved_count("issue", paper__isnull=True),
            paper_comment_count=approved_count("issue", paper__isnull=False),
        )

    def with_table_of_contents(self):
        """What the home page shows of the latest issue: its comment counts, its
        papers' titles by section and their annotations (no tags or per-paper
        counts)."""
        return self.with_comment_counts().prefetch_related(
            Prefetch(
                "papers",
                queryset=Paper.objects.in_issue_order()
                .select_related("section")
                .only(*TABLE_OF_CONTENTS_FIELDS),
            )
        )

    def with_contents(self):
        """The issue's papers, in reading order, with what their cards show
        (their tags come from ``attach_tag_lists``, the comment counts from
        ``Comment.objects.counts``): two queries."""
        return self.prefetch_related(
            Prefetch(
                "papers",
                # Prefetching sets each paper's issue to this one: no join for it.
                queryset=Paper.objects.in_issue_order()
                .select_related("section")
                .only(*ISSUE_PAGE_FIELDS),
            )
        )


class Issue(models.Model):
    Status = IssueStatus

    title = models.CharField(
        max_length=200, help_text="For example “AI Research Highlights, June–July 2023”."
    )
    slug = models.SlugField(
        max_length=200,
        unique=True,
        blank=True,
        help_text=(
            "The issue's address on the site: /issues/this-slug/. "
            "Leave empty to derive it from the title."
        ),
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text=(
            "Drafts are visible only to editors (use “View on site” to preview). "
            "A published issue goes public at its publication time."
        ),
    )
    published_at = models.DateTimeField(
        "publication time",
        null=True,
        blank=True,
        help_text=(
            "Leave empty to publish now. A time in the future schedules the issue: it stays "
            "hidden from readers until then."
        ),
    )
    period_start = models.DateField(
        "covers from", null=True, blank=True, help_text="First day of the period this issue covers."
    )
    period_end = models.DateField(
        "covers until", null=True, blank=True, help_text="Last day of the period this issue covers."
    )
    intro = models.TextField(
        blank=True, help_text="The editor's introduction, in Markdown. Shown above the contents."
    )
    intro_html = models.TextField(blank=True, editable=False)
    intro_text = models.TextField(blank=True, editable=False)
    closing_note = models.TextField(
        blank=True,
        help_text=(
            "Your sign-off, in Markdown: a thank-you, how to support or share the magazine. "
            "Shown after the last section, before the discussion."
        ),
    )
    closing_note_html = models.TextField(blank=True, editable=False)
    # Kept current by database triggers (see digests/search/schema.py and migration
    # 0003): no code path, bulk_create included, can leave it stale. Its GIN
    # index exists on PostgreSQL only, so it is created by that migration.
    search_vector = SearchVectorField(null=True, editable=False)
    comments_open = models.BooleanField(
        "readers may comment",
        default=True,
        help_text=(
            "Untick to close the discussion. Comments also close by themselves "
            "a while after publication (see the COMMENTS_CLOSE_AFTER_DAYS setting)."
        ),
    )
    preview_key = models.CharField(
        max_length=32,
        default=new_preview_key,
        editable=False,
        help_text="Part of every preview link; a new key withdraws all earlier links.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WithoutSearchVector.from_queryset(IssueQuerySet)()
    # Derived on save (rendered HTML, plain text, search vector); the preview key
    # must not come back on a restore.
    history = HistoricalRecords(
        excluded_fields=[
            "intro_html", "intro_text", "closing_note_html", "search_vector", "updated_at",
            "preview_key",
        ]
    )  # fmt: skip

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="issue_published_has_time",
                violation_error_message="A published issue needs a publication time.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="issue_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_start__lte=models.F("period_end")),
                name="issue_period_in_order",
                violation_error_message="The period must end on or after the day it starts.",
            ),
        ]
        indexes = [models.Index(fields=["status", "published_at"], name="issue_visibility_idx")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self._default_publication_time()
        if not self.slug:
            self.slug = unique_slug(Issue, self.title, max_length=200, exclude_pk=self.pk)
        self.intro_html = render_markdown(self.intro)
        self.intro_text = html_to_text(self.intro_html)
        self.closing_note_html = render_markdown(self.closing_note)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return url_for("digests:issue", self.slug)

    def clean(self):
        # Before the constraint check: "published, no time" means "publish now".
        self._default_publication_time()

    def _default_publication_time(self):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

    @property
    def state(self):
        """'draft', 'scheduled' or 'published', as an editor would say it."""
        if self.status != self.Status.PUBLISHED:
            return "draft"
        if self.published_at and self.published_at > timezone.now():
            return "scheduled"
        return "published"

    @property
    def is_public(self):
        return self.state == "published"

    @cached_property
    def reading_minutes(self):
        """Minutes to read the issue's own words (intro, annotations, closing
        note), at least one. Pages prefetch the papers with their annotations
        (``with_contents``, ``with_table_of_contents``): no query."""
        texts = [self.intro_text, html_to_text(self.closing_note_html)]
        texts += [html_to_text(paper.annotation_html) for paper in self.papers.all()]
        words = sum(len(text.split()) for text in texts)
        return max(1, int(words / WORDS_PER_MINUTE + 0.5))  # half a minute rounds up

    def comments_closed_reason(self, now=None):
        """Why readers can't comment now, or '' when they can."""
        if not self.is_public:
            return "Comments open when the issue is published."
        if not self.comments_open:
            return "Comments on this issue are closed."
        days = settings.DIGESTS_COMMENTS_CLOSE_AFTER_DAYS
        if days and (now or timezone.now()) > self.published_at + timedelta(days=days):
            return f"Comments close {days} days after an issue is published."
        return ""


