"""What may be posted, what is published at once and what waits for an editor.

Plain functions with keyword arguments, called by the comment form's view,
the admin's "Reply as editor" and the tests alike. Views validate the form;
every decision with a rule in it is made here, once.
"""

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from . import tasks
from .limits import check_rate_limit
from .models import BlockedTerm, Comment
from .refusals import CommentRefused
from .text import body_fingerprint, clean_text, comparable, count_links

MAX_LINKS = 2
REPLY_TARGET_GONE = "The comment you are replying to is not available."


# --- Who is posting -----------------------------------------------------------------


def editor_for(user):
    """``user`` if they post as “Editor” (staff who may moderate comments), else None.

    Other staff comment like readers. Callers ask once per request and pass
    the answer on (to the form and to ``create``)."""
    if (
        user
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("digests.change_comment")
    ):
        return user
    return None


def client_ip(request):
    """The reader's address, honouring only as many proxies as we run."""
    proxies = settings.DIGESTS_TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def hash_ip(ip):
    """A salted, keyed hash: lets moderators group comments without storing the IP."""
    if not ip:
        return ""
    return salted_hmac("digests.comments.ip", ip, algorithm="sha256").hexdigest()


# --- What is held -----------------------------------------------------------------------


def blocked_terms_in(text):
    """The blocklisted terms that appear in ``text`` as whole words or phrases."""
    folded = comparable(text)
    found = []
    for term in BlockedTerm.objects.values_list("term", flat=True):
        if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", folded):
            found.append(term)
    return found


def decide(*, body, author_email, editor=None):
    """(status, reason) for a new comment, by the house rules."""
    if editor is not None:
        return Comment.Status.APPROVED, ""
    links = count_links(body)
    if links > MAX_LINKS:
        return Comment.Status.PENDING, f"{links} links (more than {MAX_LINKS})"
    terms = blocked_terms_in(body)
    if terms:
        return Comment.Status.PENDING, "blocked term: " + ", ".join(terms)
    # Editors' own comments don't count: their address must not become a way
    # for anyone who types it to skip moderation.
    known = Comment.objects.filter(
        author_email__iexact=author_email, status=Comment.Status.APPROVED, is_editor=False
    ).exists()
    if not known:
        return Comment.Status.PENDING, "first comment from this e-mail address"
    return Comment.Status.APPROVED, ""


# --- Posting ------------------------------------------------------------------------------


def reply_target(issue, comment_id, *, editor=None):
    """The comment of ``issue`` being answered, or CommentRefused.

    Readers answer only comments they can see; editors may also answer one
    still waiting for moderation."""
    candidates = Comment.objects.filter(pk=comment_id, issue=issue)
    if editor is None:
        candidates = candidates.public()
    target = candidates.select_related("parent").first()
    if target is None:
        raise CommentRefused(REPLY_TARGET_GONE)
    return target


def create(
    *,
    issue,
    body,
    author_name="",
    author_email="",
    paper=None,
    reply_to=None,
    editor=None,
    ip="",
    user_agent="",
    notify_replies=False,
    honeypot="",
    rate_limit=True,
):
    """Store a comment under ``issue`` (and ``paper``), applying every rule.

    ``reply_to`` is the id of the comment answered; ``editor`` the user
    ``editor_for`` found posting as Editor (None for readers). Returns the
    comment; raises CommentRefused when the rules say no. Its status tells
    the caller whether it is public at once or held.
    """
    if editor is not None:
        author_name = (author_name or editor.get_full_name() or editor.get_username())[:80]
        author_email = author_email or editor.email or f"{editor.get_username()}@editors.invalid"
    closed = issue.comments_closed_reason()
    if closed and editor is None:
        raise CommentRefused(closed + " Your text is kept below.", status=403)
    if paper is not None and paper.issue_id != issue.pk:
        raise CommentRefused("That paper is not part of this issue.")
    parent = in_reply_to = None
    if reply_to is not None:
        in_reply_to = reply_target(issue, reply_to, editor=editor)
        parent = in_reply_to.parent or in_reply_to  # replies are one level deep
        paper = parent.paper
    body = clean_text(body).strip()
    author_name = " ".join(clean_text(author_name, name=True).split())
    if not body:
        raise CommentRefused("Please write something before posting.")
    ip_hash = hash_ip(ip)

    if Comment.objects.filter(issue=issue, body_hash=body_fingerprint(body)).exists():
        raise CommentRefused("This exact comment has already been posted here.")
    if rate_limit and editor is None:
        check_rate_limit(ip_hash, author_email)

    if honeypot:
        status, reason = Comment.Status.SPAM, "filled in the hidden field"
    else:
        status, reason = decide(body=body, author_email=author_email, editor=editor)
    comment = Comment(
        issue=issue,
        paper=paper,
        parent=parent,
        in_reply_to=in_reply_to,
        author_name=author_name,
        author_email=author_email,
        user=editor,
        is_editor=editor is not None,
        body=body,
        status=status,
        held_reason=reason[:200],
        notify_replies=notify_replies,
        ip_hash=ip_hash,
        user_agent=clean_text(user_agent)[:300],
    )
    try:
        with transaction.atomic():
            comment.save()
    except IntegrityError as error:  # the same body won a race with us
        raise CommentRefused("This exact comment has already been posted here.") from error
    # The mail goes through the task queue, asked once the comment is stored
    # (a queue that can't be reached is logged, and the comment still stands).
    if status == Comment.Status.APPROVED and parent is not None:
        transaction.on_commit(lambda: tasks.tell_thread.enqueue(comment.pk), robust=True)
    elif status == Comment.Status.PENDING:
        transaction.on_commit(lambda: tasks.tell_moderators.enqueue(comment.pk), robust=True)
    return comment


def moderate(comments, status):
    """Set ``status`` on ``comments``; newly approved replies notify their thread."""
    changed = []
    now = timezone.now()
    for comment in comments.select_related("issue", "paper", "parent", "in_reply_to"):
        if comment.status == status:
            continue
        was_approved = comment.is_approved
        comment.status = status
        comment.moderated_at = now
        comment.save(update_fields=["status", "moderated_at"])
        changed.append(comment)
        if comment.is_approved and not was_approved and comment.parent_id:
            transaction.on_commit(lambda pk=comment.pk: tasks.tell_thread.enqueue(pk), robust=True)
    return changed
