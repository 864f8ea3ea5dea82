"""Social card images: the picture a shared link shows (og:image), 1200 × 630.

Plain data in, PNG bytes out; no models, no requests. ``plan()`` lays the
card out (every piece of text with its font and box), ``render()`` draws the
plan with Pillow. The title is set as large as fits in its box, wrapped at
words (a word too long for a line is broken), and cut with an ellipsis only
if even the smallest size runs over.

Fonts: Fraunces Bold (SIL OFL, static/fonts/) for the wordmark and the
title; Pillow's own built-in font for the small lines. A text with a
character the preferred font lacks is set in the next font that has them all
(DejaVu where the system has it, then Pillow's own), so a title in another
script shows as letters, not boxes, wherever a font for it is at hand.
"""

import hashlib
import io
from dataclasses import astuple, dataclass
from functools import cache, lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.utils import dateformat, timezone
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
# Part of every card's digest: change it when the drawing changes, and every
# cached card is drawn again.
DRAWING = 1

# The site's light scheme (static/css/site.css).
PAPER = "#fbf8f3"
INK = "#1a1714"
MUTED = "#5f5850"
ACCENT = "#b3261e"
MARKER = "#ffd84d"
RULE = "#e6dfd3"

MARGIN = 80
TITLE_TOP, TITLE_BOTTOM = 190, 478  # the box the title must fit in
TITLE_SIZES = range(76, 39, -4)
LINE_HEIGHT = 1.14

DISPLAY_FONT = "fonts/Fraunces-Bold.ttf"  # a static file
SYSTEM_FONTS = {
    "serif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
    "sans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
}
MISSING = "\U0010fffd"  # a private-use character no font draws: its glyph is "missing"


@dataclass(frozen=True)
class Card:
    """What a card shows, as plain text."""

    site: str  # the wordmark
    kicker: str  # a short label above the title ("Large Language Models")
    title: str
    byline: str  # e.g. the issue's name
    dateline: str  # e.g. "16 July 2023 · 21 papers"

    def digest(self):
        """Names this card's picture: the same text (and drawing) always gives the same bytes."""
        text = "\x1f".join([str(DRAWING), *astuple(self)])
        return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Piece:
    text: str
    xy: tuple
    font: ImageFont.FreeTypeFont
    fill: str
    anchor: str  # Pillow's text anchor: "ls" left/baseline, "lt" left/top
    bbox: tuple  # (left, top, right, bottom) of the drawn text, in the image


# --- fonts ---------------------------------------------------------------------------


def font_paths(kind):
    """Font files to try for ``kind`` ("serif" or "sans"), preferred first;
    None stands for Pillow's own font."""
    paths = []
    if kind == "serif":
        display = finders.find(DISPLAY_FONT)
        if display:
            paths.append(display)
    system = SYSTEM_FONTS[kind]
    if Path(system).exists():
        paths.append(system)
    paths.append(None)
    return tuple(paths)


@lru_cache(maxsize=64)
def load_font(path, size):
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=4096)
def draws(path, char):
    """Whether the font at ``path`` has a glyph for ``char`` (not its "missing" box)."""
    if char.isspace():
        return True
    font = load_font(path, 24)
    missing = font.getmask(MISSING)
    mask = font.getmask(char)
    return mask.size != missing.size or bytes(mask) != bytes(missing)


def font_for(text, kind, size):
    """The first font of ``kind`` that draws every character of ``text``
    (else the one that draws the most), at ``size``."""
    paths = font_paths(kind)
    chars = set(text)
    best, best_count = paths[0], -1
    for path in paths:
        count = sum(draws(path, c) for c in chars)
        if count == len(chars):
            return load_font(path, size)
        if count > best_count:
            best, best_count = path, count
    return load_font(best, size)


@cache
def measurer():
    return ImageDraw.Draw(Image.new("RGB", (1, 1)))


def width_of(text, font):
    return measurer().textlength(text, font=font)


# --- layout --------------------------------------------------------------------------


