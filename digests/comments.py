"""Comment rules: who may post, what is held, how fast, and who is told.

One module, called by the public views, the admin and the tests alike. Views
validate the form; everything with a rule in it happens here.
"""

import logging
import math
import re
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import BlockedTerm, Comment, body_fingerprint, comparable

log = logging.getLogger(__name__)

MAX_LINKS = 2
URL_PATTERN = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
UNSUBSCRIBE_SALT = "digests.comments.unsubscribe"


@dataclass
class CommentRefused(Exception):
    """A submission the rules refuse; the view shows ``message`` beside the kept text."""

    message: str
    status: int = 400
    retry_after: int | None = None

    def __str__(self):
        return self.message


# --- Text ---------------------------------------------------------------------


def clean_text(value):
    """Drop control and invisible formatting junk, keep every real character.

    Newlines and tabs stay; other C0/C1 controls and stray surrogates go.
    Emoji, right-to-left text and combining marks are untouched.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        char
        for char in value
        if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs", "Co", "Cn")
    )


def count_links(body):
    return len(URL_PATTERN.findall(body))


def blocked_terms_in(text):
    """The blocklisted terms that appear in ``text`` as whole words or phrases."""
    folded = comparable(text)
    found = []
    for term in BlockedTerm.objects.values_list("term", flat=True):
        if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", folded):
            found.append(term)
    return found


# --- Who is posting -----------------------------------------------------------------


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


def is_editor(user):
    """Staff who may moderate comments post as “Editor”; other staff are readers here."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("digests.change_comment")
    )


# --- Rate limits (shared cache, so they hold across processes and machines) ----------


