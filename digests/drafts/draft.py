"""A draft as the parser reads it: plain data, no database."""

from dataclasses import dataclass, field
from datetime import date


@dataclass
class DraftPaper:
    title: str
    arxiv_id: str
    arxiv_date: date
    line: int
    annotation: str = ""
    version: int | None = None
    # (line number, text) of each annotation paragraph, for the closing-note rule.
    paragraphs: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class DraftSection:
    name: str
    line: int
    papers: list[DraftPaper] = field(default_factory=list)


@dataclass
class LineNote:
    """A line of the draft and what the importer made of it (skipped, or moved)."""

    line: int
    text: str
    reason: str
    paper_line: bool = False  # a line refused as a paper (not loose text)


@dataclass
class Draft:
    format: str
    title: str = ""
    intro: str = ""
    sections: list[DraftSection] = field(default_factory=list)
    closing_note: str = ""
    skipped: list[LineNote] = field(default_factory=list)
    notes: list[LineNote] = field(default_factory=list)
    closing: list[LineNote] = field(default_factory=list)  # paragraphs moved to the note

    @property
    def papers(self):
        return [paper for section in self.sections for paper in section.papers]
