"""Where a draft's paragraphs begin, when some are separated by a single line break.

Text copied out of a web page or a newsletter editor has one paragraph per
line and no blank line between them; text typed in a plain editor is often
wrapped at 72 or 80 columns, one paragraph over several lines. Both come
pasted into the same box, so each run of lines with no blank line between
them is read by its shape:

- A paper line (“Title (6 Jul, link)”) and a Markdown heading stand alone:
  they begin a paragraph, and so does the line after them. A paper line in
  the middle of wrapped text (after a line that ends mid-sentence) is part of
  that text, not a paper.
- A short line that ends no sentence, right before a paper line, is a
  section name: it stands alone.
- The other lines are one paragraph each when the run reads as pasted: the
  whole draft has no blank line, most of the lines are longer than anyone
  wraps text (100 characters), or every line but the last ends a sentence
  or is a short title of up to six words.
  Otherwise they are a wrapped paragraph and stay together.
- List items, quotes and table rows keep Markdown's own rules.
"""

import itertools
import re

WRAP_WIDTH = 100
SHORT_LINE_WORDS = 10
NAME_MAX_LENGTH = 80
_LINK_LIKE = re.compile(r"https?://|www\.|\b[\w-]+\.(?:com|org|net|io|ai|dev|edu|ly)\b|@\w", re.I)
_CAPTION = re.compile(r"^(?:figure|fig\.|image|photo|source|credit|code|table|video)\b", re.I)
TITLE_WORDS = 6  # a line this short that ends no sentence is a name or a title, not wrapped text
_SENTENCE_END = re.compile(r"""[.!?:;)\]"'”’»*_`]$""")
_MARKDOWN_BLOCK = re.compile(r"^(?:[-*+]\s|\d{1,3}[.)]\s|>|\||#{1,6}\s|```|~~~)")
_FENCE = re.compile(r"^(```|~~~)")
_THEMATIC_BREAK = re.compile(r"^(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")


def ends_sentence(line):
    return bool(_SENTENCE_END.search(line.rstrip()))


def is_thematic_break(line):
    return bool(_THEMATIC_BREAK.match(line.strip()))


def paragraph_starts(lines, is_paper_line):
    """(indexes of ``lines`` that begin a paragraph, indexes of section names
    found inside a run of lines); blank lines are in neither."""
    starts, names = set(), set()
    filled = "\n".join(lines).strip().split("\n")
    no_blank_line = len(filled) > 2 and all(line.strip() for line in filled)
    fenced = _fenced(lines)
    for run in _runs(lines):
        starts.add(run[0])
        if len(run) == 1:
            continue
        kinds = [
            "block" if index in fenced else _kind(lines, index, is_paper_line) for index in run
        ]
        text = [
            lines[i].strip() for i, kind in zip(run, kinds, strict=True) if kind in ("text", "name")
        ]
        pasted = no_blank_line or _reads_as_pasted(text)
        if not pasted:  # in wrapped text, a section name stands after a blank line only
            kinds = [kind if kind != "name" else "text" for kind in kinds]
            kinds[0] = _kind(lines, run[0], is_paper_line) if run[0] not in fenced else "block"
        names.update(index for index, kind in zip(run, kinds, strict=True) if kind == "name")
        for position in range(1, len(run)):
            index, kind, before = run[position], kinds[position], kinds[position - 1]
            previous = lines[run[position - 1]].strip()
            if kind == "block" and before == "block":
                continue  # the next item of the same list, quote or table
            if kind == "heading" or before in ("paper", "heading"):
                starts.add(index)
            elif kind in ("paper", "name"):
                if pasted or before in ("paper", "name") or ends_sentence(previous):
                    starts.add(index)
                else:
                    kinds[position] = "text"  # part of the wrapped sentence around it
            elif before == "name" or pasted or kind == "block":
                starts.add(index)
    return starts, names


def _fenced(lines):
    """Indexes of the lines of fenced code blocks, fences included."""
    fenced, in_fence = set(), False
    for index, line in enumerate(lines):
        if _FENCE.match(line.strip()):
            in_fence = not in_fence
            fenced.add(index)
        elif in_fence:
            fenced.add(index)
    return fenced


def _runs(lines):
    """Runs of consecutive non-blank lines (a fenced code block is one run)."""
    runs, current, in_fence = [], [], False
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _FENCE.match(stripped):
            in_fence = not in_fence
        if stripped or in_fence:
            current.append(index)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _kind(lines, index, is_paper_line):
    line = lines[index].strip()
    if re.match(r"^#{1,6}\s", line):
        return "heading"
    if is_paper_line(line):
        return "paper"
    if _MARKDOWN_BLOCK.match(line) or is_thematic_break(line):
        return "block"
    following = lines[index + 1].strip() if index + 1 < len(lines) else ""
    if following and could_be_name(line) and is_paper_line(following):
        return "name"
    return "text"


def could_be_name(line):
    """Could ``line`` name a section? Short, ending no sentence (a colon may end
    it: “Computer Vision:”), and not a link, a caption or a “Code: …” label."""
    line = line.strip()
    name = line.removesuffix(":").rstrip()
    return bool(
        name
        and len(line) <= NAME_MAX_LENGTH
        and len(line.split()) <= SHORT_LINE_WORDS
        and not ends_sentence(name)
        and ":" not in name
        and not _LINK_LIKE.search(name)
        and not _CAPTION.match(name)
        and not name.startswith(("#", ">", "|", "-", "*", "`"))
    )


def _reads_as_pasted(text):
    if len(text) < 2:
        return True
    long_lines = sum(len(line) > WRAP_WIDTH for line in text)
    return long_lines * 2 >= len(text) or all(
        ends_sentence(line) or (len(line.split()) <= TITLE_WORDS and not following[:1].islower())
        for line, following in itertools.pairwise(text)
    )
