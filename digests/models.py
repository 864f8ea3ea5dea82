"""Sections, issues, papers and comments.

Who may see what is decided here, in QuerySet methods, and nowhere else:
views, feeds, sitemaps and template tags all start from ``published()`` or
``visible_to(user)``.
"""

import hashlib
import unicodedata
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import IntegrityError, connections, models, transaction
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from . import arxiv
from .fields import ArxivIdField
from .history import PaperHistory, TagsSnapshot
from .markup import html_to_text, render_markdown
from .preview_links import new_preview_key

EDIT_PERMISSION = "digests.change_issue"


def published_q(prefix="", now=None):
    """The rule "an issue is public": published, and its time has come."""
    return Q(
        **{
            f"{prefix}status": Issue.Status.PUBLISHED,
            f"{prefix}published_at__lte": now or timezone.now(),
        }
    )


@lru_cache(maxsize=65536)
def url_for(name, slug):
    """reverse() for the site's slug URLs, remembered: a page links hundreds of them."""
    return reverse(name, kwargs={"slug": slug})


# Lookup paths from a Tag to its papers and their issues (for the visibility rule).
TAG_PAPER = "digests_taggedpaper_items__content_object__"
TAG_ISSUE = f"{TAG_PAPER}issue__"


def public_tags():
    """Tags on at least one published paper (tags used only on drafts stay secret)."""
    return Tag.objects.filter(published_q(TAG_ISSUE)).exclude(slug="").distinct()


def public_comment_count(field, **extra):
    """A subquery counting the approved comments of the outer row.

    Only for rows that are themselves visible (a page never counts comments of
    an issue it could not show), so the issue's own visibility need not be
    joined again for every comment."""
    counts = (
        Comment.objects.approved()
        .filter(**{field: OuterRef("pk")}, **extra)
        .order_by()
        .values(field)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counts, output_field=models.IntegerField()), 0)


def may_preview(user):
    """Editors who may change issues also see drafts and scheduled issues."""
    return bool(user and user.is_active and user.is_staff and user.has_perm(EDIT_PERMISSION))


