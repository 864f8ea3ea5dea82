"""Papers from a pasted list: one arXiv id or link per line, under section lines.

``add_papers(issue, text)`` reads the list, refuses what it cannot place,
skips what the issue already has, asks arXiv for the rest in one batched
request and creates the papers in the order given, each at the end of its
section. The answer is a line-by-line report.

A section line is a section's name alone on a line, or ``## Name``. Unknown
sections are refused, not created: sections are shared by every issue, and a
typo should not add one to the whole magazine.

If arXiv cannot be reached (offline, timeout, a server error), the valid
ids are added all the same with what the id itself says and marked as having
their details missing (``missing_details``); the report says so. Any other
``ArxivError`` is raised and nothing is created.
"""

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from ..arxiv.client import ArxivError, fetch_papers
from ..arxiv.ids import InvalidArxivId, parse_arxiv_id
from ..models import Paper, Section
from . import missing_details

MAX_PAPERS = 100
_HEADING = re.compile(r"^#+\s*(?P<name>.*?)\s*#*$")
_BULLET = re.compile(r"^(?:[-*•+]|\d{1,3}[.)])\s+")

ADDED, DUPLICATE, REFUSED, SECTION = "added", "duplicate", "refused", "section"


class ListRefused(Exception):
    """The whole list could not be added (nothing was)."""


@dataclass
class Line:
    number: int
    text: str
    outcome: str = ""
    message: str = ""
    identifier: str = ""
    section: Section | None = None
    paper: Paper | None = None


@dataclass
class Report:
    lines: list
    unreachable: str = ""  # why arXiv could not be asked, when papers went in without it

    def count(self, outcome):
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def added(self):
        return self.count(ADDED)

    @property
    def refused(self):
        return self.count(REFUSED)

    @property
    def duplicates(self):
        return self.count(DUPLICATE)

    @property
    def details_missing(self):
        return sum(1 for line in self.lines if line.paper and line.paper.metadata_missing)

    @property
    def unreachable_message(self):
        if not self.details_missing:
            return ""
        return missing_details.added_message(self.details_missing)


def add_papers(issue, text, *, default_section=None):
    """Create the listed papers in ``issue``; returns a ``Report``."""
    lines = read_lines(text, default_section=default_section)
    _mark_duplicates(issue, lines)
    pending = [line for line in lines if line.identifier and not line.outcome]
    for line in pending[MAX_PAPERS:]:
        _refuse(line, f"Only {MAX_PAPERS} papers can be added at a time; send the rest next.")
    pending = pending[:MAX_PAPERS]
    papers, unreachable = _ask_arxiv([line.identifier for line in pending])
    try:
        with transaction.atomic():
            for line in pending:
                found = papers.get(line.identifier)
                if found is None and not unreachable:
                    _refuse(line, "arXiv has no paper with this id; check the number.")
                    continue
                fields = (
                    _from_arxiv(found)
                    if found
                    else missing_details.placeholder_fields(line.identifier)
                )
                line.paper = Paper(issue=issue, section=line.section, **fields)
                line.paper.save()
                line.outcome = ADDED
                line.message = f"{line.paper.title} (in {line.section.name})"
    except IntegrityError as error:
        raise ListRefused(
            "Another editor added some of these papers to the issue just now, so nothing "
            "was added. Send the list again: those papers will show as already there."
        ) from error
    return Report([line for line in lines if line.text.strip()], unreachable=unreachable)


def _ask_arxiv(identifiers):
    """({id: ArxivPaper}, "") or, when arXiv cannot be reached, ({}, why)."""
    if not identifiers:
        return {}, ""
    try:
        return fetch_papers(identifiers, missing_ok=True), ""
    except ArxivError as failure:
        if not missing_details.arxiv_unreachable(failure):
            raise
        return {}, str(failure)


def _from_arxiv(found):
    return {
        "arxiv_id": found.arxiv_id,
        "title": found.title[:300],
        "authors": found.authors_text,
        "arxiv_date": found.published,
        "abstract": found.abstract,
        "primary_category": found.primary_category,
        "arxiv_version": found.version,
    }


def read_lines(text, *, default_section=None):
    """Every line, with its id or section, and the refusals that need no database."""
    by_name = {_key(section.name): section for section in Section.objects.all()}
    by_name.update({_key(section.slug): section for section in by_name.values()})
    current, unknown = default_section, None
    lines = []
    for number, raw in enumerate(str(text).splitlines(), start=1):
        line = Line(number=number, text=raw.strip())
        lines.append(line)
        if not line.text:
            continue
        heading = _HEADING.match(line.text)
        if heading:
            current, unknown = _section_line(line, heading["name"], by_name)
            continue
        content = _BULLET.sub("", line.text)
        identifier, problem = _identifier(content)
        if identifier is None and _key(content) in by_name:
            current, unknown = _section_line(line, content, by_name)
            continue
        if identifier is None:
            _refuse(line, f"{problem} Nor is it the name of a section.")
        elif unknown:
            _refuse(line, f"Not added: it is listed under “{unknown}”, which is not a section.")
        elif current is None:
            _refuse(
                line,
                "No section for this paper: put a section's name on a line above it, or "
                "choose a section for papers before the first section line.",
            )
        else:
            line.identifier, line.section = identifier, current
    return lines


def _section_line(line, name, by_name):
    section = by_name.get(_key(name))
    if section is None:
        _refuse(
            line,
            f"There is no section “{name}”. Add it under Sections first, or correct the "
            "name; the papers listed under it are not added.",
        )
        return None, name or "(no name)"
    line.outcome, line.section = SECTION, section
    line.message = f"Section: {section.name}"
    return section, None


def _identifier(content):
    """(id, None) when the line names a paper (perhaps followed by its title), else (None, why)."""
    try:
        return parse_arxiv_id(content).identifier, None
    except InvalidArxivId as whole:
        first = content.split(maxsplit=1)[0]
        if first != content:
            try:
                return parse_arxiv_id(first).identifier, None
            except InvalidArxivId:
                pass
        return None, str(whole)


def _mark_duplicates(issue, lines):
    existing = dict(issue.papers.values_list("arxiv_id", "title"))
    first_seen = {}
    for line in lines:
        if not line.identifier or line.outcome:
            continue
        if line.identifier in existing:
            line.outcome = DUPLICATE
            line.message = f"Already in this issue: {existing[line.identifier]}"
        elif line.identifier in first_seen:
            line.outcome = DUPLICATE
            line.message = f"Already listed on line {first_seen[line.identifier]}."
        else:
            first_seen[line.identifier] = line.number


def _refuse(line, message):
    line.outcome, line.message = REFUSED, message


def _key(name):
    return " ".join(str(name).split()).casefold()
