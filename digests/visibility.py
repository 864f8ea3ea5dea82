"""Who may see what: the one rule for "public", and who may preview drafts.

An issue is public when it is published and its publication time has come; a
paper or a comment is public when its issue is. Every QuerySet method that
decides visibility (``Issue.objects.published()``, ``Paper.objects.
published()``, ``Comment.objects.public()``, ``public_tags()``) builds on
``published_q``; nothing repeats the filter by hand.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

EDIT_PERMISSION = "digests.change_issue"


class IssueStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


def published_q(prefix="", now=None):
    """The rule "an issue is public": published, and its time has come."""
    return Q(
        **{
            f"{prefix}status": IssueStatus.PUBLISHED,
            f"{prefix}published_at__lte": now or timezone.now(),
        }
    )


def may_preview(user):
    """Editors who may change issues also see drafts and scheduled issues."""
    return bool(user and user.is_active and user.is_staff and user.has_perm(EDIT_PERMISSION))