def wrap(text, font, width):
    """Lines of ``text`` no wider than ``width`` (words kept whole unless one
    word alone is wider, which is then broken)."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if width_of(candidate, font) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while width_of(word, font) > width:  # break a word no line can hold
            cut = len(word) - 1
            while cut > 1 and width_of(word[:cut], font) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def ellipsize(line, font, width):
    while line and width_of(line + "…", font) > width:
        line = line[:-1].rstrip()
    return line + "…"


def fit_title(title, width, height):
    """(font, lines, line height) for the largest size at which the title fits."""
    for size in TITLE_SIZES:
        font = font_for(title, "serif", size)
        lines = wrap(title, font, width)
        step = round(size * LINE_HEIGHT)
        if len(lines) * step <= height:
            return font, lines, step
    # Even the smallest size runs over: keep what fits, and say so with an ellipsis.
    keep = max(1, height // step)
    if len(lines) > keep:
        lines = [*lines[: keep - 1], ellipsize(lines[keep - 1], font, width)]
    return font, lines, step


def piece(text, xy, font, fill, anchor="ls"):
    bbox = measurer().textbbox(xy, text, font=font, anchor=anchor)
    return Piece(text, xy, font, fill, anchor, tuple(bbox))


def fitted(text, kind, size, width):
    """``text`` on one line no wider than ``width``: a smaller size first, then an ellipsis."""
    for step in range(size, max(size * 2 // 3, 12) - 1, -2):
        font = font_for(text, kind, step)
        if width_of(text, font) <= width:
            return text, font
    return ellipsize(text, font, width), font


def plan(card):
    """Every piece of text on the card, with its font and where it is drawn."""
    inner = WIDTH - 2 * MARGIN
    pieces = []
    name, font = fitted(card.site, "serif", 40, inner - 72)
    pieces.append(piece(name, (MARGIN + 72, 100), font, INK))
    if card.kicker:
        kicker, font = fitted(card.kicker.upper(), "sans", 26, inner)
        pieces.append(piece(kicker, (MARGIN, 166), font, ACCENT))
    font, lines, step = fit_title(card.title, inner, TITLE_BOTTOM - TITLE_TOP)
    top = TITLE_TOP + (TITLE_BOTTOM - TITLE_TOP - len(lines) * step) // 2
    for number, line in enumerate(lines):
        pieces.append(piece(line, (MARGIN, top + number * step), font, INK, anchor="lt"))
    for text, y, fill in ((card.byline, 548, INK), (card.dateline, 588, MUTED)):
        if text:
            text, font = fitted(text, "sans", 28, inner)
            pieces.append(piece(text, (MARGIN, y), font, fill))
    return pieces


# --- drawing -------------------------------------------------------------------------


def draw_mark(draw, x, y, size):
    """The site's mark (templates/digests/_mark.svg), drawn at (x, y), ``size`` px square."""

    def box(left, top, width, height):
        k = size / 32
        return (x + left * k, y + top * k, x + (left + width) * k, y + (top + height) * k)

    draw.rounded_rectangle(box(0, 0, 32, 32), radius=size * 7 / 32, fill=ACCENT)
    radius = size * 1.5 / 32
    draw.rounded_rectangle(box(7, 7.5, 18, 3), radius=radius, fill=PAPER)
    draw.rounded_rectangle(box(5.5, 13, 17, 6), radius=size / 32, fill=MARKER)
    draw.rounded_rectangle(box(7, 14.5, 13, 3), radius=radius, fill=INK)
    draw.rounded_rectangle(box(7, 21.5, 15, 3), radius=radius, fill=PAPER)


def render(card):
    """The card as PNG bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 12), fill=ACCENT)
    draw_mark(draw, MARGIN, 62, 52)
    draw.line((MARGIN, 504, WIDTH - MARGIN, 504), fill=RULE, width=2)
    for p in plan(card):
        draw.text(p.xy, p.text, font=p.font, fill=p.fill, anchor=p.anchor)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# --- what an issue's and a paper's cards say -----------------------------------------


def issue_card(issue, site, tagline):
    """The card of an issue: its period, title, the site's tagline, its date."""
    period = ""
    if issue.period_start and issue.period_end:
        start = dateformat.format(issue.period_start, "j F")
        period = f"Papers from {start} to {dateformat.format(issue.period_end, 'j F Y')}"
    published = dateformat.format(timezone.localtime(issue.published_at), "j F Y")
    return Card(site, period or "New issue", issue.title, tagline, f"Published {published}")


def paper_card(paper, site):
    """The card of a paper: its section, title, issue, arXiv id and date."""
    when = dateformat.format(paper.arxiv_date, "F Y" if paper.metadata_missing else "j F Y")
    return Card(
        site,
        paper.section.name if paper.section_id else "",
        paper.title,
        f"In {paper.issue.title}",
        f"arXiv {paper.arxiv_id} · {when}",
    )
