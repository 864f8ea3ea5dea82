"""Related papers for a paper page: shared tags and section first, then text.

Three queries whatever the archive's size: one ranks the papers that share a
tag or the section, one asks the search index for the papers whose text is
closest to this one's title, one fetches the winners for their cards.
"""

from django.db.models import Case, Count, IntegerField, Q, Value, When

from ..models import Paper, TaggedPaper
from . import engine
from .query import MAX_TERMS, WORD

LIMIT = 5
CANDIDATES = 30
# Words of a title too common in papers to say what this one is about.
TITLE_STOPWORDS = frozenset(
    """
    a an and are as at be by for from has have in into is it its of on or that the their
    this to via we what when which with without using towards toward new large model models
    """.split()  # noqa: SIM905 (39 quoted words read worse)
)


def related_papers(paper, limit=LIMIT):
    published = Paper.objects.published().exclude(pk=paper.pk)
    tag_ids = TaggedPaper.objects.filter(content_object_id=paper.pk).values("tag_id")
    sharing = TaggedPaper.objects.filter(tag_id__in=tag_ids).values("content_object_id")
    structural = (
        published.filter(Q(pk__in=sharing) | Q(section_id=paper.section_id))
        .annotate(
            shared_tags=Count("tagged_items", filter=Q(tagged_items__tag_id__in=tag_ids)),
            same_section=Case(
                When(section_id=paper.section_id, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("-shared_tags", "-same_section", "-arxiv_date", "pk")
        .values_list("pk", "shared_tags", "same_section")[:CANDIDATES]
    )
    scores = {pk: [2 * tags + section, 0] for pk, tags, section in structural}

    # Text similarity breaks ties, and finds neighbours that share no tag at all.
    words = title_words(paper)
    similar = engine.similar_ids(published, words, CANDIDATES) if words else []
    for place, pk in enumerate(similar):
        scores.setdefault(pk, [0, 0])[1] = CANDIDATES - place

    best = sorted(scores, key=lambda pk: (scores[pk][0], scores[pk][1]), reverse=True)[:limit]
    if not best:
        return []
    papers = Paper.objects.filter(pk__in=best).select_related("issue", "section").in_bulk()
    return [papers[pk] for pk in best if pk in papers]


def title_words(paper):
    """The words of ``paper``'s title that say what it is about, each once."""
    words = []
    for word in WORD.findall(paper.title.lower()):
        if len(word) > 2 and word not in TITLE_STOPWORDS and word not in words:
            words.append(word)
    return words[:MAX_TERMS]
