"""Papers: one arXiv paper with the editor's annotation, in an issue's section."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager

from ..arxiv import ids as arxiv
from ..comments.models import Comment
from ..markup import html_to_text, render_markdown
from ..visibility import may_preview, published_q
from .authors import author_names, sync_authors
from .base import PaperManager, unique_slug, url_for
from .fields import ArxivIdField
from .history import TagsSnapshot, track_tags
from .tags import TaggedPaper

LISTED_ISSUE_DEFERRED = [
    f"issue__{name}"
    for name in (
        "search_vector",
        "intro",
        "intro_html",
        "intro_text",
        "closing_note",
        "closing_note_html",
    )
]


CARD_FIELDS = [
    *("title", "slug", "arxiv_date", "authors", "annotation_html", "annotation_text", "abstract"),
    "metadata_missing",
    *("issue__title", "issue__slug", "section__name", "section__slug"),
]


class PaperQuerySet(models.QuerySet):
    def published(self, now=None):
        return self.filter(published_q("issue__", now=now))

    def unpublished(self, now=None):
        """The papers ``published`` leaves out: those of drafts and of issues still to come."""
        return self.exclude(published_q("issue__", now=now))

    def visible_to(self, user):
        return self if may_preview(user) else self.published()

    def for_listing(self, with_issue=True):
        """What a paper card shows: its issue and section. Its tags
        (``tag_list``) come from ``attach_tag_lists()``, which the caller runs
        on the papers it shows: one more query, as plain lists. A prefetch of
        the taggings (``Prefetch(..., to_attr=...)``) would make two models per
        tagging and cost several times more Python than the query itself.

        The stored search vectors and the issue's introduction are left out:
        a card shows neither, and on PostgreSQL they live out of line, so each
        would be fetched and sent 20 times over. ``with_issue=False`` where the
        papers are prefetched from their issue, which sets it on each."""
        return (
            self.select_related("issue", "section").defer(*LISTED_ISSUE_DEFERRED)
            if with_issue
            else self.select_related("section")
        ).defer("search_vector", "search_head")

    def for_cards(self):
        """``for_listing()`` with only the fields a card shows
        (digests/_paper_card.html), where nothing else of the papers is
        used: search results, whose 20 papers make some 90 model objects."""
        return self.for_listing().only(*CARD_FIELDS)

    def in_issue_order(self):
        return self.order_by("section__position", "section__name", "position", "pk")

    def newest_first(self):
        return self.order_by("-arxiv_date", "-issue__published_at", "position", "pk")


# Derived on save (rendered HTML, plain text, search vectors) or not the
# editor's to restore: left out of every copy. Tags are kept as text.
HISTORY = HistoricalRecords(
    excluded_fields=[
        "annotation_html",
        "annotation_text",
        "search_vector",
        "search_head",
        "updated_at",
        "useful_count",
    ],
    bases=[TagsSnapshot],
)


class Paper(models.Model):
    issue = models.ForeignKey("digests.Issue", on_delete=models.CASCADE, related_name="papers")
    section = models.ForeignKey(
        "digests.Section",
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
    people = models.ManyToManyField(
        "digests.Author",
        through="digests.Authorship",
        related_name="papers",
        blank=True,
        editable=False,
        help_text="The authors as records, kept in step with the names above.",
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
    metadata_missing = models.BooleanField(
        "arXiv details missing",
        default=False,
        help_text=(
            "Added while arXiv could not be reached: the title, authors and exact date are "
            "placeholders until “Fetch missing arXiv details” fills them in."
        ),
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
    useful_count = models.PositiveIntegerField(
        "readers who found it useful", default=0, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PaperManager.from_queryset(PaperQuerySet)()
    history = HISTORY

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
            # The paper browser's "Most useful" order (ties by date).
            models.Index(fields=["useful_count", "arxiv_date"], name="paper_useful_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.derive()
        if not self.slug:
            self.slug = unique_slug(Paper, self.title, max_length=120, exclude_pk=self.pk)
        if not self.position:
            last = (
                Paper.objects.filter(issue_id=self.issue_id, section_id=self.section_id)
                .exclude(pk=self.pk)
                .aggregate(models.Max("position"))["position__max"]
            )
            self.position = (last or 0) + 1
        moved = (
            self.pk and Paper.objects.filter(pk=self.pk).exclude(issue_id=self.issue_id).exists()
        )
        super().save(*args, **kwargs)
        if moved:
            Comment.objects.follow_paper(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "authors" in update_fields:
            sync_authors([self], using=kwargs.get("using"))

    def get_absolute_url(self):
        return url_for("digests:paper", self.slug)

    def derive(self):
        """The columns worked out from others: the canonical arXiv id and the
        annotation as sanitised HTML and as text (``save`` does this; a bulk
        insert calls it first)."""
        self.arxiv_id = arxiv.normalize_arxiv_id(self.arxiv_id)
        self.annotation_html = render_markdown(self.annotation)
        self.annotation_text = html_to_text(self.annotation_html)

    @property
    def tag_list(self):
        """The paper's tags in the order they were added; no query after
        ``attach_tag_lists()`` (or a prefetch of ``tags``)."""
        if hasattr(self, "listed_tags"):
            return self.listed_tags
        return list(self.tags.all())

    @property
    def author_records(self):
        """The paper's Authors in order; no query after ``attach_tag_lists()``,
        which attaches them with the tags (an unsaved paper has none)."""
        if hasattr(self, "listed_authors"):
            return self.listed_authors
        if self.pk is None:
            return []
        return [row.author for row in self.authorships.select_related("author")]

    @property
    def author_list(self):
        """The authors' names in order, as recorded (an unsaved paper: its line, parsed)."""
        if self.pk is None:
            return author_names(self.authors)
        return [author.name for author in self.author_records]

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


track_tags(Paper, HISTORY, TaggedPaper)
