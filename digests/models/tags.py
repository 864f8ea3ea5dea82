"""Tags on papers: taggit's tags through a real foreign key, the addresses
renamed or merged tags leave behind, and which tags readers may see."""

from django.db import connections, models, router
from taggit.models import Tag, TaggedItemBase

from ..visibility import published_q
from .authors import Author, Authorship

# Lookup paths from a Tag to its papers and their issues (for the visibility rule).
TAG_PAPER = "digests_taggedpaper_items__content_object__"
TAG_ISSUE = f"{TAG_PAPER}issue__"


def public_tags():
    """Tags on at least one published paper (tags used only on drafts stay secret)."""
    return Tag.objects.filter(published_q(TAG_ISSUE)).exclude(slug="").distinct()




class TaggedPaper(TaggedItemBase):
    """Tags through a real foreign key: tag pages join papers directly."""

    content_object = models.ForeignKey(
        "digests.Paper", on_delete=models.CASCADE, related_name="tagged_items"
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



def attach_tag_lists(papers, using=None):
    """Give each paper of ``papers`` (an evaluated list) ``listed_tags``, in
    the order they were added, and ``listed_authors`` (its Authors, in the
    order of its author line): one query for both, none for an empty list.

    Pages that list papers (``for_listing()``, ``for_cards()``) call it on the
    papers they show, so that ``Paper.tag_list`` and ``Paper.author_records``
    cost no query per paper. ``using`` names the database the papers came
    from (``QuerySet.db``)."""
    if not papers:
        return
    # Plain SQL: building these queries with the ORM cost more than running them,
    # and one statement for both lists is one round trip per page, not two.
    ids = [paper.pk for paper in papers]
    db = using or router.db_for_read(TaggedPaper)
    among = ", ".join(["%s"] * len(ids))
    with connections[db].cursor() as cursor:
        cursor.execute(
            f"SELECT 0, tp.content_object_id, t.id, t.name, t.slug, tp.id "
            f"FROM {TaggedPaper._meta.db_table} tp JOIN {Tag._meta.db_table} t ON t.id = tp.tag_id "
            f"WHERE tp.content_object_id IN ({among}) "
            f"UNION ALL SELECT 1, a.paper_id, au.id, au.name, au.slug, a.position "
            f"FROM {Authorship._meta.db_table} a JOIN {Author._meta.db_table} au "
            f"ON au.id = a.author_id WHERE a.paper_id IN ({among}) ORDER BY 1, 6",
            ids + ids,
        )
        rows = cursor.fetchall()
    found = {0: {}, 1: {}}  # tags and authors by id: one object each per page
    lists = ({}, {})  # (tags by paper, authors by paper)
    for kind, paper_id, pk, name, slug, _order in rows:
        model = Author if kind else Tag
        if pk not in found[kind]:
            found[kind][pk] = model.from_db(db, ["id", "name", "slug"], (pk, name, slug))
        lists[kind].setdefault(paper_id, []).append(found[kind][pk])
    for paper in papers:
        paper.listed_tags = lists[0].get(paper.pk, [])
        paper.listed_authors = lists[1].get(paper.pk, [])
