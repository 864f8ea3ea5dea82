"""Whole-page caching for anonymous readers that is never stale.

Every cached page carries the *content version* it was rendered under and is
served only while that version is current. Any change readers could see (an
issue, paper, section, tag or approved comment saved or deleted, a scheduled
issue reaching its time) moves the version on, so the next request on any
process or machine renders afresh. A hit is one round trip to the cache: the
version and the page's entry are fetched together. The version lives in
the shared cache (Redis in production), never in a process.

Per-reader parts of a page (the comment form's CSRF token and its signed
"shown at" time) are rendered as markers and filled in on every response, so
one cached copy serves everyone.
"""

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import parse_http_date_safe

from ..comments.forms import SHOWN_AT_MARKER, current_form_timestamp
from .csrf_tokens import fast_get_token
from .version_watch import VersionWatch

log = logging.getLogger(__name__)

VERSION_KEY = "pages:version"
GO_LIVE_KEY = "pages:next-go-live"
CSRF_MARKER = b"__digests_csrf_token__"
SHOWN_AT_MARKER_BYTES = SHOWN_AT_MARKER.encode()
MARKER_PREFIX = b"__digests_"
NO_SCHEDULED_ISSUE = float("inf")
# What a 304 repeats of the full response (as django.utils.cache does).
REPEATED_BY_304 = {"cache-control", "content-location", "date", "expires", "last-modified", "vary"}
# Part of every page key: a release that stores entries differently never reads old ones.
ENTRY_FORMAT = 3


watch = VersionWatch(VERSION_KEY)


@receiver(setting_changed)
def _cache_changed(*, setting, **kwargs):
    if setting == "CACHES":  # another cache: its channel, or none
        watch.reset()


# --- The release --------------------------------------------------------------------


@lru_cache(maxsize=1)
def release():
    """A fingerprint of the templates and static files this process serves.

    Part of every page key, so a deploy that changes how pages look is seen at
    once, without waiting for an edit to move the content version on. Taken
    from the files' contents, so every process running the same code agrees.
    The content security policy counts too: stored pages carry its header."""
    if settings.DIGESTS_RELEASE:
        return settings.DIGESTS_RELEASE
    digest = hashlib.sha256(repr(settings.CONTENT_SECURITY_POLICY).encode())
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [Path(folder) for folder in settings.STATICFILES_DIRS]
    folders.append(Path(__file__).resolve().parent / "templates")
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# --- The content version ----------------------------------------------------------


def bump():
    """Move the content version on, now and again once the transaction commits.

    The bump after commit is the one that matters: before it, another process
    could still render the old rows and store them under a new version. The
    immediate bump keeps reads inside the same transaction fresh."""
    _bump_now()
    transaction.on_commit(_bump_now)


def _bump_now():
    try:
        cache.set(VERSION_KEY, f"{time.time_ns():x}", timeout=None)
        cache.delete(GO_LIVE_KEY)
        watch.publish()
    except Exception as error:  # a cache outage must not break a save
        log.warning("could not move the page cache version on: %s", error)


def current_version(now=None, also=()):
    """The version pages must carry; moves on by itself when a scheduled issue goes live.

    ``also`` names more keys to fetch in the same round trip; their values
    come back as the second item. Without them, and with Redis, the answer
    usually comes from this process's watched copy (``version_watch.py``)."""
    now = now or time.time()
    known, generation = watch.known()
    if known is not None and not also and now < known[1]:
        return known[0], {}
    values = cache.get_many([VERSION_KEY, GO_LIVE_KEY, *also])
    version, go_live = values.get(VERSION_KEY), values.get(GO_LIVE_KEY)
    if version is None or (go_live is not None and now >= go_live):
        version = f"{time.time_ns():x}"
        cache.set(VERSION_KEY, version, timeout=None)
        go_live = None
        watch.publish()
    if go_live is None:
        go_live = next_go_live()
        cache.set(GO_LIVE_KEY, go_live, timeout=None)
    watch.remember((version, go_live), generation)
    return version, values


