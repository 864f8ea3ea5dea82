"""Lines a mail server takes as they are.

RFC 5322 limits a line of a message to 998 characters. An annotation is one
line in the editor's Markdown and in its HTML, and one long enough would make
the whole part go out quoted-printable, which Python encodes a character at a
time. So lines longer than WIDTH are broken at a space: in the HTML, where a
line break reads as a space (never inside ``<pre>``); in the plain text,
where mail programs wrap lines to the window anyway. Shorter lines are left
alone: every extra line costs the sender and the receiver time, and
100,000 messages multiply it.
"""

import re

WIDTH = 900
PRE = re.compile(r"(<pre\b.*?</pre>)", re.DOTALL | re.IGNORECASE)


def short_lines(text):
    """``text`` with each line longer than WIDTH broken at spaces."""
    return "\n".join(_break(line) for line in text.split("\n"))


def short_html_lines(html):
    """The same for HTML, leaving ``<pre>`` blocks as they are."""
    parts = PRE.split(html)
    for index in range(0, len(parts), 2):  # the odd parts are <pre> blocks
        parts[index] = short_lines(parts[index])
    return "".join(parts)


def _break(line):
    pieces, start = [], 0
    while len(line) - start > WIDTH:
        cut = line.rfind(" ", start + 1, start + WIDTH)
        if cut == -1:
            cut = line.find(" ", start + WIDTH)
            if cut == -1:
                break
        pieces.append(line[start:cut])
        start = cut + 1
    pieces.append(line[start:])
    return "\n".join(pieces)
