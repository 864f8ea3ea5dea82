"""Papers added while arXiv could not be reached, and filling them in later.

When arXiv is down, "Add papers from arXiv" still adds the pasted ids
(``placeholder_fields``): the id, the first day of the month the id names as
the date, a title that says what it is, and ``metadata_missing`` set. Once
arXiv answers, ``fetch_missing(papers)`` fills in what arXiv knows and clears
the mark. What the editor gave the paper (annotation, section, position,
tags, a title typed over the placeholder) is never touched, and a paper that
is no longer marked is left alone, so running it twice changes nothing.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify

from ..arxiv.client import ArxivServerError, ArxivTimeout, ArxivUnavailable, fetch_papers
from ..arxiv.ids import parse_arxiv_id
from ..models import Paper

# arXiv's answers that mean "not now" rather than "no": worth adding the papers anyway.
UNREACHABLE = (ArxivUnavailable, ArxivTimeout)
FILLED_FIELDS = [
    "title",
    "slug",
    "authors",
    "abstract",
    "primary_category",
    "arxiv_version",
    "arxiv_date",
    "metadata_missing",
    "updated_at",
]


def arxiv_unreachable(error):
    """Whether ``error`` means arXiv could not be reached (down, slow, or failing)."""
    if isinstance(error, UNREACHABLE):
        return True
    return isinstance(error, ArxivServerError) and (error.status >= 500 or error.status == 429)


def placeholder_title(identifier):
    return f"arXiv {identifier} (details missing)"


def placeholder_fields(identifier):
    """A new paper's fields when arXiv could not be asked: what the id itself says."""
    return {
        "arxiv_id": identifier,
        "title": placeholder_title(identifier),
        "arxiv_date": parse_arxiv_id(identifier).first_day,
        "metadata_missing": True,
    }


def added_message(count):
    """What the editor reads after a list was added without arXiv."""
    papers = f"{count} paper{'s were' if count != 1 else ' was'}"
    return (
        f"arXiv could not be reached, so {papers} added with details missing: each has "
        "its arXiv id, a placeholder title and the first day of its id's month as its "
        "date. Once arXiv answers, press “Fetch missing arXiv details” on the issue's "
        "page (or choose that action in the list of papers) to fill in titles, authors, "
        "abstracts and dates; your annotations, sections and tags stay."
    )


@dataclass
class Filled:
    filled: list = field(default_factory=list)
    not_found: list = field(default_factory=list)  # ids arXiv says it does not have


def fetch_missing(papers):
    """Fill the marked papers among ``papers`` from arXiv; returns ``Filled``.

    arXiv is asked (once, batched) before the transaction opens: on SQLite
    that transaction holds the write lock, and no one should wait for arXiv
    behind it. An ``ArxivError`` leaves every paper as it was.
    """
    marked = {paper.pk: paper.arxiv_id for paper in papers if paper.metadata_missing}
    if not marked:
        return Filled()
    found = fetch_papers(sorted(set(marked.values())), missing_ok=True)
    result = Filled()
    with transaction.atomic():
        # Read again under a lock: a paper filled (or retitled) meanwhile stays as it is.
        current = (
            Paper.objects.select_for_update(of=("self",))
            .filter(pk__in=list(marked), metadata_missing=True)
            .select_related("issue")
            .order_by("pk")
        )
        for paper in current:
            details = found.get(paper.arxiv_id)
            if details is None:
                result.not_found.append(paper)
                continue
            _fill(paper, details)
            paper.save(update_fields=FILLED_FIELDS)
            result.filled.append(paper)
    return result


def _fill(paper, details):
    placeholder = placeholder_title(paper.arxiv_id)
    if paper.title == placeholder:
        paper.title = details.title[:300]
        # A draft's paper gets the address of its real title; a public one keeps its links.
        if not paper.issue.is_public and paper.slug.startswith(slugify(placeholder)):
            paper.slug = ""
    if paper.arxiv_date == parse_arxiv_id(paper.arxiv_id).first_day:
        paper.arxiv_date = details.published
    paper.authors = paper.authors or details.authors_text
    paper.abstract = paper.abstract or details.abstract
    paper.primary_category = paper.primary_category or details.primary_category
    paper.arxiv_version = details.version or paper.arxiv_version
    paper.metadata_missing = False
