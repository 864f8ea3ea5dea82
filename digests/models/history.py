"""Who changed an issue or a paper, when, and what it looked like before.

django-simple-history keeps a full copy of the row at every save (also when a
paper is saved from the issue page's inline rows, by an admin action or a
command). Tags live in another table, so a paper's copy also carries the tag
list as it was, and a change of tags alone is a change of the paper: one
record per edit, whether the tags changed with the fields or on their own.
"""

from django.db import models, transaction
from django.db.models.signals import m2m_changed
from simple_history.signals import pre_create_historical_record
from taggit.utils import edit_string_for_tags

# The history record a paper's save has just made, kept on the paper until
# its transaction commits, so the tag change that follows (every admin form
# saves the fields first, then the tags) updates that record.
RECORD_OF_THIS_SAVE = "history_record_of_this_save"


class TagsSnapshot(models.Model):
    """Extra column on the paper's history: its tags, spelled as the form takes them."""

    tag_names = models.TextField("tags", blank=True, default="")

    class Meta:
        abstract = True


def track_tags(paper_model, records, through):
    """Make ``records`` (the paper's ``HistoricalRecords``) carry the paper's
    tags: as they are at every save, and as they become when they change."""

    def snapshot(sender, instance, history_instance, **kwargs):
        history_instance.tag_names = current_tags(instance, through)
        instance.__dict__[RECORD_OF_THIS_SAVE] = history_instance
        transaction.on_commit(lambda: instance.__dict__.pop(RECORD_OF_THIS_SAVE, None))

    def tags_changed(sender, instance, action, pk_set, **kwargs):
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        if action != "post_clear" and not pk_set:
            return  # taggit announces empty changes too
        record = instance.__dict__.get(RECORD_OF_THIS_SAVE)
        if record is not None and record.pk:
            record.tag_names = current_tags(instance, through)
            record.save(update_fields=["tag_names"])
        else:
            records.create_historical_record(instance, "~")

    pre_create_historical_record.connect(snapshot, sender=paper_model.history.model, weak=False)
    m2m_changed.connect(tags_changed, sender=through, weak=False)


def current_tags(paper, through):
    """The paper's tags as the tag field shows them ("diffusion, long context")."""
    if not paper.pk:
        return ""
    rows = through.objects.filter(content_object=paper).select_related("tag")
    return edit_string_for_tags([row.tag for row in rows])
