"""Write a parsed draft into the database as a draft issue.

``import_draft(text=..., title=...)`` is the one way a draft becomes an
issue: the ``import_digest`` command and the admin's import page both call
it. It writes in short steps (see ``import_draft``); a draft that can't be
imported raises ``ImportRefused`` and leaves the database as it was.

Importing the same draft again (same title, so same slug) updates the draft
issue in place: papers are matched by arXiv id, so an editor's tags, authors
and slugs on them survive; papers no longer in the draft are dropped. An
issue that is published or scheduled is never touched.
"""

import time
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from simple_history.utils import bulk_create_with_history

from ..models import Issue, Paper, Section
from ..models.authors import sync_authors
from ..models.base import slug_from, unique_slug
from .nearest import closest_line
from .parser import Draft, DraftError, LineNote, parse_draft

# New papers per transaction (and per INSERT: SQLite allows 32,766 parameters
# in one); each batch holds SQLite's write lock for about a fifth of a second,
# and the pause after it lets a waiting writer in (SQLite's busy handler
# retries every 100 ms at most).
BULK_BATCH = 500
PAUSE_BETWEEN_BATCHES = 0.15


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
    period_filled: bool = False

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
        if self.period_filled:
            out.append(
                f"Period: {issue.period_start:%-d %b %Y} to {issue.period_end:%-d %b %Y} "
                "(from the papers' arXiv dates)."
            )
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
        if draft.closing:
            out.append(
                f"Closing note: {len(draft.closing)} line(s) after the last paper "
                "(correct it under “Closing note” in the issue):"
            )
            out.extend(f"  line {n.line}: {n.text[:70]} ({n.reason})" for n in draft.closing)
        for heading, notes in (("Notes", draft.notes), ("Skipped", draft.skipped)):
            if notes:
                out.append(f"{heading} ({len(notes)}):")
                out.extend(f"  line {n.line}: {n.text[:70]} ({n.reason})" for n in notes)
        out.append("Nothing was published: the issue is a draft.")
        return out


def import_draft(*, text, title=None, filename=None, format=None, dry_run=False, user=None):
    """Import draft ``text`` as a draft issue and return an ImportReport.

    ``title`` overrides a Markdown ``# Title``; one of them is required.
    ``user`` (the editor importing) is named in the papers' history.

    A large draft never holds the database long. Everything that only reads
    or computes (parsing, matching papers, new slugs, rendering annotations,
    validating) happens first, outside any transaction; then new papers are
    inserted in bulk, in batches that are transactions of their own. On
    SQLite, where a transaction that writes locks out every other writer
    (comment posts, the database cache), no batch holds the lock for more
    than a fraction of a second, where 5,000 papers saved one by one in one
    transaction held it for 42 s. It still succeeds whole or changes
    nothing: a failure takes back what was written (``_undo``)."""
    try:
        draft = parse_draft(text, filename=filename, format=format)
    except DraftError as error:
        raise ImportRefused(str(error)) from None
    title = " ".join((title or draft.title or _title_line(draft) or "").split())
    if not title:
        raise ImportRefused(
            "Give the issue a title: type it above, or start the draft with it on a line of "
            "its own (“# Title” in Markdown)."
        )
    if not draft.papers:
        raise ImportRefused(_no_papers_message(text, draft))
    _drop_repeated_title(draft, title)
    plan = _plan(draft, title)
    if dry_run:
        report = _report(plan, plan.issue)
        report.dry_run = True
        return report
    try:
        return _write(plan, user)
    except IntegrityError:
        raise ImportRefused(CONCURRENT_CHANGE) from None


CONCURRENT_CHANGE = (
    "Another change to this issue was saved at the same moment; import the draft again."
)


@dataclass
class _Plan:
    """What the import will write, worked out before the transaction."""

    draft: Draft
    issue: Issue
    created: bool
    sections: dict  # casefolded name -> Section (new ones unsaved)
    new_sections: list  # unsaved Sections, in the draft's order
    added: list  # unsaved Papers
    changed: list  # existing Papers with new values
    removed: list  # existing Papers no longer in the draft
    results: list  # PaperResult per paper, in the draft's order
    period_filled: bool  # the period came from the papers' dates


