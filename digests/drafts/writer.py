"""Write a parsed draft into the database as a draft issue.

``import_draft(text=..., title=...)`` is the one way a draft becomes an
issue: the ``import_digest`` command and the admin's import page both call
it. Everything happens in one transaction; a draft that can't be imported
raises ``ImportRefused`` and leaves the database as it was.

Importing the same draft again (same title, so same slug) updates the draft
issue in place: papers are matched by arXiv id, so an editor's tags, authors
and slugs on them survive; papers no longer in the draft are dropped. An
issue that is published or scheduled is never touched.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

from ..models import Issue, Paper, Section
from ..models.base import unique_slug
from .parser import Draft, DraftError, LineNote, parse_draft


class ImportRefused(ValueError):
    """Why a draft was not imported, worded for the editor."""


@dataclass
class PaperResult:
    section: str
    title: str
    arxiv_id: str
    arxiv_date: object
    line: int
    change: str  # "added", "updated" or "unchanged"


@dataclass
class ImportReport:
    issue: Issue
    draft: Draft
    created: bool
    papers: list[PaperResult] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    new_sections: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def sections(self):
        """(name, paper count, is new) in the order the issue shows them."""
        counts = {}
        for paper in self.papers:
            counts[paper.section] = counts.get(paper.section, 0) + 1
        return [(name, count, name in self.new_sections) for name, count in counts.items()]

    @property
    def reordered_sections(self):
        """True when the draft lists sections in another order than the site shows them."""
        in_draft = []
        for paper in sorted(self.papers, key=lambda p: p.line):
            if paper.section not in in_draft:
                in_draft.append(paper.section)
        return in_draft != [name for name, _, _ in self.sections]

    def lines(self):
        """The report as text, for the command's output."""
        issue, draft = self.issue, self.draft
        verb = "Created" if self.created else "Updated"
        if self.dry_run:
            verb = f"Would have {verb.lower()}"
        kind = "Markdown" if draft.format == "markdown" else "plain-text"
        out = [f"{verb} draft issue “{issue.title}” (/{issue.slug}/) from a {kind} draft."]
        out.append(f"Intro: {len(draft.intro):,} characters.")
        out.append(f"Sections ({len(self.sections)}):")
        for name, count, new in self.sections:
            out.append(
                f"  {name}: {count} paper{'s' if count != 1 else ''}"
                + (" (new section)" if new else "")
            )
        if self.reordered_sections:
            out.append(
                "  (shown in the site's section order, not the draft's: change it under Sections)"
            )
        out.append(f"Papers ({len(self.papers)}):")
        for paper in self.papers:
            out.append(
                f"  {paper.arxiv_id:<12} {paper.arxiv_date:%Y-%m-%d}  {paper.title}"
                f"  [{paper.section}; {paper.change}]"
            )
        if self.removed:
            out.append(f"Removed (no longer in the draft) ({len(self.removed)}):")
            out.extend(f"  {arxiv_id:<12} {title}" for arxiv_id, title in self.removed)
        for heading, notes in (("Notes", draft.notes), ("Skipped", draft.skipped)):
            if notes:
                out.append(f"{heading} ({len(notes)}):")
                out.extend(f"  line {n.line}: {n.text[:70]} ({n.reason})" for n in notes)
        out.append("Nothing was published: the issue is a draft.")
        return out


class _DryRun(Exception):
    pass


def import_draft(*, text, title=None, filename=None, format=None, dry_run=False):
    """Import draft ``text`` as a draft issue and return an ImportReport.

    ``title`` overrides a Markdown ``# Title``; one of them is required."""
    try:
        draft = parse_draft(text, filename=filename, format=format)
    except DraftError as error:
        raise ImportRefused(str(error)) from None
    title = " ".join((title or draft.title or "").split())
    if not title:
        raise ImportRefused("Give the issue a title (a Markdown draft may start with “# Title”).")
    if not draft.papers:
        raise ImportRefused(_no_papers_message(draft))
    _drop_repeated_title(draft, title)
    try:
        with transaction.atomic():
            report = _write(draft, title)
            if dry_run:
                report.dry_run = True
                raise _DryRun
    except _DryRun:
        pass
    except IntegrityError:
        raise ImportRefused(
            "Another change to this issue was saved at the same moment; import the draft again."
        ) from None
    return report