def unique_slug(model, text, *, max_length, exclude_pk=None):
    """A slug from ``text`` that no other row of ``model`` uses yet."""
    base = slugify(text)[:max_length].strip("-") or "untitled"
    taken = set(
        model.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, counter = base, 2
    while slug in taken:
        suffix = f"-{counter}"
        slug = base[: max_length - len(suffix)].rstrip("-") + suffix
        counter += 1
    return slug


class Section(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(
        blank=True, help_text="One or two sentences shown on the section's page."
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Sections appear in every issue in this order (smallest first)."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return url_for("digests:section", self.slug)


class WithoutSearchVector(models.Manager):
    """Rows are read without their search vectors: only the database's search reads them."""

    search_fields = ("search_vector",)

    def get_queryset(self):
        return super().get_queryset().defer(*self.search_fields)


class PaperManager(WithoutSearchVector):
    search_fields = ("search_vector", "search_head")


# What a table of contents shows of a paper and its section.
TABLE_OF_CONTENTS_FIELDS = (
    "pk", "issue", "section", "position", "title", "slug",
    "section__name", "section__slug", "section__position",
)  # fmt: skip


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
            comment_count=public_comment_count("issue"),
        )

    def with_table_of_contents(self):
        """What the home page shows of the latest issue: its comment count and its
        papers' titles by section (no tags, annotations or per-paper counts)."""
        return self.annotate(comment_count=public_comment_count("issue")).prefetch_related(
            Prefetch(
                "papers",
                queryset=Paper.objects.in_issue_order()
                .select_related("section")
                .only(*TABLE_OF_CONTENTS_FIELDS),
            )
        )

    def with_contents(self):
        """Everything the issue page shows, in a fixed number of queries."""
        return self.annotate(
            comment_count=public_comment_count("issue"),
            discussion_count=public_comment_count("issue", paper__isnull=True),
            discussion_threads=public_comment_count(
                "issue", paper__isnull=True, parent__isnull=True
            ),
        ).prefetch_related(
            Prefetch(
                "papers",
                # Prefetching sets each paper's issue to this one: no join for it.
                queryset=Paper.objects.in_issue_order()
                .for_listing(with_issue=False)
                .with_comment_count(),
            )
        )


class Issue(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(
        max_length=200, help_text="For example “AI Research Highlights, June–July 2023”."
    )
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The issue's address on the site: /issues/this-slug/.",
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
    # Kept current by database triggers (see digests/search.py and migration
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
            "intro_html", "intro_text", "search_vector", "updated_at", "preview_key"
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


LISTED_ISSUE_DEFERRED = [
    f"issue__{name}" for name in ("search_vector", "intro", "intro_html", "intro_text")
]


CARD_FIELDS = [
    *("title", "slug", "arxiv_date", "authors", "annotation_html", "annotation_text", "abstract"),
    *("issue__title", "issue__slug", "section__name", "section__slug"),
]


class PaperQuerySet(models.QuerySet):
    listing_tags = False  # set by for_listing(): fetch the papers' tags with them

    def _clone(self):
        clone = super()._clone()
        clone.listing_tags = self.listing_tags
        return clone

    def _fetch_all(self):
        fetching = self._result_cache is None
        super()._fetch_all()
        if fetching and self.listing_tags and self._iterable_class is models.query.ModelIterable:
            attach_tag_lists(self._result_cache)

    def published(self, now=None):
        return self.filter(published_q("issue__", now=now))

    def unpublished(self, now=None):
        """The papers ``published`` leaves out: those of drafts and of issues still to come."""
        return self.exclude(published_q("issue__", now=now))

    def visible_to(self, user):
        return self if may_preview(user) else self.published()

    def for_listing(self, with_issue=True):
        """What a paper card shows: its issue, section and tags (``tag_list``).

        The tags come in one more query, as plain lists (``attach_tag_lists``):
        prefetching taggit's manager builds a filtered queryset for every
        paper, and even a plain prefetch makes a model per tagging; either
        cost more than the page's SQL (20 papers: 5 ms of Python). The stored
        search vectors and the issue's introduction are left out: a card
        shows neither, and on PostgreSQL they live out of line, so each would
        be fetched and sent 20 times over. ``with_issue=False`` where the
        papers are prefetched from their issue, which sets it on each."""
        queryset = (
            self.select_related("issue", "section").defer(*LISTED_ISSUE_DEFERRED)
            if with_issue
            else self.select_related("section")
        ).defer("search_vector", "search_head")
        queryset.listing_tags = True
        return queryset

    def for_cards(self):
        """``for_listing()`` with only the fields a card shows
        (digests/_paper_card.html), where nothing else of the papers is
        used: search results, whose 20 papers make some 90 model objects."""
        return self.for_listing().only(*CARD_FIELDS)

    def in_issue_order(self):
        return self.order_by("section__position", "section__name", "position", "pk")

    def newest_first(self):
        return self.order_by("-arxiv_date", "-issue__published_at", "position", "pk")

    def with_comment_count(self):
        return self.annotate(comment_count=public_comment_count("paper"))

    def with_discussion(self):
        """Counts the paper page's comment section needs."""
        return self.with_comment_count().annotate(
            discussion_threads=public_comment_count("paper", parent__isnull=True)
        )


def attach_tag_lists(papers):
    """Give each paper ``listed_tags``, in the order they were added: one query."""
    if not papers:
        return
    # Plain SQL: building this query with the ORM cost more than running it.
    ids = [paper.pk for paper in papers]
    db = papers[0]._state.db or "default"
    with connections[db].cursor() as cursor:
        cursor.execute(
            f"SELECT tp.content_object_id, t.id, t.name, t.slug FROM {TaggedPaper._meta.db_table} "
            f"tp JOIN {Tag._meta.db_table} t ON t.id = tp.tag_id "
            f"WHERE tp.content_object_id IN ({', '.join(['%s'] * len(ids))}) ORDER BY tp.id",
            ids,
        )
        rows = cursor.fetchall()
    tags, by_paper = {}, {}
    for paper_id, tag_id, name, slug in rows:
        if tag_id not in tags:
            tags[tag_id] = Tag.from_db(db, ["id", "name", "slug"], (tag_id, name, slug))
        by_paper.setdefault(paper_id, []).append(tags[tag_id])
    for paper in papers:
        paper.listed_tags = by_paper.get(paper.pk, [])


class TaggedPaper(TaggedItemBase):
    """Tags through a real foreign key: tag pages join papers directly."""

    content_object = models.ForeignKey(
        "Paper", on_delete=models.CASCADE, related_name="tagged_items"
    )
    # taggit's base class gives this model natural keys but leaves their fields to
    # subclasses; without them `dumpdata --natural-primary` backups cannot be loaded.
    # A tagging is known by its paper and its tag.
    natural_key_fields = ["content_object_id", "tag_id"]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="tagged_paper_once")
        ]


class TagRedirect(models.Model):
    """An address a tag used to have (before a rename or merge): it answers 301."""

    old_slug = models.CharField(max_length=100, unique=True)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.old_slug} → {self.tag.slug}"


