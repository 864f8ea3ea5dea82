"""Tags on papers: taggit's tags through a real foreign key, the addresses
renamed or merged tags leave behind, and which tags readers may see."""

from django.db import connections, models, router
from taggit.models import Tag, TaggedItemBase

from ..visibility import published_q

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
    the order they were added: one query, none for an empty list.

    Pages that list papers (``for_listing()``, ``for_cards()``) call it on the
    papers they show, so that ``Paper.tag_list`` costs no query per paper.
    ``using`` names the database the papers came from (``QuerySet.db``)."""
    if not papers:
        return
    # Plain SQL: building this query with the ORM cost more than running it.
    ids = [paper.pk for paper in papers]
    db = using or router.db_for_read(TaggedPaper)
    with connections[db].cursor() as cursor:
        cursor.execute(
            f"SELECT tp.content_object_id, t.id, t.name, t.slug FROM {TaggedPaper._meta.db_table} "
            f"tp JOIN {Tag._meta.db_table} t ON t.id = tp.tag_id "
            f"WHERE tp.content_object_id IN ({', '.join(['%s'] * len(ids))}) ORDER BY tp.id",
            ids,
        )
        rows = cursor.fetchall()
    tags, by_paper = {}, {}
    for paper_id, tag_id, name, slug in rows:
        if tag_id not in tags:
            tags[tag_id] = Tag.from_db(db, ["id", "name", "slug"], (tag_id, name, slug))
        by_paper.setdefault(paper_id, []).append(tags[tag_id])
    for paper in papers:
        paper.listed_tags = by_paper.get(paper.pk, [])
