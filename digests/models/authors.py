"""Authors: the people who wrote the papers, one row per person across issues.

Editors keep typing a paper's authors as one comma-separated line (what arXiv
shows); ``Authorship`` rows, in the line's order, are kept in step with it, so
readers can follow a person from paper to paper (/authors/<slug>/).
"""

from django.db import models

from .base import url_for


class Author(models.Model):
    name = models.CharField(max_length=200, help_text="As arXiv lists it: “Nelson F. Liu”.")
    slug = models.SlugField(max_length=200, unique=True, help_text="/authors/this-slug/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return url_for("digests:author", self.slug)


class Authorship(models.Model):
    """One author of one paper, at ``position`` in its author line (1 = first)."""

    paper = models.ForeignKey("digests.Paper", on_delete=models.CASCADE, related_name="authorships")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="authorships")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "author"], name="authorship_once_per_paper"),
        ]
        indexes = [models.Index(fields=["author", "paper"], name="authorship_author_idx")]

    def __str__(self):
        return f"{self.author} ({self.position}) on {self.paper_id}"
