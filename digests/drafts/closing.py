"""Which paragraphs at the end of a draft are the issue's closing note.

Issues end with the editor's sign-off after the last paper: a thank-you, an
invitation to subscribe, share or support the magazine. In a draft it reads
like more of the last paper's annotation, so the importer moves it by this
rule (the README states it; the import report lists each paragraph moved):

1. The first paragraph after the last paper's line always stays with it.
2. From the first later paragraph that speaks to the readers (``SIGN_OFF``:
   “thanks for reading”, “subscribe”, “support the magazine”, “see you next
   month”…) everything to the end is the closing note. A short title-like
   paragraph right before it (“Before you go”) moves with it.
3. A thematic break (``---``, ``***``) after the last paper's first paragraph,
   or a ``## heading`` after the last paper, starts the closing note as well;
   the break itself is dropped, and a heading is kept in bold unless it only
   says “Closing note” or the like.
"""

import re

from .draft import LineNote
from .paragraphs import ends_sentence, is_thematic_break

CLOSING_HEADING = "\x00"  # marks a heading's paragraph (drafts never hold control characters)
SIGN_OFF = re.compile(
    r"\b(?:thanks?(?: you)? (?:so much )?for (?:reading|your support|following)"
    r"|thank you\b|thanks (?:again|to (?:all|everyone|every))"
    r"|subscrib(?:e|ed|er|ers|ing|tion)|newsletter"
    r"|support (?:this|the|my|our) (?:magazine|newsletter|work|project|blog|writing)"
    r"|consider (?:supporting|sharing|subscribing|becoming)"
    r"|share (?:this|it) with|forward (?:this|it) to"
    r"|until next (?:time|month|issue|week)|see you (?:next|in|soon)"
    r"|next (?:month's )?issue|happy reading"
    r"|if you (?:enjoyed|liked|found|like|enjoy)"
    r"|patreon|ko-fi|buy me a coffee|paid (?:subscriber|subscription|member)s?)",
    re.IGNORECASE,
)
GENERIC_HEADINGS = {
    "closing note", "closing notes", "closing words", "closing thoughts", "final thoughts",
    "final words", "sign-off", "sign off", "in closing", "wrapping up", "before you go",
    "thanks", "thank you", "postscript", "p.s.",
}  # fmt: skip
TITLE_LIKE_WORDS = 6


def take_closing_note(draft, after_heading):
    """Move the closing paragraphs out of the last paper's annotation into
    ``draft.closing_note``, noting each in ``draft.closing``. ``after_heading``
    is [(line, text)] read after a heading that followed the last paper."""
    papers = draft.papers
    moved = []
    if papers:
        last = papers[-1]
        cut, reasons = _closing_start(last.paragraphs)
        if cut is not None:
            moved = list(zip(last.paragraphs[cut:], reasons, strict=True))
            last.paragraphs = last.paragraphs[:cut]
            last.annotation = "\n\n".join(text for _, text in last.paragraphs)
    for index, paragraph in enumerate(after_heading):
        reason = (
            "a heading after the last paper: the closing note starts here"
            if index == 0
            else "after that heading"
        )
        moved.append((paragraph, reason))
    kept = []
    for (line, text), reason in moved:
        shown = text.removeprefix(CLOSING_HEADING)
        draft.closing.append(LineNote(line, shown, reason))
        if is_thematic_break(text):
            continue
        if text.startswith(CLOSING_HEADING):
            if shown.strip(" :.").casefold() in GENERIC_HEADINGS:
                continue
            text = f"**{shown}**"
        kept.append(text)
    draft.closing_note = "\n\n".join(kept)


def _closing_start(paragraphs):
    """(index of the first closing paragraph or None, a reason for each moved one)."""
    for index in range(1, len(paragraphs)):
        text = paragraphs[index][1]
        if is_thematic_break(text):
            reason = "a thematic break after the last paper: the closing note starts here"
            return index, _reasons(paragraphs, index, reason)
        found = SIGN_OFF.search(text)
        if found:
            reason = f"speaks to the readers (“{found.group(0)}”): the closing note starts here"
            if index >= 2 and _title_like(paragraphs[index - 1][1]):
                return index - 1, [
                    "a title before the sign-off",
                    *_reasons(paragraphs, index, reason),
                ]
            return index, _reasons(paragraphs, index, reason)
    return None, []


def _reasons(paragraphs, start, first):
    return [first] + ["after the start of the closing note"] * (len(paragraphs) - start - 1)


def _title_like(text):
    return "\n" not in text and len(text.split()) <= TITLE_LIKE_WORDS and not ends_sentence(text)
