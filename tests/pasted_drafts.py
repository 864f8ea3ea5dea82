"""The demo issue as an editor pastes it: copied out of a web page or a
newsletter editor, one paragraph per line, no blank line anywhere.

Built from the demo's own facts and words (digests/demo/), so a test can
compare what the importer made with what the editor wrote."""

import tomllib
from pathlib import Path

from digests.drafts.export import draft_date

DEMO = Path(__file__).resolve().parents[1] / "digests" / "demo" / "highlights-2023-06-07.toml"
NBSP = "\u00a0"


def demo():
    with DEMO.open("rb") as handle:
        return tomllib.load(handle)


def paragraphs(text):
    return [part.strip() for part in text.strip().split("\n\n") if part.strip()]


def demo_sections():
    """[(section name, [paper spec])] in the demo's reading order."""
    spec = demo()
    order = [section["name"] for section in spec["sections"]]
    return [(name, [p for p in spec["papers"] if p["section"] == name]) for name in order]


def paper_line(paper, *, link_first=False, nbsp=False):
    day = draft_date(paper["arxiv_date"]).rsplit(" ", 1)[0]  # "6 Jul", as such pages print it
    link = f"https://arxiv.org/abs/{paper['arxiv_id']}"
    if nbsp:
        day = day.replace(" ", NBSP)
    inside = f"{link}, {day}" if link_first else f"{day}, {link}"
    return f"{paper['title']} ({inside})"


def demo_as_pasted(*, line_end="\n", nbsp=False, link_first=False, closing=True):
    """The whole demo issue as pasted text. ``nbsp`` puts non-breaking spaces
    where web pages do (dates, after the title, an empty line that holds only
    one); ``line_end`` "\\r\\n" is text copied on Windows."""
    spec = demo()
    lines = [spec["issue"]["title"], *paragraphs(spec["issue"]["intro"])]
    for name, papers in demo_sections():
        lines.append(name + (NBSP if nbsp else ""))
        for paper in papers:
            lines.append(paper_line(paper, link_first=link_first, nbsp=nbsp))
            lines.extend(paragraphs(paper["annotation"]))
    if closing:
        if nbsp:
            lines.append(NBSP)
        lines.extend(paragraphs(spec["issue"]["closing_note"]))
    return line_end.join(lines) + line_end
