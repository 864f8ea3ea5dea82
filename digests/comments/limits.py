"""How often a reader may post: per IP address and per e-mail, in the shared cache.

Each identity (an IP hash, an e-mail address) may post once per
``COMMENT_MIN_INTERVAL`` seconds and ``COMMENT_WINDOW_MAX`` times per
``COMMENT_WINDOW`` seconds. The counts live in the store of limits (the
``limits`` cache: Redis in production, its own table otherwise), shared by
every process and machine and never evicted by cached pages.
"""

import logging
import math
import time

from django.conf import settings
from django.core.cache import caches
from django.utils.crypto import salted_hmac

from .refusals import CommentRefused

log = logging.getLogger(__name__)


def check_rate_limit(*identities, now=None):
    """Refuse with 429 when any identity posted too recently or too often.

    Every identity is checked before any slot is claimed, so a refusal never
    blocks an identity for nothing; the slots are then claimed with an atomic
    ``cache.add`` (a concurrent post that loses the race is refused). The
    window is counted in one-minute buckets. If the cache cannot be reached
    the check fails closed: better to refuse a comment than to let a flood
    through.
    """
    now = now or time.time()
    keys = [identity_key(identity) for identity in identities if identity]
    try:
        for key in keys:
            check_identity(key, now)
        claimed = []
        for key in keys:
            if not claim(key, now):
                store().delete_many([slot_key(k) for k in claimed])
                raise too_soon(settings.DIGESTS_COMMENT_MIN_INTERVAL)
            claimed.append(key)
        for key in keys:
            counter = bucket_key(key, int(now // 60))
            store().add(counter, 0, timeout=settings.DIGESTS_COMMENT_WINDOW + 60)
            store().incr(counter)
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


def store():
    return caches["limits"]


def identity_key(identity):
    return salted_hmac("digests.comments.rate", identity.casefold()).hexdigest()[:32]


def slot_key(key):
    return f"comments:rate:{key}:last"


def bucket_key(key, minute):
    return f"comments:rate:{key}:{minute}"


def check_identity(key, now):
    interval = settings.DIGESTS_COMMENT_MIN_INTERVAL
    window = settings.DIGESTS_COMMENT_WINDOW
    limit = settings.DIGESTS_COMMENT_WINDOW_MAX
    minute = int(now // 60)
    minutes = [minute - n for n in range(window // 60)]
    counts = store().get_many([bucket_key(key, m) for m in minutes])
    if sum(counts.values()) >= limit:
        oldest = min(int(k.rsplit(":", 1)[1]) for k in counts)
        retry = max(1, int((oldest + window // 60) * 60 - now))
        raise CommentRefused(
            f"You have posted {limit} comments in the last {window // 60} minutes. "
            f"Please wait {seconds(retry)} and post again; your text is kept below.",
            status=429,
            retry_after=retry,
        )
    last = store().get(slot_key(key))
    if last is not None and now - last < interval:
        raise too_soon(math.ceil(interval - (now - last)))


def claim(key, now):
    """Take the identity's posting slot; False if another request holds it."""
    slot = slot_key(key)
    if store().add(slot, now, timeout=settings.DIGESTS_COMMENT_MIN_INTERVAL):
        return True
    last = store().get(slot)
    if last is None or now - last >= settings.DIGESTS_COMMENT_MIN_INTERVAL:
        store().set(slot, now, timeout=settings.DIGESTS_COMMENT_MIN_INTERVAL)
        return True
    return False


def too_soon(retry):
    retry = max(1, retry)
    return CommentRefused(
        f"Please wait {seconds(retry)} between comments; your text is kept below.",
        status=429,
        retry_after=retry,
    )


def seconds(count):
    return f"{count} second{'s' if count != 1 else ''}"
