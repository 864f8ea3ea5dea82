"""The versions cached pages are checked against: the content and the release.

The **content version** is a token that every change a reader could see
replaces (``bump()``: the model signals in ``signals.py`` call it). A cached
page carries the token it was rendered under and is served only while that
token is still the current one, so no process, on any machine, can serve a
page from before an edit. It lives where every process that serves pages
can read it, once per request:

* ``"file"`` (the default without Redis: one machine): a small file in
  ``var/``. Reading it is an open and a read of a few bytes, no round trip
  to any server; a bump writes a new file beside it and renames it into
  place, so a reader sees the old token or the new one, never half of one.
* ``"redis"`` (with ``REDIS_URL``: any number of machines): one key in
  Redis, read with one GET through redis-py's own client, kept for the
  process (Django's cache API builds a new client for every call, which
  cost a cached page more than the rest of serving it).

The **release** is a fingerprint of the templates, static files and content
security policy this process serves, part of every page and fragment key:
a deploy that changes how pages look never serves pages rendered by the
previous code.
"""

import hashlib
import logging
import os
import threading
import uuid
from functools import lru_cache
from pathlib import Path

import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver

log = logging.getLogger(__name__)

def new_token():
    return uuid.uuid4().hex


class FileVersion:
    """The content version as a file that every process on this machine reads."""

    def __init__(self, path):
        self.path = Path(path)

    def read(self):
        try:
            with open(self.path) as handle:
                token = handle.read()
        except FileNotFoundError:
            token = ""
        return token or self.bump()

    def bump(self):
        token = new_token()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the real file under a name of this thread's own, then
        # renamed over it: a rename replaces the file whole.
        draft = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}")
        draft.write_text(token)
        os.replace(draft, self.path)
        return token


class RedisVersion:
    """The content version as one Redis key, shared by every machine."""

    def __init__(self, url, key, timeout):
        self.key = key
        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )

    def read(self):
        token = self.client.get(self.key)
        if token is None:  # a new or flushed Redis: the first reader starts a version
            self.client.set(self.key, new_token(), nx=True)
            token = self.client.get(self.key)
        return token.decode()

    def bump(self):
        token = new_token()
        self.client.set(self.key, token)
        return token


@lru_cache(maxsize=1)
def store():
    if settings.DIGESTS_CONTENT_VERSION == "redis":
        return RedisVersion(
            settings.DIGESTS_CONTENT_VERSION_REDIS_URL,
            f"{settings.DIGESTS_CONTENT_VERSION_KEY}:pages:version",
            settings.DIGESTS_REDIS_TIMEOUT,
        )
    return FileVersion(settings.DIGESTS_CONTENT_VERSION_FILE)


@receiver(setting_changed)
def _settings_changed(*, setting, **kwargs):
    if setting.startswith("DIGESTS_CONTENT_VERSION"):
        store.cache_clear()
    if setting in ("DIGESTS_RELEASE", "CONTENT_SECURITY_POLICY", "TEMPLATES"):
        release.cache_clear()


def current():
    """The content version: one read of the file or of Redis."""
    return store().read()


def bump():
    """Move the content version on, now and again once the transaction commits.

    The bump after commit is the one that matters: before it, another process
    could still render the old rows and store them under a new version. The
    immediate one keeps reads inside the same transaction fresh."""
    _bump_now()
    transaction.on_commit(_bump_now)


def _bump_now():
    try:
        store().bump()
    except Exception as error:  # a cache or disk outage must not break a save
        log.warning("could not move the page cache version on: %s", error)


@lru_cache(maxsize=1)
def release():
    """A fingerprint of the templates and static files this process serves.

    Taken from the files' contents, so every process running the same code
    agrees; ``RELEASE`` sets it by hand (a git commit, say). The content
    security policy counts too: stored pages carry its header."""
    if settings.DIGESTS_RELEASE:
        return settings.DIGESTS_RELEASE
    digest = hashlib.sha256(repr(settings.CONTENT_SECURITY_POLICY).encode())
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [Path(folder) for folder in settings.STATICFILES_DIRS]
    folders.append(Path(__file__).resolve().parent.parent / "templates")
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
