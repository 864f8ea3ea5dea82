"""Keeping tags tidy: one tag per name whatever its case, merges and renames
that never break a reader's bookmark (the old address answers 301)."""

from django.db import transaction
from django.db.models.functions import Lower
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.text import slugify
from taggit.models import Tag

from .caching import version
from .models import TaggedPaper, TagRedirect


class TagConflict(ValueError):
    """Raised with a message for the editor: the new name belongs to another tag."""


def same_name(name, exclude_pk=None):
    """The tag already called ``name``, in any case, or None."""
    return (
        Tag.objects.annotate(lower=Lower("name"))
        .filter(lower=name.strip().lower())
        .exclude(pk=exclude_pk)
        .first()
    )


def redirect_for(slug):
    """The tag that ``slug`` used to name, or None."""
    found = TagRedirect.objects.filter(old_slug=slug).select_related("tag").first()
    return found.tag if found else None


def _leave_redirect(old_slug, tag):
    if old_slug and old_slug != tag.slug:
        TagRedirect.objects.filter(tag__slug=old_slug).update(tag=tag)  # no chains
        TagRedirect.objects.update_or_create(old_slug=old_slug, defaults={"tag": tag})


@transaction.atomic
def merge_tags(sources, target):
    """Move every paper of ``sources`` to ``target``, then delete the sources.

    Returns the number of papers that gained ``target``."""
    sources = [tag for tag in sources if tag.pk != target.pk]
    moved = 0
    for source in sources:
        already = TaggedPaper.objects.filter(tag=target).values("content_object_id")
        TaggedPaper.objects.filter(tag=source, content_object_id__in=already).delete()
        moved += TaggedPaper.objects.filter(tag=source).update(tag=target)
        TagRedirect.objects.filter(tag=source).update(tag=target)
        old_slug = source.slug
        source.delete()
        _leave_redirect(old_slug, target)
    version.bump()
    return moved


@transaction.atomic
def rename_tag(tag, name, slug=None):
    """Give ``tag`` a new name (and address); the old address redirects."""
    name = " ".join(name.split())
    conflict = same_name(name, exclude_pk=tag.pk)
    if conflict is not None:
        raise TagConflict(
            f"The tag “{conflict.name}” already exists. Merge the two tags instead of renaming."
        )
    old_slug = tag.slug
    tag.name = name
    tag.slug = slug or slugify(name, allow_unicode=True)
    if Tag.objects.filter(slug=tag.slug).exclude(pk=tag.pk).exists():
        raise TagConflict(f"Another tag already has the address “{tag.slug}”.")
    tag.save()
    TagRedirect.objects.filter(old_slug=tag.slug).delete()  # the tag's own address again
    _leave_redirect(old_slug, tag)
    version.bump()
    return tag


@receiver(post_save, sender=Tag)
def tag_takes_its_address_back(sender, instance, **kwargs):
    # A tag that has this address now wins over a redirect left by an older one.
    TagRedirect.objects.filter(old_slug=instance.slug).delete()
