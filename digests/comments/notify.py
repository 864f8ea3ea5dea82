"""Who is told about a comment: moderators of a held one, authors of the
thread a reply answers (if they asked), and the one-click way to stop that.

These functions send; the task queue calls them (``tasks.py``), never the
reader's request, and tries again when the mail server could not take them."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import signing
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Comment
from .text import single_line

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "digests.comments.unsubscribe"


def moderator_addresses():
    if settings.DIGESTS_MODERATOR_EMAILS:
        return list(settings.DIGESTS_MODERATOR_EMAILS)
    permission = Permission.objects.filter(
        content_type__app_label="digests", codename="change_comment"
    )
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    users = users.filter(
        Q(is_superuser=True)
        | Q(user_permissions__in=permission)
        | Q(groups__permissions__in=permission)
    ).distinct()
    return sorted(users.values_list("email", flat=True))


def absolute(path):
    return settings.DIGESTS_SITE_URL.rstrip("/") + path


def moderators(comment):
    """Tell the moderators that ``comment`` waits for them; raises if the mail fails."""
    recipients = moderator_addresses()
    if not recipients:
        return
    context = {
        "comment": comment,
        "admin_url": absolute(reverse("admin:digests_comment_change", args=[comment.pk])),
        "queue_url": absolute(
            reverse("admin:digests_comment_changelist") + "?status__exact=pending"
        ),
    }
    send_mail(
        subject=single_line(
            f"[{settings.DIGESTS_SITE_NAME}] Comment held: {comment.issue.title}"
        )[:200],
        message=render_to_string("digests/email/comment_held.txt", context),
        from_email=None,
        recipient_list=recipients,
        fail_silently=False,
    )


def reply_posted(comment, only=None):
    """Tell the authors of the thread (who opted in) that ``comment`` answers them.

    ``only``: the addresses (casefolded) still to be told, when trying again.
    Returns ``[(address, error)]`` for each mail that could not be sent."""
    failed = []
    if comment.parent_id is None or not comment.is_approved:
        return failed
    # Read the preference now, not when the reply was written: the reader may
    # have unsubscribed while the reply waited for moderation.
    answered = Comment.objects.filter(
        pk__in=[comment.in_reply_to_id, comment.parent_id],
        notify_replies=True,
        status=Comment.Status.APPROVED,
    ).order_by("-created_at")
    sent = {comment.author_email.casefold()}
    for target in answered:
        address = target.author_email.casefold()
        if address in sent or (only is not None and address not in only):
            continue
        sent.add(address)
        unsubscribe_url = absolute(
            reverse("digests:unsubscribe", args=[unsubscribe_token(address)])
        )
        context = {
            "comment": comment,
            "target": target,
            "comment_url": absolute(comment.get_absolute_url()),
            "unsubscribe_url": unsubscribe_url,
        }
        message = EmailMultiAlternatives(
            subject=single_line(
                f"{comment.author_name} replied to you on {comment.issue.title}"
            )[:200],
            body=render_to_string("digests/email/reply.txt", context),
            to=[target.author_email],
            headers={
                # RFC 8058: mail programs show an unsubscribe button that POSTs here.
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        try:
            message.send()
        except Exception as error:  # one address's failure must not stop the others
            log.warning("reply notification to comment %s failed: %s", target.pk, error)
            failed.append((address, error))
    return failed


def unsubscribe_token(address):
    return signing.dumps(address.casefold(), salt=UNSUBSCRIBE_SALT, compress=True)


def address_from_token(token):
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None


def unsubscribe(token):
    """Stop reply e-mails for the address in ``token``; returns it, or None if invalid."""
    address = address_from_token(token)
    if address is None:
        return None
    Comment.objects.filter(author_email__iexact=address, notify_replies=True).update(
        notify_replies=False
    )
    return address
