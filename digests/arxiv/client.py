"""The arXiv API client: paper metadata for one id or many, politely.

``fetch_papers(["2307.03172", ...])`` asks arXiv's export API
(``DIGESTS_ARXIV_API_URL``) for up to ``DIGESTS_ARXIV_BATCH_SIZE`` ids per
request and returns an ``ArxivPaper`` for each id arXiv knows. Answers are
kept in the Django cache per id, so a second look-up costs no request.

arXiv's terms allow one request every three seconds. Every process of the
site takes its turn from the shared cache (Redis in production), so the
spacing holds across workers and machines; see ``wait_for_turn``.

Whatever goes wrong becomes an ``ArxivError`` subclass whose message can be
shown to an editor as it is.
"""

import contextlib
import http.client
import logging
import math
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime

from defusedxml import DefusedXmlException, ElementTree
from django.conf import settings
from django.core.cache import cache, caches

from .ids import InvalidArxivId, parse_arxiv_id

log = logging.getLogger(__name__)

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
CACHE_KEY = "arxiv:paper:v1:{}"
RATE_NEXT_KEY = "arxiv:rate:next"
RATE_LOCK_KEY = "arxiv:rate:lock"
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
HARD_TIMEOUT = 10.0  # seconds; the setting may be lower, never higher


class ArxivError(Exception):
    """Something kept us from getting a paper's metadata; the message says what."""


class ArxivUnavailable(ArxivError):
    def __init__(self, detail=""):
        super().__init__(
            "arXiv could not be reached" + (f" ({detail})" if detail else "") + ". "
            "Check the connection or try again in a few minutes; you can also fill the "
            "fields by hand."
        )


class ArxivTimeout(ArxivError):
    def __init__(self, seconds):
        super().__init__(
            f"arXiv did not answer within {seconds:g} seconds. Try again in a moment; "
            "you can also fill the fields by hand."
        )


class ArxivServerError(ArxivError):
    def __init__(self, status, detail=""):
        self.status = status
        super().__init__(
            f"arXiv answered with an error (HTTP {status}"
            + (f": {detail}" if detail else "")
            + "). Try again in a few minutes."
        )


class ArxivBadResponse(ArxivError):
    def __init__(self, detail):
        super().__init__(f"arXiv sent an answer we could not read ({detail}). Try again later.")


class ArxivBusy(ArxivError):
    """Our own side: arXiv's request rate is spoken for, or the shared cache is down."""


class ArxivNotFound(ArxivError):
    def __init__(self, identifiers, reasons=None):
        self.identifiers = list(identifiers)
        self.reasons = dict(reasons or {})
        names = ", ".join(self.identifiers)
        plural = len(self.identifiers) > 1
        super().__init__(
            f"arXiv has no paper{'s' if plural else ''} with the id{'s' if plural else ''} "
            f"{names}. Check the number{'s' if plural else ''} on arxiv.org."
        )


@dataclass(frozen=True)
class ArxivPaper:
    arxiv_id: str
    version: int | None
    title: str
    authors: list
    abstract: str
    published: date
    primary_category: str
    abs_url: str
    pdf_url: str

    @property
    def authors_text(self):
        return ", ".join(self.authors)

    def to_cache(self):
        return {**asdict(self), "published": self.published.isoformat()}

    @classmethod
    def from_cache(cls, data):
        return cls(**{**data, "published": date.fromisoformat(data["published"])})

    def as_json(self):
        """The fields of a paper form, as the admin's autofill fills them."""
        return {
            "arxiv_id": self.arxiv_id,
            "arxiv_version": self.version,
            "title": self.title,
            "authors": self.authors_text,
            "abstract": self.abstract,
            "arxiv_date": self.published.isoformat(),
            "primary_category": self.primary_category,
            "abs_url": self.abs_url,
            "pdf_url": self.pdf_url,
        }


def fetch_paper(value):
    """The ``ArxivPaper`` for one id or arXiv URL; raises an ``ArxivError``."""
    identifier = parse_arxiv_id(value).identifier
    return fetch_papers([identifier])[identifier]


