"""Read a digest draft (plain text or Markdown) into a plain data structure.

No database here: ``parse_draft(text)`` returns a ``Draft`` (title, intro,
sections with their papers, and what was skipped and why), which
``writer.py`` writes to the database. Keeping the two apart is what
lets every messy form an editor writes be tested on its own.

The plain-text shape is the one such articles use::

    An intro paragraph or two.

    Large Language Models

    Lost in the Middle (6 Jul, https://arxiv.org/abs/2307.03172)
    The annotation, one or more paragraphs.

Text copied out of a web page or a newsletter editor keeps one paragraph
per line with no blank line between them; ``paragraph_starts`` finds where
such paragraphs begin, so that shape reads exactly like the one above.

Paragraphs after the last paper that speak to the readers rather than about
the paper (a thank-you, a request to subscribe or support) are the issue's
closing note (``closing.py`` holds the rule).

Markdown drafts use ``## Section`` and ``### Title (date, link)`` (or a bold
``**Title** (date, link)`` line); ``# Title`` before everything else names
the issue. Dates come day-month or month-day, with short or full month
names, with or without a year (without one, the year is the one that puts
the date closest to the month in the arXiv id).
"""

import re

from ..arxiv.ids import InvalidArxivId, parse_arxiv_id
from .closing import CLOSING_HEADING, take_closing_note
from .dates import DATE_WORD, read_date
from .draft import Draft, DraftPaper, DraftSection, LineNote
from .paragraphs import could_be_name, paragraph_starts

MAX_DRAFT_BYTES = 1024 * 1024
FORMATS = ("text", "markdown")
MARKDOWN_EXTENSIONS = (".md", ".markdown")

