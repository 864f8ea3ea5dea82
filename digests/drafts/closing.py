"""Which paragraphs at the end of a draft are the issue's closing note.

Issues end with the editor's sign-off after the last paper: a thank-you, an
invitation to subscribe, share or support the magazine. In a draft it reads
like more of the last paper's annotation, so the importer moves it by this
rule (the README states it; the import report lists each paragraph moved):

1. The first paragraph after the last paper's line always stays with it.
2. A ``## heading`` after the last paper, or a thematic break (``---``,
   ``***``) after its first paragraph, starts the closing note: the break is
   dropped, and a heading kept in bold unless it only says “Closing note” or
   the like. With a heading there, rule 3 is not used (an exported issue
   marks its note so, and its last annotation stays whole).
3. Otherwise, from the first later paragraph that speaks to the readers
   (``SIGN_OFF``: “thanks for reading”, “subscribe”, “support this
   magazine”, “see you next month”, “that's all for…”, a lone “Cheers,”…)
   everything to the end is the closing note, with the paragraphs right
   before it that are a short title (“Before you go”) or address the
   readers (“this month”, “folks”).
"""

import re

from .draft import LineNote
from .paragraphs import ends_sentence, is_thematic_break

CLOSING_HEADING = "\x00"  # marks a heading's paragraph (drafts never hold control characters)
SIGN_OFF = re.compile(
    r"\b(?:thanks?(?: you)?(?: (?:so|very) much)?(?: again)? for "
    r"(?:reading|your support|following|subscribing|being here|sticking (?:around|with))"
    r"|thanks (?:again|to (?:all|every) of you)"
    r"|subscribe\b|subscribing|subscription"
    r"|support (?:this|the|my|our) (?:magazine|newsletter|work|writing|blog|digest)"
    r"|consider (?:supporting|sharing|subscribing|becoming)"
    r"|share (?:this|it) with|forward (?:this|it) to"
    r"|until next (?:time|month|issue|week)|see you (?:next|in|soon)"
    r"|happy reading|stay tuned"
    r"|if you (?:enjoyed|liked|found|like|enjoy) (?:this|the|our) "
    r"(?:issue|newsletter|digest|magazine|post|round-?up|edition)"
    r"|that's (?:all|it) for|that's the lot"
    r"|have a (?:great|good|nice|lovely|restful) (?:summer|week|month|weekend|holiday|break)"
    r"|patreon|ko-fi|buy me a coffee|paid (?:subscriber|subscription|member)s?)"
    r"|^(?:cheers|best|best wishes|warmly|regards|until soon)[,!.]?\s*(?:\n|$)|^p\.?s\.?\s",
    re.IGNORECASE,
)
# A paragraph right before the sign-off that speaks to the readers goes with it.
TO_READERS = re.compile(r"\b(?:this (?:month|issue|week|time|summer)|folks|dear readers?)\b", re.I)
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
        cut, reasons = _closing_start(last.paragraphs, keywords=not after_heading)
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


def _closing_start(paragraphs, *, keywords=True):
    """(index of the first closing paragraph or None, a reason for each moved one).
    ``keywords`` False: only a thematic break counts (a heading after the last
    paper marks the note already, as an exported draft's does)."""
    for index in range(1, len(paragraphs)):
        if is_thematic_break(paragraphs[index][1]):
            reason = "a thematic break after the last paper: the closing note starts here"
            return index, _reasons(paragraphs, index, reason)
    if not keywords:
        return None, []
    for index in range(1, len(paragraphs)):
        found = SIGN_OFF.search(paragraphs[index][1])
        if found:
            reason = f"speaks to the readers (“{found.group(0)}”): the closing note starts here"
            start = index
            while start >= 2 and _lead_in(paragraphs[start - 1][1]):
                start -= 1
            lead = ["just before the sign-off, speaking to the readers"] * (index - start)
            return start, lead + _reasons(paragraphs, index, reason)
    return None, []


def _lead_in(text):
    return _title_like(text) or bool(TO_READERS.search(text))


def _reasons(paragraphs, start, first):
    return [first] + ["after the start of the closing note"] * (len(paragraphs) - start - 1)


def _title_like(text):
    return "\n" not in text and len(text.split()) <= TITLE_LIKE_WORDS and not ends_sentence(text)