def fetch_papers(values, *, missing_ok=False):
    """``{id: ArxivPaper}`` for the given ids (or URLs), in as few requests as allowed.

    Ids arXiv does not know raise ``ArxivNotFound`` naming all of them, unless
    ``missing_ok``, when they are simply absent from the answer.
    """
    wanted = list(dict.fromkeys(parse_arxiv_id(v).identifier for v in values))
    papers = _cached(wanted)
    missing = {}
    todo = [identifier for identifier in wanted if identifier not in papers]
    size = max(1, int(settings.DIGESTS_ARXIV_BATCH_SIZE))
    for start in range(0, len(todo), size):
        found, refused = _fetch_batch(todo[start : start + size])
        papers.update(found)
        missing.update(refused)
        _remember(found)
    if missing and not missing_ok:
        raise ArxivNotFound(sorted(missing, key=wanted.index), missing)
    return {identifier: papers[identifier] for identifier in wanted if identifier in papers}


def _cached(identifiers):
    try:
        stored = cache.get_many([CACHE_KEY.format(i) for i in identifiers])
    except Exception:  # a cache outage only costs a request
        log.warning("cache unavailable for arXiv metadata", exc_info=True)
        return {}
    papers = {}
    for identifier in identifiers:
        data = stored.get(CACHE_KEY.format(identifier))
        if data:
            with contextlib.suppress(TypeError, ValueError, KeyError):
                papers[identifier] = ArxivPaper.from_cache(data)
    return papers


def _remember(papers):
    if not papers:
        return
    with contextlib.suppress(Exception):
        cache.set_many(
            {CACHE_KEY.format(i): paper.to_cache() for i, paper in papers.items()},
            timeout=settings.DIGESTS_ARXIV_CACHE_SECONDS,
        )


def _fetch_batch(identifiers):
    """(found, refused) for one batch; an id arXiv rejects by name is retried without it.

    arXiv answers a malformed id with a single error entry that hides the rest
    of the batch, so the others are asked for once more on their own.
    """
    found, refused = _parse_feed(_request(identifiers), identifiers)
    unresolved = [i for i in identifiers if i not in found and i not in refused]
    if refused and unresolved:
        again, refused_again = _parse_feed(_request(unresolved), unresolved)
        found.update(again)
        refused.update(refused_again)
        unresolved = [i for i in unresolved if i not in again and i not in refused_again]
    for identifier in unresolved:
        refused[identifier] = "arXiv has no paper with this id"
    return found, refused


def _request(identifiers):
    query = urllib.parse.urlencode(
        {"id_list": ",".join(identifiers), "max_results": str(len(identifiers))}
    )
    base = settings.DIGESTS_ARXIV_API_URL
    url = f"{base}{'&' if '?' in base else '?'}{query}"
    timeout = min(float(settings.DIGESTS_ARXIV_TIMEOUT), HARD_TIMEOUT)
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": settings.DIGESTS_ARXIV_USER_AGENT,
            "Accept": "application/atom+xml",
        },
    )
    wait_for_turn()
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _read(response, deadline, timeout)
    except urllib.error.HTTPError as error:
        return _http_error(error, deadline, timeout)
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise ArxivTimeout(timeout) from error
        raise ArxivUnavailable(_describe(error.reason)) from error
    except TimeoutError as error:
        raise ArxivTimeout(timeout) from error
    except (http.client.HTTPException, ConnectionError, OSError) as error:
        raise ArxivUnavailable(_describe(error)) from error


def _read(response, deadline, timeout):
    """The body, read against the overall deadline (a trickling server cannot stall us)."""
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise ArxivTimeout(timeout)
        chunk = response.read(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise ArxivBadResponse("the answer is far larger than any list of papers")
        chunks.append(chunk)


def _http_error(error, deadline, timeout):
    status = error.code
    if status == 400:
        # arXiv explains a refused id list in an Atom error entry.
        with contextlib.suppress(ArxivError, OSError):
            body = _read(error, deadline, timeout)
            if body.lstrip().startswith(b"<"):
                return body
    if status == 429 or (status == 503 and error.headers.get("Retry-After")):
        raise ArxivServerError(status, "arXiv asks us to slow down") from error
    if status >= 500:
        raise ArxivServerError(status, error.reason if isinstance(error.reason, str) else "")
    raise ArxivServerError(status, "the request was refused")


def _describe(reason):
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, socket.gaierror):
        return "the address could not be resolved"
    return str(reason) or type(reason).__name__