def _drop_repeated_title(draft, title):
    """Drafts often start with the issue's title: it is the title, not the intro's first line."""
    first, _, rest = draft.intro.partition("\n\n")
    if " ".join(first.split()).casefold() == title.casefold():
        draft.intro = rest.strip("\n")
        draft.notes.append(LineNote(1, first, "the issue's title: left out of the intro"))


def _title_line(draft):
    """A draft's first line when it stands alone and reads as a title (short,
    no full stop): pasted drafts start with the issue's title."""
    first = draft.intro.partition("\n\n")[0]
    if "\n" in first or not first or len(first) > 200 or len(first.split()) > 15:
        return ""
    return "" if first.rstrip().endswith((".", ",", ";", ":", "!")) else first


def _no_papers_message(text, draft):
    message = (
        "No papers found in the draft. The importer looks for a line of its own per paper: "
        "the title, then the arXiv date and link in brackets at the end, like "
        "“Lost in the Middle (6 Jul, https://arxiv.org/abs/2307.03172)”, with the "
        "annotation on the lines after it. Blank lines between paragraphs are optional."
    )
    closest = closest_line(text, draft)
    if closest:
        line, text, why = closest
        shown = text if len(text) <= 120 else text[:117] + "…"
        message += f" The closest was line {line}: “{shown}” ({why})."
    return message


def _plan(draft, title):
    slug = slug_from(title, max_length=Issue._meta.get_field("slug").max_length)
    if not slug:
        raise ImportRefused(f"“{title}” has no letters or digits to make the issue's address from.")
    issue = Issue.objects.filter(slug=slug).first()
    created = issue is None
    if created:
        issue = Issue(slug=slug, status=Issue.Status.DRAFT)
    else:
        _refuse_unless_draft(issue)
    issue.title = title
    issue.intro = draft.intro
    if draft.closing_note:  # a re-import without one keeps the note typed in the admin
        issue.closing_note = draft.closing_note
    period_filled = not (issue.period_start or issue.period_end)
    if period_filled:
        days = [paper.arxiv_date for paper in draft.papers]
        issue.period_start, issue.period_end = min(days), max(days)
    _validate(issue, f"The issue title “{title[:60]}”", exclude=["slug"])

    sections, new_sections = _sections(draft)
    existing = {paper.arxiv_id: paper for paper in issue.papers.all()} if issue.pk else {}
    plan = _Plan(draft, issue, created, sections, new_sections, [], [], [], [], period_filled)
    new_slugs = set()
    for draft_section in draft.sections:
        section = sections[draft_section.name.casefold()]
        for position, item in enumerate(draft_section.papers, start=1):
            paper = existing.pop(item.arxiv_id, None)
            values = (section.pk, position, item.title, item.arxiv_date, item.annotation)
            if paper is None:
                change = "added"
                paper = Paper(arxiv_id=item.arxiv_id)
            elif values == (
                paper.section_id,
                paper.position,
                paper.title,
                paper.arxiv_date,
                paper.annotation,
            ):
                change = "unchanged"
            else:
                change = "updated"
            paper.section, paper.position, paper.title = section, position, item.title
            paper.arxiv_date, paper.annotation = item.arxiv_date, item.annotation
            if change != "unchanged":
                _validate(paper, f"Line {item.line}", exclude=["slug", "issue", "section"])
            if change == "added":
                paper.derive()
                paper.slug = unique_slug(Paper, item.title, max_length=120, also_taken=new_slugs)
                new_slugs.add(paper.slug)
                plan.added.append(paper)
            elif change == "updated":
                plan.changed.append(paper)
            plan.results.append(
                PaperResult(
                    section.name, item.title, item.arxiv_id, item.arxiv_date, item.line, change
                )
            )
    plan.removed = list(existing.values())
    _refuse_if_discussed(plan.removed)
    return plan


def _refuse_unless_draft(issue):
    if issue.status != Issue.Status.DRAFT:
        raise ImportRefused(
            f"The issue “{issue.title}” (/{issue.slug}/) is already {issue.state}; an import "
            "never changes a published or scheduled issue. Unpublish it first, or import the "
            "draft under another title."
        )


def _refuse_if_discussed(papers):
    ids = [paper.pk for paper in papers]
    discussed = list(Paper.objects.filter(pk__in=ids, comments__isnull=False).distinct()[:1])
    if discussed:
        raise ImportRefused(
            f"“{discussed[0].title}” ({discussed[0].arxiv_id}) is not in the draft, but readers "
            "have commented on it; an import never deletes comments. Add it back to the "
            "draft, or remove the paper in the admin first."
        )


