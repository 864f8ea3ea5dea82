"""Short lines for mail.

RFC 5322 limits a line of a message to 998 characters and asks for 78. An
annotation is one long line in the editor's Markdown and in its HTML, so a
message with them sent as is must be quoted-printable, which Python encodes
a character at a time (most of the cost of building a message) and which
makes the plain text hard to read in programs that show it raw. So the plain
text is wrapped at 78 columns as plain-text mail is, and the HTML's long lines
are broken at spaces between tags and words, where HTML treats a line break
as a space: never inside ``<pre>``.
"""

import re
import textwrap

TEXT_WIDTH = 78
HTML_WIDTH = 900
PRE = re.compile(r"(<pre\b.*?</pre>)", re.DOTALL | re.IGNORECASE)
LIST_ITEM = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)")


def wrap_text(text):
    """Plain text at TEXT_WIDTH: paragraphs and list items wrapped (hanging
    indent for items), code blocks and long words (links) left whole."""
    out, fenced = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if fenced or len(line) <= TEXT_WIDTH or line.startswith(("    ", "\t")):
            out.append(line)
            continue
        item = LIST_ITEM.match(line)
        indent = " " * len(item.group(1)) if item else re.match(r"\s*", line).group(0)
        out.append(
            textwrap.fill(
                line,
                TEXT_WIDTH,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(out)


def wrap_html(html):
    """HTML with no line longer than HTML_WIDTH where a space allows a break."""
    parts = PRE.split(html)
    for index in range(0, len(parts), 2):  # the odd parts are <pre> blocks
        parts[index] = "\n".join(_break(line) for line in parts[index].split("\n"))
    return "".join(parts)


def _break(line):
    if len(line) <= HTML_WIDTH:
        return line
    pieces, start = [], 0
    while len(line) - start > HTML_WIDTH:
        cut = line.rfind(" ", start + 1, start + HTML_WIDTH)
        if cut == -1:
            cut = line.find(" ", start + HTML_WIDTH)
            if cut == -1:
                break
        pieces.append(line[start:cut])
        start = cut + 1
    pieces.append(line[start:])
    return "\n".join(pieces)