def _parse_feed(body, identifiers):
    """(found, refused) from an Atom feed of arXiv entries."""
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as error:
        raise ArxivBadResponse("not an Atom feed") from error
    if root.tag != f"{ATOM}feed":
        raise ArxivBadResponse(f"expected an Atom feed, got <{_local(root.tag)}>")
    keys = {_match_key(i): i for i in identifiers}
    found, refused = {}, {}
    for entry in root.iter(f"{ATOM}entry"):
        entry_id = _text(entry, "id")
        if "/api/errors" in entry_id:
            message = _text(entry, "summary") or "arXiv refused the request"
            named = [i for i in identifiers if message.rstrip(".").endswith(i)]
            if not named:
                raise ArxivServerError(400, message)
            for identifier in named:
                refused[identifier] = message
            continue
        try:
            parsed = parse_arxiv_id(entry_id)
        except InvalidArxivId:
            continue  # not a paper entry we asked for
        requested = keys.get(_match_key(parsed.identifier))
        if requested is None:
            continue
        title = _collapse(_text(entry, "title"))
        if not title:
            continue  # an empty shell: arXiv's way of saying "no such paper"
        found[requested] = ArxivPaper(
            arxiv_id=requested,
            version=parsed.version,
            title=title,
            authors=[
                _collapse(_text(author, "name"))
                for author in entry.findall(f"{ATOM}author")
                if _text(author, "name")
            ],
            abstract=_collapse(_text(entry, "summary")),
            published=_date(_text(entry, "published"), requested),
            primary_category=_primary_category(entry),
            abs_url=_link(entry, rel="alternate") or f"https://arxiv.org/abs/{requested}",
            pdf_url=_link(entry, title="pdf") or f"https://arxiv.org/pdf/{requested}",
        )
    return found, refused


def _match_key(identifier):
    """arXiv names old-style papers without the subject class (math/0309136)."""
    archive, _, number = identifier.rpartition("/")
    return f"{archive.split('.')[0].lower()}/{number}" if archive else identifier


def _primary_category(entry):
    element = entry.find(f"{ARXIV}primary_category")
    if element is None:
        element = entry.find(f"{ATOM}category")
    return (element.get("term") or "").strip()[:40] if element is not None else ""


def _link(entry, *, rel=None, title=None):
    for link in entry.findall(f"{ATOM}link"):
        if rel is not None and link.get("rel") != rel:
            continue
        if title is None or link.get("title") == title:
            href = (link.get("href") or "").strip()
            if href.startswith(("http://", "https://")):
                return href
    return ""


def _date(text, identifier):
    try:
        return datetime.fromisoformat(text.strip()).date()
    except ValueError as error:
        raise ArxivBadResponse(f"no readable first-version date for {identifier}") from error


def _text(element, name):
    child = element.find(f"{ATOM}{name}")
    return (child.text or "").strip() if child is not None else ""


def _collapse(text):
    return " ".join(text.split())


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def wait_for_turn():
    """Sleep until this process may send the next request to arXiv.

    The time of the next free slot lives in the shared store of limits. A short lock
    (``cache.add``, atomic in every backend) guards reading and moving it, so
    two processes never take the same slot; each then sleeps until its own
    slot. Whoever would wait longer than ``DIGESTS_ARXIV_MAX_WAIT`` is told to
    come back later instead of holding a web worker.
    """
    interval = float(settings.DIGESTS_ARXIV_MIN_INTERVAL)
    if interval <= 0:
        return
    token = uuid.uuid4().hex
    limits = caches["limits"]  # never evicted by pages (config/settings.py)
    try:
        give_up = time.monotonic() + 5
        while not limits.add(RATE_LOCK_KEY, token, timeout=10):
            if time.monotonic() > give_up:
                raise ArxivBusy("Too many arXiv look-ups at once. Try again in a moment.")
            time.sleep(0.01)
        try:
            now = time.time()
            start = max(now, float(limits.get(RATE_NEXT_KEY) or 0))
            wait = start - now
            if wait > settings.DIGESTS_ARXIV_MAX_WAIT:
                raise ArxivBusy(
                    "arXiv allows one request every few seconds and others are waiting; "
                    f"try again in {math.ceil(wait)} seconds."
                )
            limits.set(RATE_NEXT_KEY, start + interval, timeout=math.ceil(wait + interval) + 60)
        finally:
            if limits.get(RATE_LOCK_KEY) == token:
                limits.delete(RATE_LOCK_KEY)
    except ArxivError:
        raise
    except Exception as error:
        raise ArxivBusy(
            "arXiv look-ups are paused: the shared cache that spaces them out is not "
            "reachable. Try again later, or fill the fields by hand."
        ) from error
    if wait > 0:
        time.sleep(wait)
