"""The line of a draft that came closest to being a paper line, and what it lacks.

When an import finds no paper at all, the editor is told what was looked
for and shown this line: usually the one fix that makes the rest work.
"""

import re

from .dates import DATE_WORD
from .parser import _ARXIV_REF, _TRAILING_PAREN, check_text, link_lost

LONG_LINE = 300  # an annotation paragraph that cites a paper is not a paper line


def closest_line(text, draft):
    """(line number, line, what it lacks), or None when no line looks like a paper at all."""
    refused = [note for note in draft.skipped if note.paper_line]
    if refused:
        return refused[0].line, refused[0].text, refused[0].reason
    best, best_score = None, 0
    for number, raw in enumerate(check_text(text).split("\n"), start=1):
        line = raw.strip()
        score = _score(line)
        if score > best_score:
            best, best_score = (number, line), score
    if best is None:
        return None
    return (*best, _lacks(best[1]))


def _score(line):
    if not line:
        return 0
    score = 3 * bool(_ARXIV_REF.search(line)) + 2 * bool(DATE_WORD.search(line))
    score += bool(re.search(r"\(.*\)", line)) + line.endswith(")")
    return score - 3 * (len(line) > LONG_LINE)


def _lacks(line):
    if link_lost(line):
        return "the arXiv link is missing from its brackets (lost when the text was copied?)"
    if not _ARXIV_REF.search(line):
        return "it has no arXiv link or id"
    if not DATE_WORD.search(line):
        return "it has no date such as “6 Jul”"
    if not _TRAILING_PAREN.search(line):
        return "the date and link are not in brackets at the end of the line"
    return "the brackets at its end need both the date and the arXiv link"
