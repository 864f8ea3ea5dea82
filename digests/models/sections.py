"""Sections: the parts every issue is grouped into, in one shared order."""

from django.db import models

from ..visibility import published_q
from .base import url_for


def public_sections():
    """Sections with at least one published paper: one made by a draft import
    (or emptied since) is not shown to readers until a paper in it is public."""
    return Section.objects.filter(published_q("papers__issue__")).distinct()


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