def _drop_repeated_title(draft, title):
    """Drafts often start with the issue's title: it is the title, not the intro's first line."""
    first, _, rest = draft.intro.partition("\n\n")
    if " ".join(first.split()).casefold() == title.casefold():
        draft.intro = rest.strip("\n")
        draft.notes.append(LineNote(1, first, "the issue's title: left out of the intro"))


def _no_papers_message(draft):
    message = (
        "No papers found in the draft. Each paper needs a line like "
        "“Title (6 Jul, https://arxiv.org/abs/2307.03172)” followed by its annotation."
    )
    if draft.skipped:
        first = draft.skipped[0]
        message += f" First problem: line {first.line}: {first.reason}."
    return message


def _write(draft, title):
    slug = slugify(title)[: Issue._meta.get_field("slug").max_length].strip("-")
    if not slug:
        raise ImportRefused(f"“{title}” has no letters or digits to make the issue's address from.")
    issue = Issue.objects.select_for_update().filter(slug=slug).first()
    created = issue is None
    if created:
        issue = Issue(slug=slug, status=Issue.Status.DRAFT)
    elif issue.status != Issue.Status.DRAFT:
        raise ImportRefused(
            f"The issue “{issue.title}” (/{issue.slug}/) is already {issue.state}; an import "
            "never changes a published or scheduled issue. Unpublish it first, or import the "
            "draft under another title."
        )
    issue.title = title
    issue.intro = draft.intro
    _validate(issue, f"The issue title “{title[:60]}”", exclude=["slug"])
    issue.save()

    report = ImportReport(issue=issue, draft=draft, created=created)
    sections = _sections(draft, report)
    existing = {paper.arxiv_id: paper for paper in issue.papers.all()}
    for draft_section in draft.sections:
        section = sections[draft_section.name.casefold()]
        for position, item in enumerate(draft_section.papers, start=1):
            paper = existing.pop(item.arxiv_id, None)
            change = "added"
            if paper is not None:
                before = (
                    paper.section_id,
                    paper.position,
                    paper.title,
                    paper.arxiv_date,
                    paper.annotation,
                )
                change = "updated"
            else:
                paper = Paper(issue=issue, arxiv_id=item.arxiv_id)
            paper.section, paper.position, paper.title = section, position, item.title
            paper.arxiv_date, paper.annotation = item.arxiv_date, item.annotation
            if change == "updated" and before == (
                section.pk,
                position,
                item.title,
                item.arxiv_date,
                item.annotation,
            ):
                change = "unchanged"
            else:
                _validate(paper, f"Line {item.line}", exclude=["slug", "issue", "section"])
                paper.save()
            report.papers.append(
                PaperResult(
                    section.name, item.title, item.arxiv_id, item.arxiv_date, item.line, change
                )
            )
    discussed = [p for p in existing.values() if p.comments.exists()]
    if discussed:
        raise ImportRefused(
            f"“{discussed[0].title}” ({discussed[0].arxiv_id}) is not in the draft, but readers "
            "have commented on it; an import never deletes comments. Add it back to the "
            "draft, or remove the paper in the admin first."
        )
    for paper in existing.values():
        report.removed.append((paper.arxiv_id, paper.title))
        paper.delete()
    report.papers.sort(key=lambda p: (sections[p.section.casefold()].position, p.section))
    return report


def _sections(draft, report):
    """Each draft section's Section row (matched case-insensitively, created if missing)."""
    found = {}
    last = Section.objects.aggregate(models.Max("position"))["position__max"] or 0
    for draft_section in draft.sections:
        section = Section.objects.filter(name__iexact=draft_section.name).first()
        if section is None:
            last += 1
            section = Section(
                name=draft_section.name,
                slug=unique_slug(Section, draft_section.name, max_length=100),
                position=last,
            )
            _validate(section, f"The section on line {draft_section.line}", exclude=["slug"])
            section.save()
            report.new_sections.append(section.name)
        found[draft_section.name.casefold()] = section
        found[section.name.casefold()] = section
    return found


def _validate(instance, where, exclude):
    """Field rules (lengths, required values) before saving, as a message for the editor."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
        raise ImportRefused(f"{where}: {problems}") from None
