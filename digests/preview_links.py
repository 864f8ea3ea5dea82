"""Signed, expiring links that show a draft issue to a reviewer without an account.

A link carries the issue's id, the moment it expires and the issue's current
*preview key*, signed with the site's secret (django.core.signing, own salt).
Nobody can make or stretch one without the secret; "Revoke all links"
gives the issue a new key, which every earlier link then fails to match.
"""

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core import signing

SALT = "digests.preview-link"
DEFAULT_DAYS = 7
DAY_CHOICES = (1, 3, 7, 14, 30)


def new_preview_key():
    return secrets.token_urlsafe(12)


class InvalidLink(Exception):
    """The link cannot be used; ``reason`` says why in words for the reviewer."""

    def __init__(self, reason, *, status):
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Link:
    issue_id: int
    expires_at: datetime


def make_token(issue, *, days=DEFAULT_DAYS, now=None):
    expires = int((now or time.time()) + timedelta(days=days).total_seconds())
    payload = {"i": issue.pk, "k": issue.preview_key, "e": expires}
    return signing.dumps(payload, salt=SALT, compress=True)


def expiry_of(token):
    """When a token we just made expires (for the editor's confirmation)."""
    return datetime.fromtimestamp(signing.loads(token, salt=SALT)["e"], tz=UTC)


def read_token(token, *, now=None):
    """The issue id a link opens, or InvalidLink (404 for garbage, 403 for expired or withdrawn)."""
    try:
        payload = signing.loads(token, salt=SALT)
        issue_id, key, expires = int(payload["i"]), str(payload["k"]), int(payload["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise InvalidLink("This preview link is not valid.", status=404) from error
    if (now or time.time()) >= expires:
        raise InvalidLink(
            "This preview link has expired. Ask the editors for a new one.", status=403
        )
    return Link(issue_id=issue_id, expires_at=datetime.fromtimestamp(expires, tz=UTC)), key


def check_key(issue, key):
    if not secrets.compare_digest(issue.preview_key, key):
        raise InvalidLink(
            "This preview link has been withdrawn by the editors. Ask them for a new one.",
            status=403,
        )
