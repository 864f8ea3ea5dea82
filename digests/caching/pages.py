"""Whole pages for anonymous readers, never stale.

A cached page carries the content version it was rendered under
(``version.py``) and is served only while that version is current and
before the next scheduled issue goes live, so any change readers could see
is on every process's next response. Each process keeps its own copies of
the pages it serves (``LocalPages``), checked against the version on every
request, and fetches a page from the shared cache only when it has no copy
rendered under the current version.

Per-reader parts of a page (the comment form's CSRF token and time) are
markers, filled in on every response (``markers.py``), so one copy serves
everyone; the ETag is taken from the page without them, so conditional GETs
still match.
"""

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import parse_http_date_safe

from . import markers, version

log = logging.getLogger(__name__)

# Part of every page key: a release that stores entries differently never reads old ones.
ENTRY_FORMAT = 4
NO_SCHEDULED_ISSUE = float("inf")
# Never looked up nor stored: the admin, health checks, static files, comment
# posts, preview links (they show drafts, whatever their headers say), and the
# Useful button's counts (current, unlike the pages that show them).
UNCACHED_PREFIXES = ("/admin/", "/healthz", "/static/", "/comments/", "/preview/", "/useful/")
# Headers a stored page does not keep: they belong to one response.
NOT_STORED = {"set-cookie", "content-length", "date", "etag", "x-page-cache"}
# What a 304 repeats of the full response (as django.utils.cache does).
REPEATED_BY_304 = {"cache-control", "content-location", "date", "expires", "last-modified", "vary"}


@dataclass(frozen=True)
class StoredPage:
    version: str
    valid_until: float  # when the next scheduled issue goes live (POSIX time)
    status: int
    headers: dict
    etag: str
    last_modified: str | None
    parts: list  # the body cut at its markers (markers.split)
    size: int

    def serves(self, current_version, now):
        return self.version == current_version and now < self.valid_until


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