class Paper(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="papers")
    section = models.ForeignKey(
        Section,
        on_delete=models.PROTECT,
        related_name="papers",
        help_text="The part of the issue this paper appears in.",
    )
    position = models.PositiveIntegerField(
        default=0,
        help_text="Order within its section (smallest first). Leave 0 to add it at the end.",
    )
    title = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=120,
        unique=True,
        blank=True,
        help_text=(
            "The paper's address on the site: /papers/this-slug/. "
            "Leave empty to derive it from the title."
        ),
    )
    arxiv_id = ArxivIdField(
        "arXiv id",
        help_text="Paste the id (2307.03172) or any arxiv.org link; it is stored as the bare id.",
    )
    arxiv_date = models.DateField(
        "arXiv date", help_text="The day the first version appeared on arXiv."
    )
    authors = models.TextField(
        blank=True, help_text="Names separated by commas, in the order arXiv lists them."
    )
    abstract = models.TextField(blank=True, help_text="The paper's own abstract (optional).")
    primary_category = models.CharField(
        "arXiv category",
        max_length=40,
        blank=True,
        help_text="arXiv's primary category, such as cs.CL (filled in from arXiv).",
    )
    arxiv_version = models.PositiveSmallIntegerField(
        "latest version",
        null=True,
        blank=True,
        help_text="The newest version on arXiv when the paper was looked up.",
    )
    annotation = models.TextField(
        blank=True,
        help_text="Your paragraph on the paper, in Markdown. This is what readers come for.",
    )
    annotation_html = models.TextField(blank=True, editable=False)
    annotation_text = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)  # see Issue.search_vector
    search_head = SearchVectorField(null=True, editable=False)  # title, authors, tags only
    tags = TaggableManager(
        through=TaggedPaper,
        blank=True,
        help_text="Comma-separated. Tags are case-insensitive: “LLM” and “llm” are one tag.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PaperManager.from_queryset(PaperQuerySet)()
    history = PaperHistory(
        excluded_fields=[
            "annotation_html",
            "annotation_text",
            "search_vector",
            "search_head",
            "updated_at",
        ],
        bases=[TagsSnapshot],
    )

    class Meta:
        ordering = ["issue", "section__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "arxiv_id"],
                name="paper_once_per_issue",
                violation_error_message="This arXiv paper is already in this issue.",
            ),
            models.CheckConstraint(condition=~Q(arxiv_id=""), name="paper_has_arxiv_id"),
            models.CheckConstraint(condition=~Q(title=""), name="paper_has_title"),
        ]
        indexes = [
            models.Index(fields=["issue", "section", "position"], name="paper_issue_order_idx"),
            models.Index(fields=["section", "arxiv_date"], name="paper_section_date_idx"),
            models.Index(fields=["arxiv_date"], name="paper_date_idx"),
            models.Index(fields=["arxiv_id"], name="paper_arxiv_id_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.arxiv_id = arxiv.normalize_arxiv_id(self.arxiv_id)
        if not self.slug:
            self.slug = unique_slug(Paper, self.title, max_length=120, exclude_pk=self.pk)
        if not self.position:
            last = (
                Paper.objects.filter(issue_id=self.issue_id, section_id=self.section_id)
                .exclude(pk=self.pk)
                .aggregate(models.Max("position"))["position__max"]
            )
            self.position = (last or 0) + 1
        self.annotation_html = render_markdown(self.annotation)
        self.annotation_text = html_to_text(self.annotation_html)
        moved = (
            self.pk and Paper.objects.filter(pk=self.pk).exclude(issue_id=self.issue_id).exists()
        )
        super().save(*args, **kwargs)
        if moved:
            # Its discussion follows the paper into its new issue (unless that
            # issue already holds an identical comment, which stays put).
            for comment in Comment.objects.filter(paper=self).exclude(issue_id=self.issue_id):
                try:
                    with transaction.atomic():
                        Comment.objects.filter(pk=comment.pk).update(issue_id=self.issue_id)
                except IntegrityError:
                    pass

    def get_absolute_url(self):
        return url_for("digests:paper", self.slug)

    @property
    def tag_list(self):
        """The paper's tags in the order they were added; no query after
        ``for_listing()`` (or a prefetch of ``tags``)."""
        if hasattr(self, "listed_tags"):
            return self.listed_tags
        return list(self.tags.all())

    @property
    def author_list(self):
        return [name.strip() for name in self.authors.split(",") if name.strip()]

    @property
    def abs_url(self):
        return arxiv.abs_url(self.arxiv_id)

    @property
    def pdf_url(self):
        return arxiv.pdf_url(self.arxiv_id)

    @property
    def anchor(self):
        """The paper's fragment id on its issue page."""
        return f"paper-{self.slug}"


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Comment.Status.APPROVED)

    def public(self, now=None):
        """The only comments readers ever see: approved, under a public issue."""
        return self.approved().filter(published_q("issue__", now=now))

    def threads(self):
        """Top-level comments, oldest first, with what their heading shows."""
        return self.filter(parent__isnull=True).order_by("created_at", "pk")

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

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="comments")
    paper = models.ForeignKey(
        Paper,
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
    def is_public(self):
        return self.status == self.Status.APPROVED


def comparable(text):
    """Text as a rule sees it: compatibility forms folded, case and spacing ignored,
    invisible format characters (zero-width spaces, direction marks) dropped."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return " ".join(text.split()).casefold()


def body_fingerprint(body):
    """The same words with other spacing, case or hidden characters count as the same comment."""
    return hashlib.sha256(comparable(body).encode()).hexdigest()


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
