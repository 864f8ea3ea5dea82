"""The reader's query language: what they would type into a web search.

Words, ``"exact phrases"``, ``-excluded`` words and ``or``. ``parse_query``
turns the text into a ``Query`` and never fails: whatever it cannot use it
drops, and says so in ``Query.notes``. Each engine (``sqlite.py``,
``postgres.py``) writes the same ``Query`` in its own index's syntax, so the
language means the same on both databases.
"""

import re
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Group:
    """Terms that must all match, minus the excluded ones. A term is a tuple of
    words: one word, or a phrase whose words must follow each other."""

    include: tuple = ()
    exclude: tuple = ()


@dataclass
class Query:
    """Groups joined by "or": a paper matches when it matches any group."""

    text: str = ""
    groups: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.groups)

    @property
    def excluded_terms(self):
        """Every term to leave out, whichever group it belongs to."""
        return [term for group in self.groups for term in group.exclude]


def parse_query(text):
    """Web-search syntax to a ``Query``; odd input is dropped with a note, never an error."""
    text = " ".join(str(text or "").replace("\x00", " ").split())
    query = Query(text=text)
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH]
        query.notes.append(f"Only the first {MAX_QUERY_LENGTH} characters were searched for.")

    groups, include, exclude = [], [], []
    count = 0
    for match in _TOKEN.finditer(text):
        negated, phrase, bare = match.groups()
        if bare is not None and bare.lower() == "or":
            if include or exclude:
                groups.append((include, exclude))
            include, exclude = [], []
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        words = tuple(word.lower() for word in WORD.findall(phrase if bare is None else bare))
        if not words:
            continue
        if count == MAX_TERMS:
            query.notes.append(f"Only the first {MAX_TERMS} words or phrases were used.")
            break
        count += 1
        (exclude if negated else include).append(words)
    if include or exclude:
        groups.append((include, exclude))

    for include, exclude in groups:
        if include:
            query.groups.append(Group(tuple(include), tuple(exclude)))
        else:
            query.notes.append(
                "A minus sign leaves words out of the results; add a word to search for too."
            )
    if not query.groups and text and not query.notes:
        query.notes.append("Type a word to search for: letters or digits, not only symbols.")
    return query
