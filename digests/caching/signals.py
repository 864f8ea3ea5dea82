"""Any change a reader could see moves the page cache's content version on."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from taggit.models import Tag

from ..models import Comment, Issue, Paper, Section, TaggedPaper
from . import version


@receiver(post_save, sender=Issue)
@receiver(post_save, sender=Paper)
@receiver(post_save, sender=Section)
@receiver(post_save, sender=Tag)
@receiver(post_save, sender=TaggedPaper)
@receiver(post_delete, sender=Issue)
@receiver(post_delete, sender=Paper)
@receiver(post_delete, sender=Section)
@receiver(post_delete, sender=Tag)
@receiver(post_delete, sender=TaggedPaper)
@receiver(post_delete, sender=Comment)
def content_changed(sender, **kwargs):
    version.bump()


@receiver(m2m_changed, sender=TaggedPaper)
def tags_changed(sender, **kwargs):
    version.bump()


@receiver(post_save, sender=Comment)
def comment_changed(sender, instance, created, **kwargs):
    # A new comment waiting for moderation changes nothing readers see;
    # any other save (approval, removal, an editor's reply) may.
    if created and not instance.is_approved:
        return
    version.bump()
