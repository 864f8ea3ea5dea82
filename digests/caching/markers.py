"""Per-reader parts of a cached page: markers, filled in on every response.

One cached copy of a page serves every reader, yet a form on it needs values
of each reader's own (a CSRF token, the moment the form was shown). The form
registers a marker for each such value (``register``) and renders the marker
where the value goes; the page cache stores the page cut at its markers and
fills them on the way out (``fill``).

No text from a reader or an editor can become a marker, for two reasons.
A marker starts with ``<"``, which no page prints from such text: the
templates escape it (``&lt;&quot;``), the Markdown sanitiser writes ``<``
only to open a tag it allows and never puts ``"`` after it, and JSON-LD
escapes ``<``. And it carries a digest of the site's secret key, so even the
shape alone would not be enough: a comment that quotes a marker, or the
words the code uses for one, is shown as it was written. Markers are filled
only in HTML responses; a feed or a JSON answer never has one.
"""

import hashlib
import re

from django.utils.crypto import salted_hmac

_fillers = {}  # marker (bytes) -> function(request) returning the reader's value
_pattern = None
_signature = ""


def register(name, fill):
    """A marker to render in place of a per-reader value; ``fill(request)`` gives the value.

    Templates print it unescaped (``|safe``): escaped, it would be text a reader could write."""
    global _pattern, _signature
    secret = salted_hmac("digests.caching.markers", name).hexdigest()[:24]
    marker = f'<"digests:{name}:{secret}">'
    _fillers[marker.encode()] = fill
    _pattern = re.compile(b"(" + b"|".join(map(re.escape, _fillers)) + b")")
    _signature = hashlib.sha256(b" ".join(sorted(_fillers))).hexdigest()[:12]
    return marker


def registered():
    """Every marker this process fills, as text."""
    return [marker.decode() for marker in _fillers]


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
