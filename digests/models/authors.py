"""Authors: the people who wrote the papers, one row per person across issues.

Editors keep typing a paper's authors as one comma-separated line (what arXiv
shows); ``Authorship`` rows, in the line's order, are kept in step with it, so
readers can follow a person from paper to paper (/authors/<slug>/).

- **One author per name.** A name is normalised (``normalise_name``: NFC,
  whitespace collapsed, invisible characters and a trailing footnote mark or
  digit dropped) and matched case-insensitively: “Nelson F. Liu”, “NELSON F.
  LIU” and “Nelson  F. Liu¹” are one person, named as first seen.
- **In step on every write.** ``Paper.save()`` calls ``sync_authors([paper])``;
  bulk inserts (the draft import, ``generate_bulk``, migration 0015) call
  ``sync_authors(papers)`` (or ``write_authorships``) after the insert: a few
  queries for any number of papers.
- **Authors are kept, never deleted.** An author whose last paper is removed
  or renamed keeps their row and address (restoring the name restores the
  same page) but is hidden: the page, its feed and the sitemap show only
  authors with a published paper. Never freeing a slug is also what lets a
  lookup trust that no ``base-2`` exists while ``base`` is free.
"""

import re
import unicodedata
from functools import reduce
from itertools import islice
from operator import or_

from django.db import connections, models, router
from django.db.models import Q

from ..visibility import published_q
from .base import slug_from, url_for

NAME_LENGTH = 200
# Footnote marks and affiliation numbers copied along with a name: “Liu¹²”, “Lin*,†”.
_FOOTNOTE_TAIL = re.compile(r"[\s\d*†‡§¶‖#⁰¹²³⁴⁵⁶⁷⁸⁹⁺,;]+$")
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
# Commas and semicolons separate names, as does a lone lowercase “and” (“A, B and C”).
_SEPARATORS = re.compile(r"[,;\n]|\s+and\s+")
_NOT_NAMES = {"et al", "et al.", "others", "and others"}
PAPERS_PER_BATCH = 500


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


def public_authors():
    """Authors of at least one published paper (the others have no page yet)."""
    return Author.objects.filter(published_q("papers__issue__")).distinct()


# --- Names ------------------------------------------------------------------------


def normalise_name(raw):
    """One spelling per name: “ Nelson  F.\u00a0Liu¹,* ” → “Nelson F. Liu”."""
    name = " ".join(unicodedata.normalize("NFC", raw).translate(_INVISIBLE).split())
    return _FOOTNOTE_TAIL.sub("", name)[:NAME_LENGTH].strip()


def name_key(name):
    """What two spellings of one person share (case-insensitive, any script)."""
    return name.casefold()


def author_names(text):
    """The distinct normalised names of an author line, in its order."""
    names, seen = [], set()
    for part in _SEPARATORS.split(text or ""):
        name = normalise_name(part)
        key = name_key(name)
        if name and key not in seen and key not in _NOT_NAMES:
            seen.add(key)
            names.append(name)
    return names


def slug_base(name):
    return slug_from(name, max_length=NAME_LENGTH) or "author"


# --- Keeping Authorship rows in step -----------------------------------------------


def sync_authors(papers, *, using=None):
    """Make the saved ``papers``' Authorship rows match their ``authors``
    text: unchanged papers cost one query per 500, changed ones a few more
    (whatever their number), new people are created as met."""
    rows = [(paper.pk, paper.authors) for paper in papers if paper.pk]
    db = using or router.db_for_write(Authorship)
    write_authorships(Author, Authorship, rows, using=db)


def write_authorships(author_model, authorship_model, rows, *, using):
    """``rows``: (paper id, author line) pairs. Takes the models as arguments
    so that migration 0015 can run it with its historical ones."""
    rows = iter(rows)
    while batch := list(islice(rows, PAPERS_PER_BATCH)):
        _write_batch(author_model, authorship_model, dict(batch), using)


def _write_batch(author_model, authorship_model, lines, db):
    wanted = {paper_id: author_names(text) for paper_id, text in lines.items()}
    current = {}
    for paper_id, name in (
        authorship_model.objects.using(db)
        .filter(paper_id__in=list(wanted))
        .order_by("paper_id", "position")
        .values_list("paper_id", "author__name")
    ):
        current.setdefault(paper_id, []).append(name_key(name))
    changed = {
        paper_id: names
        for paper_id, names in wanted.items()
        if [name_key(name) for name in names] != current.get(paper_id, [])
    }
    if not changed:
        return
    by_key = {}  # the first spelling met names a new author
    for names in changed.values():
        for name in names:
            by_key.setdefault(name_key(name), name)
    ids = _author_ids(author_model, by_key, db)
    authorship_model.objects.using(db).filter(paper_id__in=list(changed)).delete()
    # Plain executemany: 25,000 papers make some 120,000 rows, and building a
    # model object for each cost several times more than inserting them.
    meta = authorship_model._meta
    columns = ", ".join(meta.get_field(name).column for name in ("paper", "author", "position"))
    with connections[db].cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {meta.db_table} ({columns}) VALUES (%s, %s, %s)",
            [
                (paper_id, ids[name_key(name)], position)
                for paper_id, names in changed.items()
                for position, name in enumerate(names, start=1)
            ],
        )


def _author_ids(author_model, names, db, attempts=5):
    """{name key: author id} for ``names`` ({key: spelling}), creating the
    missing authors. Another writer may create one at the same moment: the
    insert skips what clashes and the loop looks again."""
    authors = author_model.objects.using(db).order_by("pk")
    found = {}

    def note(rows, taken):
        for pk, name, slug in rows:
            taken.add(slug)
            found.setdefault(name_key(name), pk)

    for _ in range(attempts):
        missing = {key: name for key, name in names.items() if key not in found}
        if not missing:
            return found
        bases = {key: slug_base(name) for key, name in missing.items()}
        taken = set()
        note(
            authors.filter(
                Q(name__in=list(missing.values())) | Q(slug__in=set(bases.values()))
            ).values_list("pk", "name", "slug"),
            taken,
        )
        missing = {key: name for key, name in missing.items() if key not in found}
        # A base slug held by someone else may have “-2”, “-3”… after it, one of
        # them this name's (rare: “José García” after “Jose Garcia”).
        crowded = sorted({bases[key] for key in missing if bases[key] in taken})
        for start in range(0, len(crowded), 100):
            clashes = (Q(slug__startswith=f"{base}-") for base in crowded[start : start + 100])
            note(authors.filter(reduce(or_, clashes)).values_list("pk", "name", "slug"), taken)
        new = []
        for key, name in missing.items():
            if key in found:
                continue
            slug = _free_slug(bases[key], taken)
            taken.add(slug)
            new.append(author_model(name=name, slug=slug))
        author_model.objects.using(db).bulk_create(new, batch_size=1000, ignore_conflicts=True)
        note(
            authors.filter(slug__in=[author.slug for author in new]).values_list(
                "pk", "name", "slug"
            ),
            set(),
        )
    raise RuntimeError(f"Could not record the authors {sorted(missing.values())[:5]}.")


def _free_slug(base, taken):
    slug, counter = base, 2
    while slug in taken:
        suffix = f"-{counter}"
        slug = base[: NAME_LENGTH - len(suffix)].rstrip("-") + suffix
        counter += 1
    return slug