def _write(plan, user):
    """Write the plan: new papers in batches, each its own short transaction
    with a pause after it (so a writer waiting for SQLite's lock gets its
    turn), then the changed and removed papers. If any step fails, the rows
    already written are deleted again and the error raised."""
    batches = [plan.added[i : i + BULK_BATCH] for i in range(0, len(plan.added), BULK_BATCH)]
    written = []
    issue = None
    try:
        with transaction.atomic():
            issue = _start(plan)
        for batch in batches:
            for paper in batch:
                paper.issue = issue  # (a new section's id is taken from it as the rows go in)
            with transaction.atomic():
                bulk_create_with_history(batch, Paper, batch_size=BULK_BATCH, default_user=user)
                sync_authors(batch)  # a bulk insert skips Paper.save()
            written += batch
            time.sleep(PAUSE_BETWEEN_BATCHES)
        with transaction.atomic():
            issue = _finish_issue(plan, issue)
            for paper in plan.changed:
                paper.save()
            _refuse_if_discussed(plan.removed)  # a comment posted since the plan was made
            for paper in plan.removed:
                paper.delete()
    except BaseException:
        _undo(plan, issue, written)
        raise
    return _report(plan, issue)


def _start(plan):
    """The issue the papers go into (a new one saved now) and the new
    sections, checking first that the issue is as the plan found it."""
    issue = _current_issue(plan)
    if issue is None:
        issue = plan.issue
        issue.save()
    for section in plan.new_sections:
        section.save()
    return issue


def _finish_issue(plan, issue):
    """An existing issue's new title, intro, closing note and (if it had
    none) period, in the last step (an edit made meanwhile to its other
    fields is kept)."""
    if plan.created:
        return issue
    current = _current_issue(plan)
    current.title, current.intro = plan.issue.title, plan.issue.intro
    current.closing_note = plan.issue.closing_note or current.closing_note
    if plan.period_filled and not (current.period_start or current.period_end):
        current.period_start, current.period_end = plan.issue.period_start, plan.issue.period_end
    current.save()
    return current


def _current_issue(plan):
    current = Issue.objects.select_for_update().filter(slug=plan.issue.slug).first()
    if (current is None) != plan.created:
        raise ImportRefused(CONCURRENT_CHANGE)
    if current is not None:
        _refuse_unless_draft(current)
    return current


def _undo(plan, issue, written):
    """Take back what a failed import wrote: its new papers, and the issue and
    sections it made (an existing issue's title and intro change only in the
    last step, which fails whole)."""
    with transaction.atomic():
        Paper.objects.filter(pk__in=[paper.pk for paper in written if paper.pk]).delete()
        if plan.created and issue is not None and issue.pk:
            issue.delete()
        for section in plan.new_sections:
            if section.pk and not section.papers.exists():
                section.delete()


def _report(plan, issue):
    report = ImportReport(
        issue=issue, draft=plan.draft, created=plan.created, period_filled=plan.period_filled
    )
    report.new_sections = [section.name for section in plan.new_sections]
    report.removed = [(paper.arxiv_id, paper.title) for paper in plan.removed]
    report.papers = sorted(
        plan.results,
        key=lambda p: (plan.sections[p.section.casefold()].position, p.section),
    )
    return report


def _sections(draft):
    """Each draft section's Section (matched case-insensitively; a missing one
    made, unsaved), by casefolded name, and the new ones in the draft's order."""
    found, new = {}, []
    last = Section.objects.aggregate(models.Max("position"))["position__max"] or 0
    for draft_section in draft.sections:
        key = draft_section.name.casefold()
        section = found.get(key) or Section.objects.filter(name__iexact=draft_section.name).first()
        if section is None:
            last += 1
            section = Section(
                name=draft_section.name,
                slug=unique_slug(
                    Section,
                    draft_section.name,
                    max_length=100,
                    also_taken={s.slug for s in new},
                ),
                position=last,
            )
            _validate(section, f"The section on line {draft_section.line}", exclude=["slug"])
            new.append(section)
        found[key] = section
        found[section.name.casefold()] = section
    return found, new


def _validate(instance, where, exclude):
    """Field rules (lengths, required values) before saving, as a message for the editor."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
        raise ImportRefused(f"{where}: {problems}") from None
