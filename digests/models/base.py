"""What every content model shares: its address (slug and URL) and the
search columns that ordinary reads leave alone."""

from functools import lru_cache

from django.db import models
from django.urls import reverse
from django.utils.text import slugify


@lru_cache(maxsize=65536)
def url_for(name, slug):
    """reverse() for the site's slug URLs, remembered: a page links hundreds of them."""
    return reverse(name, kwargs={"slug": slug})

# Dashes and slashes join words in titles ("June–July", "Vision/Language"):
# in a slug they become hyphens, where slugify would drop them and run the
# words together ("junejuly").
_WORD_JOINERS = dict.fromkeys(map(ord, "-‐‑‒–—―−/⁄"), " ")


def slug_from(text, *, max_length):
    """A slug keeping every word of ``text``: “June–July 2023” → ``june-july-2023``."""
    return slugify(text.translate(_WORD_JOINERS))[:max_length].strip("-")


def unique_slug(model, text, *, max_length, exclude_pk=None, also_taken=()):
    """A slug from ``text`` that no other row of ``model`` uses yet (nor any in
    ``also_taken``: slugs given to rows about to be inserted together)."""
    base = slug_from(text, max_length=max_length) or "untitled"
    taken = set(
        model.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    taken.update(slug for slug in also_taken if slug.startswith(base))
    slug, counter = base, 2
    while slug in taken:
        suffix = f"-{counter}"
        slug = base[: max_length - len(suffix)].rstrip("-") + suffix
        counter += 1
    return slug


class WithoutSearchVector(models.Manager):
    """Rows are read without their search vectors: only the database's search reads them."""

    search_fields = ("search_vector",)

    def get_queryset(self):
        return super().get_queryset().defer(*self.search_fields)


class PaperManager(WithoutSearchVector):
    search_fields = ("search_vector", "search_head")


