"""Links inside annotations to papers the archive holds, found once per page.

An annotation is rendered to HTML when it is saved, and the paper it links
to may be published later; so the links are pointed at the site when a page
is shown (``markup.paper_links``), from one query for every arXiv id the
page's annotations link to. The result lands in the paper cards' fragment
keys (``views.paper_card_shown``), so a newly published paper changes them.
"""

from ..markup import linked_arxiv_ids
from .base import url_for
from .papers import Paper


def held_papers(arxiv_ids):
    """{arXiv id: (title, address)} for the ids readers can find on the site: one
    query, none for no id. A paper featured in several issues leads to its first."""
    if not arxiv_ids:
        return {}
    rows = (
        Paper.objects.published()
        .filter(arxiv_id__in=sorted(arxiv_ids))
        .order_by("-issue__published_at", "-pk")  # the first issue's row is written last
        .values_list("arxiv_id", "title", "slug")
    )
    return {arxiv_id: (title, url_for("digests:paper", slug)) for arxiv_id, title, slug in rows}


def attach_paper_links(papers, *html):
    """Set ``linked_papers`` (the held papers its annotation links to) on each of
    ``papers``; return those of ``html`` (an issue's intro, its closing note) and
    the papers' together. One query for the lot, none when nothing links to arXiv."""
    wanted = {paper.pk: linked_arxiv_ids(paper.annotation_html) for paper in papers}
    others = set().union(*(linked_arxiv_ids(text) for text in html))
    held = held_papers(others.union(*wanted.values()))
    for paper in papers:
        paper.linked_papers = {key: held[key] for key in sorted(wanted[paper.pk]) if key in held}
    return held
