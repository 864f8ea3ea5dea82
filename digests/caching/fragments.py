"""Rendered paper cards and comments, cached under a digest of what they show.

Most of an issue page is its paper cards and the comments below them, and
rendering them is most of the page's cost. Each card and each comment is
cached under a key made from every value its template shows (plus the
release, for template changes), so a changed value is a different key: the
cache can never hand out an outdated fragment, and nothing has to be
invalidated. When the page cache misses (after any edit anywhere, it misses
for every page), a page re-renders only what changed and fetches the rest
in one round trip.

The values come from rows the page has loaded anyway; working out a key
costs no query.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from . import version

log = logging.getLogger(__name__)


class Fragments:
    """The rendered HTML of one template for each of a page's items, cached by content.

    ``entries`` are (item, extra variables) pairs: everything the page will
    show. ``shown(item, variables, **extra)`` returns the values the template
    shows for an entry (anything with a stable ``repr``). On first use every
    entry's key is looked up in one round trip; the misses are rendered with
    the page's own variables and stored together.
    """

    def __init__(self, name, template_name, variable, shown, entries):
        self.name, self.template_name = name, template_name
        self.variable, self.shown = variable, shown
        self.entries = entries
        self.keys = {}  # (id(item), extra) -> key, worked out once per entry
        self.rendered = None

    def html(self, variables, item, **extra):
        """One item's HTML; ``variables`` are the page's template variables (a mapping)."""
        if self.rendered is None:
            self.rendered = self._render_all(variables)
        key = self.keys.get(_entry_id(item, extra)) or self._key(variables, item, extra)
        if key not in self.rendered:  # not announced in the entries: render it alone
            self.rendered[key] = mark_safe(self._render(variables, item, extra))
        return self.rendered[key]

    def _key(self, variables, item, extra):
        values = repr((self.shown(item, variables, **extra), version.release()))
        return f"fragment:{self.name}:{hashlib.sha256(values.encode()).hexdigest()}"

    def _render(self, variables, item, extra, template=None):
        template = template or get_template(self.template_name)
        return template.render({**variables, self.variable: item, **extra})

    def _render_all(self, variables):
        template = get_template(self.template_name)
        if not settings.DIGESTS_FRAGMENT_CACHE:
            # Nothing to look up or store: each entry is known by itself, not by a digest.
            rendered = {}
            for item, extra in self.entries:
                entry = self.keys[_entry_id(item, extra)] = _entry_id(item, extra)
                rendered[entry] = mark_safe(self._render(variables, item, extra, template))
            return rendered
        keys = {}
        for item, extra in self.entries:
            key = self._key(variables, item, extra)
            keys[key] = (item, extra)
            self.keys[_entry_id(item, extra)] = key
        rendered = {}
        if keys and settings.DIGESTS_FRAGMENT_CACHE:
            try:
                rendered = cache.get_many(list(keys))
            except Exception as error:  # the cache is down: render everything
                log.warning("fragment cache unavailable: %s", error)
        missing = {}
        for key, (item, extra) in keys.items():
            if key not in rendered:
                missing[key] = rendered[key] = self._render(variables, item, extra, template)
        if missing and settings.DIGESTS_FRAGMENT_CACHE:
            try:
                cache.set_many(missing, timeout=settings.DIGESTS_FRAGMENT_CACHE_SECONDS)
            except Exception as error:
                log.warning("fragment cache unavailable: %s", error)
        return {key: mark_safe(html) for key, html in rendered.items()}


def _entry_id(item, extra):
    return id(item), tuple(extra.items())