class LocalPages:
    """This process's copies of pages, least recently used out first, bounded
    by the bytes of their bodies. A copy is used only while it serves the
    current version, so it is exactly as fresh as the shared entry."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.size = 0
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            page = self.entries.get(key)
            if page is not None:
                self.entries.move_to_end(key)
            return page

    def put(self, key, page):
        if page.size > self.max_bytes:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= old.size
            self.entries[key] = page
            self.size += page.size
            while self.size > self.max_bytes:
                _, dropped = self.entries.popitem(last=False)
                self.size -= dropped.size


class PageCacheMiddleware:
    """Serve anonymous GETs from the page cache; fill in per-reader markers always.

    Placed right after WhiteNoise, so a hit skips sessions, auth, the CSP
    middleware (stored pages carry their policy header) and the rest. It
    runs the CSRF middleware's own hooks where a page has a CSRF marker, so
    a reader who gets a token from a cached page also gets its cookie.
    Readers with a session cookie (editors) or a pending message bypass the
    cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)
        self.local = LocalPages(settings.DIGESTS_PAGE_CACHE_LOCAL_BYTES)
        self.go_live = (None, NO_SCHEDULED_ISSUE)  # (version, when), worked out once per version

    def __call__(self, request):
        response = self.serve(request)
        if response.cookies:  # one reader's: no shared cache in front may keep it
            patch_cache_control(response, private=True)
        return response

    def serve(self, request):
        if not self.cacheable_request(request):
            return self.fill(request, self.get_response(request))
        key = self.key(request)
        now = time.time()
        try:
            current, page = self.lookup(key, now)
        except Exception as error:  # cache or version unreadable: serve from the database
            log.warning("page cache unavailable: %s", error)
            return self.fill(request, self.get_response(request))
        if page is not None:
            return self.respond(request, page, hit=True)
        response = self.get_response(request)
        if not self.cacheable_response(request, response):
            return self.fill(request, response)
        page = self.store(key, current, now, response)
        return self.respond(request, page, hit=False)

    def lookup(self, key, now):
        """(the current content version, the page stored under it or None).

        One read of the version; the shared cache is asked for the page only
        when this process has no copy that serves the version."""
        current = version.current()
        local = self.local.get(key)
        if local is not None and local.serves(current, now):
            return current, local
        shared = cache.get(key)
        if isinstance(shared, StoredPage) and shared.serves(current, now):
            self.local.put(key, shared)
            return current, shared
        return current, None

    # --- decisions ---
    def cacheable_request(self, request):
        if request.method not in ("GET", "HEAD") or not settings.DIGESTS_PAGE_CACHE:
            return False
        if request.path.startswith(UNCACHED_PREFIXES):
            return False
        cookies = request.COOKIES
        return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies

    def cacheable_response(self, request, response):
        if response.status_code != 200 or response.streaming:
            return False
        if response.cookies and set(response.cookies) - {settings.CSRF_COOKIE_NAME}:
            return False  # a message, a session: this response belongs to one reader
        control = response.get("Cache-Control", "")
        if "private" in control or "no-store" in control or "no-cache" in control:
            return False
        user = getattr(request, "user", None)
        return not (user is not None and user.is_authenticated)

    def key(self, request):
        """One entry per address, release and set of markers."""
        url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
        digest = hashlib.sha256(url.encode()).hexdigest()
        return f"page:{ENTRY_FORMAT}:{version.release()}:{markers.signature()}:{digest}"

    # --- storing and serving ---
    def valid_until(self, current, now):
        """When the next scheduled issue goes live: pages rendered now show it
        as missing, so they must not be served after that moment. Asked of
        the database once per content version (and again once it has passed)."""
        known, when = self.go_live
        if known != current or now >= when:
            when = next_go_live()
            self.go_live = (current, when)
        return when

    def store(self, key, current, now, response):
        body = response.content
        parts = markers.split(body)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "max-age=0, must-revalidate"
        if len(parts) > 1:  # filled per reader, with the CSRF cookie: for no shared cache
            patch_cache_control(response, private=True)
        headers = {
            name: value for name, value in response.items() if name.lower() not in NOT_STORED
        }
        page = StoredPage(
            version=current,
            valid_until=self.valid_until(current, now),
            status=response.status_code,
            headers=headers,
            etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"',
            last_modified=response.get("Last-Modified"),
            parts=parts,
            size=len(body),
        )
        try:
            cache.set(key, page, timeout=settings.DIGESTS_PAGE_CACHE_SECONDS)
        except Exception as error:
            log.warning("page cache unavailable: %s", error)
        else:
            self.local.put(key, page)
        return page

    def respond(self, request, page, *, hit):
        if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
            repeated = {k: v for k, v in page.headers.items() if k.lower() in REPEATED_BY_304}
            conditional = get_conditional_response(
                request,
                etag=page.etag,
                last_modified=parse_http_date_safe(page.last_modified or ""),
                response=HttpResponse(headers={**repeated, "ETag": page.etag}),
            )
            if conditional.status_code == 304:
                return conditional
        response = HttpResponse(status=page.status, headers=page.headers)
        response["ETag"] = page.etag  # of the page without reader-specific parts
        response["X-Page-Cache"] = "hit" if hit else "miss"
        self.fill_parts(request, response, page.parts)
        if request.method == "HEAD":
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    def fill(self, request, response):
        """Fill the markers of a page that was not stored (an editor's, one with a message)."""
        if not response.streaming and is_html(response):
            parts = markers.split(response.content)
            if len(parts) > 1:
                self.fill_parts(request, response, parts)
        return response

    def fill_parts(self, request, response, parts):
        if len(parts) == 1 or not is_html(response):  # a feed, JSON: never a marker
            response.content = b"".join(parts)
            return
        if "CSRF_COOKIE" not in request.META:
            self.csrf.process_request(request)  # read the reader's CSRF cookie
        response.content = markers.fill(request, parts)
        response["Content-Length"] = str(len(response.content))
        patch_vary_headers(response, ["Cookie"])
        self.csrf.process_response(request, response)  # set the cookie if it is new


def is_html(response):
    return response.get("Content-Type", "").startswith("text/html")
