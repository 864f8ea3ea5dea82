"""The mail a comment sets off, sent by the task queue once the comment is
stored, so a slow or absent mail server never holds the reader who posted.

Each task gets the comment's id and reads the comment when it runs: a reply
removed in the meantime tells no one, a comment moderated before its notice
went out needs no notice. Mail that meets a temporary failure is tried again
later (``mail_retry``); the comment itself is never at stake.
"""

import logging

from django_tasks import task

from .. import mail_retry
from . import notify
from .models import Comment

log = logging.getLogger(__name__)


@task()
def tell_thread(comment_id, addresses=None, attempt=0):
    """Tell the thread's authors about the reply ``comment_id`` (``addresses``:
    only these, when trying again for the ones that failed)."""
    comment = Comment.objects.select_related("issue").filter(pk=comment_id).first()
    if comment is None:
        return
    failed = notify.reply_posted(comment, only=addresses)
    again = sorted(address for address, error in failed if mail_retry.is_temporary(error))
    if again and not mail_retry.try_again(tell_thread, attempt, comment_id, addresses=again):
        log.warning("reply notifications for comment %s given up: %s", comment_id, again)


@task()
def tell_moderators(comment_id, attempt=0):
    """Tell the moderators that comment ``comment_id`` waits for them, if it still does."""
    comment = (
        Comment.objects.select_related("issue", "paper")
        .filter(pk=comment_id, status=Comment.Status.PENDING)
        .first()
    )
    if comment is None:
        return
    try:
        notify.moderators(comment)
    except Exception as error:
        mail_retry.after_failure(
            tell_moderators, attempt, error, f"moderator notice for comment {comment_id}",
            comment_id,
        )
