"""How often the Subscribe form may be sent: per IP address and per e-mail
address, counted in the shared store of limits (the ``limits`` cache), and how
often one address may be mailed a confirmation.

Each identity may ask ``DIGESTS_SUBSCRIBE_WINDOW_MAX`` (an IP address) or
``DIGESTS_SUBSCRIBE_ADDRESS_WINDOW_MAX`` (an e-mail address) times per
``DIGESTS_SUBSCRIBE_WINDOW`` seconds; more is refused with 429 and
``Retry-After``. The limits are the same whoever the address belongs to, so
they say nothing about who subscribes.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.utils.crypto import salted_hmac

log = logging.getLogger(__name__)


@dataclass
class SubscribeRefused(Exception):
    message: str
    status: int = 429
    retry_after: int | None = None

    def __str__(self):
        return self.message


def store():
    return caches["limits"]


def key_of(kind, identity):
    digest = salted_hmac("digests.subscribe.rate", f"{kind}:{identity.casefold()}").hexdigest()
    return f"subscribe:{kind}:{digest[:32]}"


def check_rate_limit(ip, email, *, now=None):
    """Count this request for ``ip`` and ``email``; refuse (429) past either limit.

    Fixed windows: every identity is checked before any is counted, so a
    refusal never uses up a slot. If the store cannot be reached, the form
    is refused (503): better than letting a flood of mail through."""
    now = now or time.time()
    window = settings.DIGESTS_SUBSCRIBE_WINDOW
    number = int(now // window)
    limits = [
        (key_of("ip", ip), settings.DIGESTS_SUBSCRIBE_WINDOW_MAX) if ip else None,
        (key_of("email", email), settings.DIGESTS_SUBSCRIBE_ADDRESS_WINDOW_MAX),
    ]
    keys = [(f"{key}:{number}", limit) for key, limit in filter(None, limits)]
    try:
        counts = store().get_many([key for key, _ in keys])
        if any(counts.get(key, 0) >= limit for key, limit in keys):
            retry = max(1, int((number + 1) * window - now))
            raise SubscribeRefused(
                "You have asked several times in a short while. "
                f"Please try again in {minutes(retry)}.",
                retry_after=retry,
            )
        for key, _ in keys:
            store().add(key, 0, timeout=window + 60)
            store().incr(key)
    except SubscribeRefused:
        raise
    except Exception as error:  # the store is down: fail closed
        log.warning("subscribe rate limit unavailable: %s", error)
        raise SubscribeRefused(
            "We can't take subscriptions for a moment. Please try again in a minute.",
            status=503,
            retry_after=60,
        ) from error


def may_mail(email):
    """True at most once per ``DIGESTS_SUBSCRIBE_RESEND_MINUTES`` per address."""
    timeout = settings.DIGESTS_SUBSCRIBE_RESEND_MINUTES * 60
    try:
        return bool(store().add(key_of("mailed", email), 1, timeout=timeout))
    except Exception as error:
        log.warning("subscribe resend limit unavailable: %s", error)
        return False


def minutes(seconds):
    count = max(1, -(-seconds // 60))
    return f"{count} minute{'s' if count != 1 else ''}"