# What may stand for the paper in "(date, link)": an arXiv link, "arXiv:id" or a bare id.
_ARXIV_REF = re.compile(
    r"(?:https?:/*)?(?:www\.|export\.)?arxiv\.org/+\S+"
    r"|arxiv:?\s*\d{4}\.\d{4,5}(?:v\d+)?"
    r"|(?<![\w.])\d{4}\.\d{4,5}(?:v\d+)?(?![\w.])"
    r"|arxiv:?\s*[a-z]+(?:-[a-z]+)*(?:\.[a-z]{2})?/\d{7}(?:v\d+)?",
    re.IGNORECASE,
)
_OTHER_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_ARXIV_URL_AT_END = re.compile(
    r"(?:https?:/*)?(?:www\.|export\.)?arxiv\.org/+\S+\s*$", re.IGNORECASE
)
_TRAILING_PAREN = re.compile(r"\((?P<inner>[^()]*)\)\s*[.,;:]?\s*$")
_MARKDOWN_LINK = re.compile(r"\[(?P<text>[^\[\]]*)\]\((?P<url>[^()\s]+)\)")
_AUTOLINK = re.compile(r"<(?P<url>(?:https?:)?[^<>\s]+)>")
_FILLER = re.compile(r"\b(?:arxiv|pdf|abs|link|paper)\b:?", re.IGNORECASE)
_LIST_MARKER = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s+")
_ATX_HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<text>.*?)(?:\s+#+)?\s*$")
_FENCE = re.compile(r"^(```|~~~)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Spaces a web page or word processor puts in copied text: plain spaces to the
# parser (Markdown reads them the same); zero-width ones dropped.
_PASTED_SPACES = {
    **dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2000\u2001\u2002\u2003\u2009\u200a"), " "),
    **dict.fromkeys(map(ord, "\u200b\u2060\ufeff"), None),
    ord("\u2028"): "\n",
    ord("\u2029"): "\n\n",
}
_SENTENCE_END = (".", ",", ":", ";", "!", "?")
LINK_LOST = (
    "a paper line without its arXiv link (lost when the text was copied?): "
    "put the link or the id in the brackets"
)
TITLE_MAX_WORDS = 35
LINK_LOST_WORDS = 20
_SENTENCE_BREAK = re.compile(r"[.;]\s+[A-Z]|;\s")


class DraftError(ValueError):
    """The draft can't be read at all; the message says why, for an editor."""


# --- Bytes to text ------------------------------------------------------------------


def decode_draft(data, *, name="The draft"):
    """UTF-8 text from uploaded or read bytes, or a DraftError an editor can act on."""
    if len(data) > MAX_DRAFT_BYTES:
        raise DraftError(
            f"{name} is {len(data):,} bytes; drafts may be at most {MAX_DRAFT_BYTES:,} bytes."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DraftError(
            f"{name} is not UTF-8 text (unreadable byte at position {error.start}). "
            "Save it as UTF-8 and try again."
        ) from None
    return check_text(text, name=name)


def check_text(text, *, name="The draft"):
    """Pasted or decoded text: within the size limit and free of binary garbage."""
    if len(text.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise DraftError(f"{name} is larger than {MAX_DRAFT_BYTES:,} bytes.")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_PASTED_SPACES)
    bad = _CONTROL.search(text)
    if bad:
        number = text.count("\n", 0, bad.start()) + 1
        raise DraftError(
            f"{name} contains a control character (U+{ord(bad.group()):04X}) on line {number}; "
            "it does not look like a text draft."
        )
    return text


# --- Text to a Draft ----------------------------------------------------------------


def detect_format(text, filename=None):
    """'markdown' for .md/.markdown files or text with Markdown headings, else 'text'."""
    if filename and filename.lower().endswith(MARKDOWN_EXTENSIONS):
        return "markdown"
    in_fence = False
    for line in text.split("\n"):
        stripped = line.strip()
        if _FENCE.match(stripped):
            in_fence = not in_fence
        elif not in_fence and (re.match(r"^#{1,3}\s+\S", stripped) or _bold_paper(stripped)):
            return "markdown"
    return "text"


def parse_draft(text, *, filename=None, format=None):
    """Read ``text`` into a Draft. Never raises for messy content: it is skipped, with why."""
    text = check_text(text)
    fmt = format or detect_format(text, filename)
    if fmt not in FORMATS:
        raise DraftError(f"Unknown format “{fmt}”; use one of: {', '.join(FORMATS)}.")
    return _Reader(text, fmt).read()


def _bold_paper(line):
    return line.startswith(("**", "__")) and _paper_candidate(_strip_decoration(line))


class _Reader:
    """One pass over the lines, remembering where the text being read belongs."""

    def __init__(self, text, fmt):
        self.lines = _join_wrapped_paper_lines(text.split("\n"))
        self.draft = Draft(format=fmt)
        self.markdown = fmt == "markdown"
        # Bare-line section headings are how plain text marks sections; a
        # Markdown draft with "##" headings uses those instead.
        self.bare_headings = not self.markdown or not any(
            re.match(r"^##\s+\S", line.strip()) for line in self.lines
        )
        self.starts, self.names = paragraph_starts(self.lines, _is_paper_line)
        self.last_paper_index = max(
            (
                index
                for index, line in enumerate(self.lines)
                if _is_paper_line(line.strip()) or re.match(r"^###\s+\S", line.strip())
            ),
            default=-1,
        )
        self.intro_lines = []
        self.section = None
        self.paper = None  # a DraftPaper, or a LineNote standing for a refused one
        self.paper_lines = []  # (line number, text) of the annotation being read
        self.loose = None  # a LineNote collecting text that belongs nowhere
        self.closing_lines = None  # (line number, text) once past the last paper's text
        self.seen_ids = {}

    def read(self):
        in_fence, after_structure = False, False
        for index, raw in enumerate(self.lines):
            number, line = index + 1, raw.strip()
            # A heading or title line ends the paragraph before it, as a blank line does.
            starts_paragraph = index in self.starts or after_structure
            after_structure = False
            if _FENCE.match(line):
                in_fence = not in_fence
            elif not in_fence and line:
                after_structure = self._structure(index, number, line, starts_paragraph)
                if after_structure:
                    continue
            self._text(number, raw, starts_paragraph)
        self._close_paper()
        self.draft.intro = _block(self.intro_lines)
        self.draft.sections = [s for s in self.draft.sections if s.papers]
        take_closing_note(self.draft, _paragraphs(self.closing_lines or []))
        return self.draft

    # A heading, a title or a paper line: returns True when the line was one of them.
    def _structure(self, index, number, line, starts_paragraph):
        heading = _ATX_HEADING.match(line) if self.markdown else None
        level = len(heading["level"]) if heading else 0
        if level == 1 and self._before_content() and not self.draft.title:
            self.draft.title = _unbold(heading["text"])
            return True
        if level == 2 and self.draft.papers and index > self.last_paper_index:
            # A heading after the last paper begins the closing note.
            self._start_closing()
            self.closing_lines += [(number, CLOSING_HEADING + _unbold(heading["text"])), (0, "")]
            return True
        if level == 2:
            self._start_section(number, _unbold(heading["text"]))
            return True
        if level == 3:
            self._start_paper(number, line, _strip_decoration(heading["text"]), heading=True)
            return True
        if level:
            return False
        fresh_paper = isinstance(self.paper, DraftPaper) and not _paragraphs(self.paper_lines)
        if (starts_paragraph or fresh_paper) and _paper_candidate(_strip_decoration(line)):
            self._start_paper(number, line, _strip_decoration(line), heading=False)
            return True
        if starts_paragraph and self.section and link_lost(_strip_decoration(line)):
            self._close_paper()
            self.paper = LineNote(number, line, LINK_LOST, paper_line=True)
            self.draft.skipped.append(self.paper)
            return True
        blank_before = index == 0 or not self.lines[index - 1].strip()
        alone = blank_before or index in self.names
        if self.bare_headings and alone and self._bare_heading(index, line):
            self._start_section(number, line)
            return True
        return False

    def _before_content(self):
        return self.section is None and self.paper is None and not _block(self.intro_lines)

    def _bare_heading(self, index, line):
        if not could_be_name(line):
            return False
        following = self.lines[index + 1 :]
        next_line = _strip_decoration(following[0]) if following else ""
        if next_line and not _paper_candidate(next_line):
            return False  # more text in the same paragraph: not alone on its line
        upcoming = next((other.strip() for other in following if other.strip()), "")
        return bool(_paper_candidate(_strip_decoration(upcoming)))

    def _start_section(self, number, name):
        self._close_paper()
        name = " ".join(name.split()).removesuffix(":").rstrip()
        if not name:
            self._skip(number, "##", "a section heading without a name")
            return
        existing = next(
            (s for s in self.draft.sections if s.name.casefold() == name.casefold()), None
        )
        if existing is None:
            existing = DraftSection(name=name, line=number)
            self.draft.sections.append(existing)
        self.section = existing

    def _start_closing(self):
        if self.closing_lines is None:
            self._close_paper()
            self.closing_lines = []

    def _start_paper(self, number, raw, line, *, heading):
        self._close_paper()
        paper, reason = _read_paper_line(line, number)
        if paper and paper.arxiv_id in self.seen_ids:
            paper, reason = None, f"the same paper as line {self.seen_ids[paper.arxiv_id]}"
        if paper is None:
            if heading and reason is None:
                reason = "a paper heading needs “(date, arXiv link)” after the title"
            self.paper = LineNote(number, raw.strip(), reason, paper_line=True)
            self.draft.skipped.append(self.paper)
            return
        self.seen_ids[paper.arxiv_id] = number
        if self.section is None:
            self._start_section(number, "Other")
            self.draft.notes.append(
                LineNote(number, raw.strip(), "no section heading before it: put in “Other”")
            )
        self.paper = paper
        self.section.papers.append(paper)

    def _close_paper(self):
        if isinstance(self.paper, DraftPaper):
            self.paper.paragraphs = _paragraphs(self.paper_lines)
            self.paper.annotation = "\n\n".join(text for _, text in self.paper.paragraphs)
        self.paper, self.paper_lines, self.loose = None, [], None

    def _text(self, number, raw, starts_paragraph):
        if self.closing_lines is not None:
            target = self.closing_lines
        elif isinstance(self.paper, DraftPaper):
            target = self.paper_lines
        elif isinstance(self.paper, LineNote):
            return  # the annotation of a refused paper goes with it
        elif self.section is None:
            if starts_paragraph and self.intro_lines and self.intro_lines[-1].strip():
                self.intro_lines.append("")
            self.intro_lines.append(raw)
            return
        else:
            if raw.strip() and self.loose is None:
                self._skip(number, raw, "text between a section heading and its first paper")
                self.loose = self.draft.skipped[-1]
            return
        if starts_paragraph and target and target[-1][1].strip():
            target.append((number, ""))  # a paragraph that began after a single line break
        target.append((number, raw))

    def _skip(self, number, raw, reason):
        self.draft.skipped.append(LineNote(number, raw.strip(), reason))


def _join_wrapped_paper_lines(lines):
    """A paper line a plain editor wrapped inside its brackets (“Title (6 Jul,”
    then “https://arxiv.org/abs/…)”) joined back; the second line is left blank
    so that every other line keeps its number."""
    lines = list(lines)
    for index in range(len(lines) - 1):
        line, following = lines[index].strip(), lines[index + 1].strip()
        if (
            line
            and following
            and line.count("(") > line.count(")")
            and not _is_paper_line(line)
            and _is_paper_line(f"{line} {following}")
        ):
            lines[index], lines[index + 1] = f"{lines[index].rstrip()} {following}", ""
    return lines


def _is_paper_line(line):
    return _paper_candidate(_strip_decoration(line))


def _paragraphs(numbered_lines):
    """[(first line number, text)] of the paragraphs in ``numbered_lines``."""
    paragraphs, current = [], []
    for number, raw in [*numbered_lines, (0, "")]:
        if raw.strip():
            current.append((number, raw.rstrip()))
        elif current:
            paragraphs.append((current[0][0], "\n".join(text for _, text in current).strip("\n")))
            current = []
    return paragraphs


def _block(lines):
    """Lines as one Markdown block: trailing spaces and surrounding blank lines dropped."""
    text = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _unbold(text):
    text = text.strip()
    for mark in ("**", "__"):
        if text.startswith(mark) and text.endswith(mark) and len(text) > 2 * len(mark):
            text = text[len(mark) : -len(mark)].strip()
    return text


def _strip_decoration(line):
    """A title line without list markers or bold: ``**Title** (…)`` → ``Title (…)``."""
    line = _LIST_MARKER.sub("", line.strip())
    if line.startswith(("**", "__")):
        mark = line[:2]
        end = line.find(mark, 2)
        if end != -1:
            line = (line[2:end] + line[end + 2 :]).strip()
    return line


def _split_reference(inner):
    """(the arXiv reference, any other link, what is left) inside "(date, link)"."""
    found = _ARXIV_REF.search(inner)
    if found:
        return found.group(0), None, (inner[: found.start()] + " " + inner[found.end() :])
    other = _OTHER_URL.search(inner)
    if other:
        return None, other.group(0), (inner[: other.start()] + " " + inner[other.end() :])
    return None, None, inner


def _paper_parts(line):
    """(title, arXiv reference, other link, date text) of "Title (date, link)", or None.

    Markdown links count as their text and address, so ``[Title](https://arxiv.org/abs/…)
    (6 Jul)`` and ``(6 Jul, [arXiv](https://…))`` read like the plain forms."""
    line = _AUTOLINK.sub(r"\g<url>", line)
    line = _MARKDOWN_LINK.sub(r"\g<text> \g<url>", line)
    match = _TRAILING_PAREN.search(line)
    if not match:
        return None
    head = line[: match.start()]
    ref, other, rest = _split_reference(match["inner"])
    if ref is None and other is None:
        linked_title = _ARXIV_URL_AT_END.search(head)
        if linked_title:
            ref, head = linked_title.group(0), head[: linked_title.start()]
    title = _unbold(" ".join(head.split()).rstrip(" ,;:–—-"))
    rest = " ".join(_FILLER.sub(" ", rest).split()).strip(" ,;–—-")
    return title, ref, other, rest


def _paper_candidate(line):
    """Does ``line`` end in "(date, link)"? Loose on purpose: a wrong date is reported.
    A sentence that ends by citing a paper is not a paper line: its "title"
    would have more words than titles do, or a sentence break."""
    parts = _paper_parts(line)
    if parts is None or not parts[0] or not _title_shaped(parts[0]):
        return False
    _, ref, other, rest = parts
    if ref and not rest:
        # "(link)" alone is a paper that lacks its date, unless it ends a sentence.
        return not line.rstrip().endswith(_SENTENCE_END)
    if ref:
        return bool(DATE_WORD.search(rest))
    return bool(other and DATE_WORD.search(rest))


def _title_shaped(title):
    return len(title.split()) <= TITLE_MAX_WORDS and not _SENTENCE_BREAK.search(title)


def link_lost(line):
    """A short line ending in "(6 Jul, arXiv)": a paper line whose link stayed behind
    when the text was copied out of a web page."""
    parts = _paper_parts(line)
    if parts is None or not parts[0] or parts[1] or parts[2] or line.rstrip()[-1:] != ")":
        return False
    return len(parts[0].split()) <= LINK_LOST_WORDS and bool(DATE_WORD.search(parts[3]))


def _read_paper_line(line, number):
    """(DraftPaper, None) or (None, why it was refused)."""
    parts = _paper_parts(line)
    if parts is None:
        return None, None
    title, ref, other, rest = parts
    if not title:
        return None, "no title before “(date, link)”"
    if ref is None:
        return None, f"“{other or rest}” is not an arXiv link"
    try:
        arxiv_id = parse_arxiv_id(re.sub(r"^arxiv(?::\s*|\s+)", "", ref.rstrip(".,;"), flags=re.I))
    except InvalidArxivId as error:
        return None, str(error)
    if not rest:
        return None, "no date (write it as “6 Jul” or “Jul 6” before or after the link)"
    try:
        day = read_date(rest, arxiv_id.year_month)
    except ValueError as error:
        return None, str(error)
    return DraftPaper(
        title=title,
        arxiv_id=arxiv_id.identifier,
        arxiv_date=day,
        line=number,
        version=arxiv_id.version,
    ), None
