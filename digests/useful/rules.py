"""Who may mark a paper useful, and how the mark is counted.

One mark per reader: the browser keeps a signed cookie listing the papers it
marked (readable by the page's script, which shows them as marked; nothing
per reader is ever in a cached page). Clearing the cookie is not a way to
inflate a count: each IP address may mark ``USEFUL_WINDOW_MAX`` papers per
``USEFUL_WINDOW`` seconds, counted in one-minute buckets in the shared
``limits`` cache (as comments are, digests/comments/limits.py), and the same
paper once per window (an atomic ``cache.add``, which also settles a double
click that sent the cookie-less form twice). The count
itself moves in one ``UPDATE … SET useful_count = useful_count + 1``: no lost
click under concurrency, no save signal, so the page cache's content version
stays put (pages show the count as of their last rebuild; the script fetches
the current ones).
"""

import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.db.models import F
from django.utils.crypto import salted_hmac

from ..models import Paper

log = logging.getLogger(__name__)

COOKIE = "digests_useful"
COOKIE_SALT = "digests.useful"
COOKIE_MAX_AGE = 2 * 365 * 24 * 60 * 60
REMEMBERED = 400  # papers a cookie lists (newest kept): well under 4 kB


class MarkRefused(Exception):
    def __init__(self, message, status, retry_after):
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after


def marked(request):
    """The ids of the papers this browser marked (its signed cookie; [] if forged or absent)."""
    value = request.get_signed_cookie(COOKIE, default="", salt=COOKIE_SALT)
    return [int(part) for part in value.split(".") if part.isascii() and part.isdigit()][
        -REMEMBERED:
    ]


def remember(response, ids):
    """Sign ``ids`` into the reader's cookie (not HttpOnly: the page's script reads it)."""
    response.set_signed_cookie(
        COOKIE,
        ".".join(str(pk) for pk in ids[-REMEMBERED:]),
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        secure=settings.CSRF_COOKIE_SECURE,
        samesite="Lax",
    )


def store():
    return caches["limits"]


def identity(ip):
    return salted_hmac("digests.useful.rate", ip).hexdigest()[:32]


def bucket_key(ip, minute):
    return f"useful:rate:{identity(ip)}:{minute}"


def claim_key(ip, paper_id):
    return f"useful:paper:{identity(ip)}:{paper_id}"


def check_rate_limit(ip, paper_id, now=None):
    """Count one mark of ``paper_id`` for ``ip``: True, or False when this address
    marked that paper within the window; refused (429) when it marked too many.

    The store unreachable: refused (503), as comments are, so a flood cannot
    get through while it is down."""
    now = now or time.time()
    window, limit = settings.DIGESTS_USEFUL_WINDOW, settings.DIGESTS_USEFUL_WINDOW_MAX
    minute = int(now // 60)
    minutes = [minute - n for n in range(max(1, window // 60))]
    try:
        counts = store().get_many([bucket_key(ip, m) for m in minutes])
        if sum(counts.values()) >= limit:
            oldest = min((int(key.rsplit(":", 1)[1]) for key in counts), default=minute)
            retry = max(1, int((oldest + window // 60) * 60 - now))
            raise MarkRefused(
                f"You have marked {limit} papers as useful in the last {window // 60} minutes. "
                f"Please wait {minutes_or_seconds(retry)} and try again.",
                status=429,
                retry_after=retry,
            )
        if not store().add(claim_key(ip, paper_id), 1, timeout=window):
            return False
        key = bucket_key(ip, minute)
        store().add(key, 0, timeout=window + 60)
        store().incr(key)
        return True
    except MarkRefused:
        raise
    except Exception as error:  # the store is down: fail closed
        log.warning("useful rate limit unavailable: %s", error)
        raise MarkRefused(
            "We can't count this right now. Please try again in a minute.",
            status=503,
            retry_after=60,
        ) from error


def minutes_or_seconds(count):
    if count >= 120:
        return f"{round(count / 60)} minutes"
    return f"{count} second{'s' if count != 1 else ''}"


def mark(paper, already, ip):
    """Mark ``paper`` useful for a reader who marked ``already`` (ids) before.

    Returns (counted, the paper's count now). A paper marked before is not
    counted again and costs the reader nothing of their limit."""
    if paper.pk in already or not check_rate_limit(ip, paper.pk):
        return False, current_count(paper.pk)
    Paper.objects.filter(pk=paper.pk).update(useful_count=F("useful_count") + 1)
    return True, current_count(paper.pk)


def current_count(pk):
    return Paper.objects.filter(pk=pk).values_list("useful_count", flat=True).first() or 0


def counts(ids):
    """{id: count} of the published papers among ``ids`` (one query)."""
    return dict(Paper.objects.published().filter(pk__in=ids).values_list("pk", "useful_count"))
