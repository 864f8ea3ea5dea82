"""Who changed an issue or a paper, when, and what it looked like before.

django-simple-history keeps a full copy of the row at every save (also when a
paper is saved from the issue page's inline rows, by an admin action or a
command). Tags live in another table, so a paper's copy also carries the tag
list as it was, and a change of tags alone is a change of the paper.
"""

from django.db import models, transaction
from django.db.models.signals import m2m_changed
from simple_history.models import HistoricalRecords, pre_create_historical_record
from taggit.utils import edit_string_for_tags


class TagsSnapshot(models.Model):
    """Extra column on the paper's history: its tags, spelled as the form takes them."""

    tag_names = models.TextField("tags", blank=True, default="")

    class Meta:
        abstract = True


class PaperHistory(HistoricalRecords):
    """Paper history that also records tag changes.

    Saving a paper and then its tags (what every admin form does) gives one
    record: the tag change updates the record the save just made, until the
    transaction commits. Tags changed on their own get their own record.
    """

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if self.cls is not sender:
            return
        history_model = getattr(sender, self.manager_name).model
        through = sender._meta.get_field("tags").remote_field.through
        pre_create_historical_record.connect(self._snapshot_tags, sender=history_model, weak=False)
        m2m_changed.connect(self._tags_changed, sender=through, weak=False)

    def _snapshot_tags(self, instance, history_instance, **kwargs):
        history_instance.tag_names = current_tags(instance)
        instance._history_record = history_instance

        def forget():
            instance.__dict__.pop("_history_record", None)

        transaction.on_commit(forget)

    def _tags_changed(self, instance, action, pk_set, **kwargs):
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        if action != "post_clear" and not pk_set:
            return  # taggit announces empty changes too
        record = getattr(instance, "_history_record", None)
        if record is not None and record.pk:
            record.tag_names = current_tags(instance)
            record.save(update_fields=["tag_names"])
        else:
            self.create_historical_record(instance, "~")


def current_tags(paper):
    """The paper's tags as the tag field shows them ("diffusion, long context")."""
    if not paper.pk:
        return ""
    through = type(paper)._meta.get_field("tags").remote_field.through
    rows = through.objects.filter(content_object=paper).select_related("tag")
    return edit_string_for_tags([row.tag for row in rows])