def next_go_live():
    """When the next scheduled issue becomes public (a POSIX time), or infinity."""
    from ..models import Issue

    upcoming = (
        Issue.objects.filter(status=Issue.Status.PUBLISHED, published_at__gt=timezone.now())
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return upcoming.timestamp() if upcoming else NO_SCHEDULED_ISSUE


# --- Markers for the per-reader parts of a page ---------------------------------------


_MARKERS = re.compile(b"(%s|%s)" % (re.escape(CSRF_MARKER), re.escape(SHOWN_AT_MARKER_BYTES)))


def split_at_markers(content):
    """The page cut at its markers: text, marker, text, …, text (markers at odd places)."""
    return _MARKERS.split(content) if MARKER_PREFIX in content else [content]


def fill_markers(request, parts):
    """The page from ``split_at_markers`` with this reader's CSRF token and a fresh
    form time where the markers were, in one copy of the bytes."""
    if len(parts) == 1:
        return parts[0]
    values = {}
    filled = list(parts)
    for index in range(1, len(parts), 2):
        marker = parts[index]
        if marker not in values:
            if marker == CSRF_MARKER:
                values[marker] = fast_get_token(request).encode()
            else:
                values[marker] = current_form_timestamp().encode()
        filled[index] = values[marker]
    return b"".join(filled)


# --- This process's copies ----------------------------------------------------------------


class LocalPages:
    """This process's copies of pages from the shared cache, least recently used out first.

    Saves fetching and unpickling a page's body on every hit: only the content
    version still comes from the shared cache, and a copy is used only while
    its version is the current one, so it is exactly as fresh as the shared
    entry. Bounded by the bytes of the bodies it holds."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.size = 0
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            stored = self.entries.get(key)
            if stored is not None:
                self.entries.move_to_end(key)
            return stored

    def put(self, key, stored):
        size = stored["size"]
        if size > self.max_bytes:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= old["size"]
            self.entries[key] = stored
            self.size += size
            while self.size > self.max_bytes:
                _, dropped = self.entries.popitem(last=False)
                self.size -= dropped["size"]


# --- The middleware ---------------------------------------------------------------------


class PageCacheMiddleware:
    """Serve anonymous GETs from the shared cache; fill in per-reader markers always.

    Placed right after WhiteNoise, so a hit skips sessions, auth, the CSP
    middleware (the stored headers carry the policy) and the rest: it costs the
    content version (this process's watched copy, or one round trip), a copy
    of the page kept in this process (fetched from the shared cache when this
    process has none for the current version) and one join of its parts. It
    runs the CSRF middleware's own hooks itself, so a reader who gets a token
    from a cached page also gets the cookie that goes with it. Readers with a
    session cookie (editors) or a pending message bypass the cache.
    """

    skipped_headers = {"set-cookie", "content-length", "date", "etag", "x-page-cache"}

    def __init__(self, get_response):
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)
        self.local = LocalPages(settings.DIGESTS_PAGE_CACHE_LOCAL_BYTES)

    def __call__(self, request):
        key = version = None
        if self._cacheable_request(request):
            key = self._key(request)
            try:
                version, stored = self._lookup(key)
            except Exception as error:  # cache down: serve from the database
                log.warning("page cache unavailable: %s", error)
                key = None
            else:
                if stored is not None:
                    return self._respond(request, stored, hit=True)
        response = self.get_response(request)
        if key and self._cacheable_response(request, response):
            stored = self._store(key, version, response)
            return self._respond(request, stored, hit=False)
        return self._fill(request, response)

    def _lookup(self, key):
        """The current version, and this page stored under it (or None).

        With a copy in this process, only the version is needed (usually from
        the watch, no round trip); without one, the version and the shared
        entry come together in one round trip."""
        local = self.local.get(key)
        version, values = current_version(also=() if local else (key,))
        if local is not None and local["version"] == version:
            return version, local
        stored = cache.get(key) if local is not None else values.get(key)
        if stored is None or stored["version"] != version:
            return version, None
        self.local.put(key, stored)
        return version, stored

    # --- decisions ---
    def _cacheable_request(self, request):
        if request.method not in ("GET", "HEAD") or not settings.DIGESTS_PAGE_CACHE:
            return False
        # Preview links show drafts: never look them up nor store them, whatever headers say.
        if request.path.startswith(("/admin/", "/healthz", "/static/", "/comments/", "/preview/")):
            return False
        cookies = request.COOKIES
        return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies

    def _cacheable_response(self, request, response):
        if response.status_code != 200 or response.streaming:
            return False
        if response.cookies and set(response.cookies) - {settings.CSRF_COOKIE_NAME}:
            return False  # a message, a session: this response belongs to one reader
        control = response.get("Cache-Control", "")
        if "private" in control or "no-store" in control or "no-cache" in control:
            return False
        user = getattr(request, "user", None)
        return not (user is not None and user.is_authenticated)

    def _key(self, request):
        """One entry per address and release; used only while its version is current."""
        url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        return f"page:{ENTRY_FORMAT}:{release()}:{hashlib.sha256(url.encode()).hexdigest()}"

    # --- storing and serving ---
    def _store(self, key, version, response):
        headers = {
            name: value
            for name, value in response.items()
            if name.lower() not in self.skipped_headers
        }
        headers.setdefault("Cache-Control", "max-age=0, must-revalidate")
        body = response.content
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        stored = {
            "version": version,
            "status": response.status_code,
            "headers": headers,
            "etag": etag,
            "last_modified": response.get("Last-Modified"),
            # Cut at the per-reader markers once here, not on every hit.
            "parts": split_at_markers(body),
            "revalidation_headers": {
                **{k: v for k, v in headers.items() if k.lower() in REPEATED_BY_304},
                "ETag": etag,
            },
            "size": len(body),
        }
        try:
            cache.set(key, stored, timeout=settings.DIGESTS_PAGE_CACHE_SECONDS)
        except Exception as error:
            log.warning("page cache unavailable: %s", error)
        else:
            self.local.put(key, stored)
        return stored

    def _respond(self, request, stored, *, hit):
        if self._revalidating(request):
            # Built from the few headers a 304 repeats, not from the whole page's.
            conditional = get_conditional_response(
                request,
                etag=stored["etag"],
                last_modified=parse_http_date_safe(stored["last_modified"] or ""),
                response=HttpResponse(headers=stored["revalidation_headers"]),
            )
            if conditional.status_code == 304:
                return conditional
        response = HttpResponse(status=stored["status"], headers=stored["headers"])
        response["ETag"] = stored["etag"]  # of the page without reader-specific parts
        response["X-Page-Cache"] = "hit" if hit else "miss"
        parts = stored["parts"]
        if len(parts) > 1:
            self._fill_parts(request, response, parts)
        else:
            response.content = parts[0]
        if request.method == "HEAD":
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    @staticmethod
    def _revalidating(request):
        meta = request.META
        return "HTTP_IF_NONE_MATCH" in meta or "HTTP_IF_MODIFIED_SINCE" in meta

    def _fill(self, request, response):
        """Fill the markers of a response that was not stored (an editor's, one with a message)."""
        content_type = response.get("Content-Type", "")
        if response.streaming or not content_type.startswith("text/html"):
            return response
        parts = split_at_markers(response.content)
        if len(parts) > 1:
            self._fill_parts(request, response, parts)
        return response

    def _fill_parts(self, request, response, parts):
        if "CSRF_COOKIE" not in request.META:
            self.csrf.process_request(request)  # read the reader's CSRF cookie
        response.content = fill_markers(request, parts)
        response["Content-Length"] = str(len(response.content))
        patch_vary_headers(response, ["Cookie"])
        self.csrf.process_response(request, response)  # set the cookie if it is new
