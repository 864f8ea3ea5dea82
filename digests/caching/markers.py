"""Per-reader parts of a cached page: markers, filled in on every response.

One cached copy of a page serves every reader, yet a form on it needs values
of each reader's own (a CSRF token, the moment the form was shown). The form
registers a marker for each such value (``register``) and renders the marker
where the value goes; the page cache stores the page cut at its markers and
fills them on the way out (``fill``).

A marker is derived from the site's secret key, so no text a reader posts,
and no page shown to one, can contain a marker it does not own: a comment
that quotes one is shown as it was written.
"""

import hashlib
import re

from django.utils.crypto import salted_hmac

_fillers = {}  # marker (bytes) -> function(request) returning the reader's value
_pattern = None
_signature = ""


def register(name, fill):
    """A marker to render in place of a per-reader value; ``fill(request)`` gives the value."""
    global _pattern, _signature
    secret = salted_hmac("digests.caching.markers", name).hexdigest()[:24]
    marker = f"{name}-{secret}"
    _fillers[marker.encode()] = fill
    _pattern = re.compile(b"(" + b"|".join(map(re.escape, _fillers)) + b")")
    _signature = hashlib.sha256(b" ".join(sorted(_fillers))).hexdigest()[:12]
    return marker


def signature():
    """A short digest of the markers this process fills: part of every stored
    page's key, so a process with other markers (another secret key) never
    reads a page cut at markers it cannot fill."""
    return _signature


def split(content):
    """``content`` cut at its markers: text, marker, text, …, text (markers at odd places)."""
    if _pattern is None:
        return [content]
    return _pattern.split(content)


def fill(request, parts):
    """The page from ``split`` with this reader's values where the markers were."""
    if len(parts) == 1:
        return parts[0]
    values = {}
    filled = list(parts)
    for index in range(1, len(parts), 2):
        marker = parts[index]
        if marker not in values:
            values[marker] = _fillers[marker](request).encode()
        filled[index] = values[marker]
    return b"".join(filled)