def check_rate_limit(*identities, now=None):
    """Refuse with 429 when any identity posted too recently or too often.

    Each identity (an IP hash, an e-mail address) may post once per
    ``COMMENT_MIN_INTERVAL`` seconds and ``COMMENT_WINDOW_MAX`` times per
    ``COMMENT_WINDOW`` seconds. Every identity is checked before any slot is
    claimed, so a refusal never blocks an identity for nothing; the slots are
    then claimed with an atomic ``cache.add`` (a concurrent post that loses the
    race is refused). The window is counted in one-minute buckets. If the cache
    cannot be reached the check fails closed: better to refuse a comment than
    to let a flood through.
    """
    now = now or time.time()
    identities = [hash_key(identity) for identity in identities if identity]
    try:
        for key in identities:
            _check_identity(key, now)
        claimed = []
        for key in identities:
            if not _claim(key, now):
                cache.delete_many([f"comments:rate:{k}:last" for k in claimed])
                raise _too_soon(settings.DIGESTS_COMMENT_MIN_INTERVAL)
            claimed.append(key)
        bucket = int(now // 60)
        for key in identities:
            counter = f"comments:rate:{key}:{bucket}"
            cache.add(counter, 0, timeout=settings.DIGESTS_COMMENT_WINDOW + 60)
            cache.incr(counter)
    except CommentRefused:
        raise
    except Exception as error:  # the cache is down: fail closed
        log.warning("comment rate limit unavailable: %s", error)
        raise CommentRefused(
            "We can't accept comments for a moment. Please try again in a minute; "
            "your text is kept below.",
            status=503,
            retry_after=60,
        ) from error


def _check_identity(key, now):
    interval = settings.DIGESTS_COMMENT_MIN_INTERVAL
    window = settings.DIGESTS_COMMENT_WINDOW
    limit = settings.DIGESTS_COMMENT_WINDOW_MAX
    bucket = int(now // 60)
    buckets = [bucket - n for n in range(window // 60)]
    counts = cache.get_many([f"comments:rate:{key}:{b}" for b in buckets])
    if sum(counts.values()) >= limit:
        oldest = min(int(k.rsplit(":", 1)[1]) for k in counts)
        retry = max(1, int((oldest + window // 60) * 60 - now))
        raise CommentRefused(
            f"You have posted {limit} comments in the last {window // 60} minutes. "
            f"Please wait {seconds(retry)} and post again; your text is kept below.",
            status=429,
            retry_after=retry,
        )
    last = cache.get(f"comments:rate:{key}:last")
    if last is not None and now - last < interval:
        raise _too_soon(math.ceil(interval - (now - last)))


def _claim(key, now):
    """Take the identity's posting slot; False if another request holds it."""
    slot = f"comments:rate:{key}:last"
    if cache.add(slot, now, timeout=settings.DIGESTS_COMMENT_MIN_INTERVAL):
        return True
    last = cache.get(slot)
    if last is None or now - last >= settings.DIGESTS_COMMENT_MIN_INTERVAL:
        cache.set(slot, now, timeout=settings.DIGESTS_COMMENT_MIN_INTERVAL)
        return True
    return False


def _too_soon(retry):
    retry = max(1, retry)
    return CommentRefused(
        f"Please wait {seconds(retry)} between comments; your text is kept below.",
        status=429,
        retry_after=retry,
    )


def seconds(count):
    return f"{count} second{'s' if count != 1 else ''}"


def hash_key(identity):
    return salted_hmac("digests.comments.rate", identity.casefold()).hexdigest()[:32]


# --- Moderation -------------------------------------------------------------------------


def decide(*, body, author_email, editor=False):
    """(status, reason) for a new comment, by the house rules."""
    if editor:
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


def create(
    *,
    issue,
    body,
    author_name="",
    author_email="",
    paper=None,
    reply_to=None,
    user=None,
    ip="",
    user_agent="",
    notify_replies=False,
    honeypot="",
    rate_limit=True,
):
    """Store a comment under ``issue`` (and ``paper``), applying every rule.

    Returns the comment; raises CommentRefused when the rules say no. The
    status tells the caller whether it is public at once or held.
    """
    editor = is_editor(user)
    if editor:
        author_name = (author_name or user.get_full_name() or user.get_username())[:80]
        author_email = author_email or user.email or f"{user.get_username()}@editors.invalid"
    closed = issue.comments_closed_reason()
    if closed and not editor:
        raise CommentRefused(closed + " Your text is kept below.", status=403)
    if paper is not None and paper.issue_id != issue.pk:
        raise CommentRefused("That paper is not part of this issue.")
    parent = in_reply_to = None
    if reply_to is not None:
        if reply_to.issue_id != issue.pk or not (reply_to.is_public or editor):
            raise CommentRefused("The comment you are replying to is not available.")
        in_reply_to = reply_to
        parent = reply_to.parent or reply_to  # replies are one level deep
        paper = parent.paper
    body = clean_text(body).strip()
    author_name = " ".join(clean_text(author_name).split())
    if not body:
        raise CommentRefused("Please write something before posting.")
    ip_hash = hash_ip(ip)

    if Comment.objects.filter(issue=issue, body_hash=body_fingerprint(body)).exists():
        raise CommentRefused("This exact comment has already been posted here.")
    if rate_limit and not editor:
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
        user=user if editor else None,
        is_editor=editor,
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
    if status == Comment.Status.APPROVED:
        transaction.on_commit(lambda: notify_reply(comment))
    elif status == Comment.Status.PENDING:
        transaction.on_commit(lambda: notify_moderators(comment))
    return comment


def moderate(comments, status):
    """Set ``status`` on ``comments``; newly approved replies notify their thread."""
    changed = []
    now = timezone.now()
    for comment in comments.select_related("issue", "paper", "parent", "in_reply_to"):
        if comment.status == status:
            continue
        was_public = comment.is_public
        comment.status = status
        comment.moderated_at = now
        comment.save(update_fields=["status", "moderated_at"])
        changed.append(comment)
        if comment.is_public and not was_public:
            transaction.on_commit(lambda c=comment: notify_reply(c))
    return changed


# --- E-mail -------------------------------------------------------------------------------


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


def notify_moderators(comment):
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
        subject=f"[{settings.DIGESTS_SITE_NAME}] Comment held: {comment.issue.title}"[:200],
        message=render_to_string("digests/email/comment_held.txt", context),
        from_email=None,
        recipient_list=recipients,
        fail_silently=True,
    )


def notify_reply(comment):
    """Tell the authors of the thread (who opted in) that ``comment`` answers them."""
    if comment.parent_id is None or not comment.is_public:
        return
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
        if address in sent:
            continue
        sent.add(address)
        unsubscribe = absolute(reverse("digests:unsubscribe", args=[unsubscribe_token(address)]))
        context = {
            "comment": comment,
            "target": target,
            "comment_url": absolute(comment.get_absolute_url()),
            "unsubscribe_url": unsubscribe,
        }
        message = EmailMultiAlternatives(
            subject=f"{comment.author_name} replied to you on {comment.issue.title}"[:200],
            body=render_to_string("digests/email/reply.txt", context),
            to=[target.author_email],
            headers={
                # RFC 8058: mail programs show an unsubscribe button that POSTs here.
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        try:
            message.send()
        except Exception as error:  # a mail outage must not lose the comment
            log.warning("reply notification to comment %s failed: %s", target.pk, error)


def unsubscribe_token(address):
    return signing.dumps(address.casefold(), salt=UNSUBSCRIBE_SALT, compress=True)


def address_from_token(token):
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None


def unsubscribe_token_is_valid(token):
    return address_from_token(token) is not None


def unsubscribe(token):
    """Stop reply e-mails for the address in ``token``; returns it, or None if invalid."""
    address = address_from_token(token)
    if address is None:
        return None
    Comment.objects.filter(author_email__iexact=address, notify_replies=True).update(
        notify_replies=False
    )
    return address
