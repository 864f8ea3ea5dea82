"""Related papers for a paper page: shared tags and section first, then text.

Three queries whatever the archive's size: one ranks the papers that share a
tag or the section, one asks the search index for the papers whose text is
closest to this one's title, one fetches the winners for the list.
"""

from django.db import connection

from ..models import Issue, Paper, TaggedPaper
from . import engine
from .query import MAX_TERMS, WORD
from .sql import ids_of, sql

LIMIT = 5
CANDIDATES = 30
# Words of a title too common in papers to say what this one is about.
TITLE_STOPWORDS = frozenset(
    """
    a an and are as at be by for from has have in into is it its of on or that the their
    this to via we what when which with without using towards toward new large model models
    """.split()  # noqa: SIM905 (39 quoted words read worse)
)

# Published papers other than this one that share a tag with it or sit in its
# section, with how many tags they share: most shared tags first, then the
# same section, then the newest. Written as SQL rather than with the ORM,
# which spent longer building this grouped, filtered join than the database
# spends running it.
SHARING_TAGS_OR_SECTION = """
SELECT p.id, count(tp.tag_id), CASE WHEN p.section_id = %s THEN 1 ELSE 0 END AS same_section
FROM {papers} p
LEFT JOIN {tagged} tp ON tp.content_object_id = p.id
    AND tp.tag_id IN (SELECT tag_id FROM {tagged} WHERE content_object_id = %s)
WHERE p.issue_id IN ({public_issues}) AND p.id <> %s
    AND (p.section_id = %s OR tp.tag_id IS NOT NULL)
GROUP BY p.id, p.section_id, p.arxiv_date
ORDER BY 2 DESC, 3 DESC, p.arxiv_date DESC, p.id
LIMIT %s
"""


def related_papers(paper, limit=LIMIT):
    scores = {pk: [2 * tags + section, 0] for pk, tags, section in sharing_tags_or_section(paper)}

    # Text similarity breaks ties, and finds neighbours that share no tag at all.
    words = title_words(paper)
    if words:
        published = Paper.objects.published().exclude(pk=paper.pk)
        for place, pk in enumerate(engine.similar_ids(published, words, CANDIDATES)):
            scores.setdefault(pk, [0, 0])[1] = CANDIDATES - place

    best = sorted(scores, key=lambda pk: (scores[pk][0], scores[pk][1]), reverse=True)[:limit]
    if not best:
        return []
    papers = (
        Paper.objects.filter(pk__in=best)
        .select_related("issue", "section")
        .only("slug", "title", "issue__title", "issue__slug", "section__name", "section__slug")
        .in_bulk()
    )
    return [papers[pk] for pk in best if pk in papers]


def sharing_tags_or_section(paper):
    """(id, tags shared, 1 if in the same section) of the best CANDIDATES."""
    statement = sql(
        SHARING_TAGS_OR_SECTION,
        paper.section_id,
        paper.pk,
        paper.pk,
        paper.section_id,
        CANDIDATES,
        papers=Paper._meta.db_table,
        tagged=TaggedPaper._meta.db_table,
        public_issues=ids_of(Issue.objects.published()),
    )
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        return cursor.fetchall()


def title_words(paper):
    """The words of ``paper``'s title that say what it is about, each once."""
    words = []
    for word in WORD.findall(paper.title.lower()):
        if len(word) > 2 and word not in TITLE_STOPWORDS and word not in words:
            words.append(word)
    return words[:MAX_TERMS]
