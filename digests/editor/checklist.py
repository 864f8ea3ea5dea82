"""The coverage checklist an editor sees on an issue's admin page.

Warnings, never blockers: each item says what may want a second look before
publishing. Three queries whatever the size of the issue: the papers (with
their section and tag count), the sections, and papers of other issues that
share an arXiv id with this one.
"""

from dataclasses import dataclass, field

from django.db.models import Count

from ..models import Paper, Section
from . import announced


@dataclass
class Checklist:
    issue: object
    paper_count: int = 0
    sections: list = field(default_factory=list)  # (section, count), every section
    without_annotation: list = field(default_factory=list)
    outside_period: list = field(default_factory=list)
    period_missing: bool = False
    featured_before: list = field(default_factory=list)  # (paper, [other papers])
    without_tags: list = field(default_factory=list)
    details_missing: list = field(default_factory=list)  # added while arXiv was down
    announced: tuple | None = None  # (number, words) the intro announces, when it differs

    @property
    def warning_count(self):
        return (
            len(self.without_annotation)
            + len(self.outside_period)
            + len(self.featured_before)
            + len(self.without_tags)
            + len(self.details_missing)
            + bool(self.announced)
        )

    @property
    def empty_sections(self):
        return [section for section, count in self.sections if not count]


def in_period(issue, day):
    """The period is the issue's own “covers from / until”; a missing end is open."""
    if issue.period_start and day < issue.period_start:
        return False
    return not (issue.period_end and day > issue.period_end)


def for_issue(issue):
    papers = list(
        Paper.objects.filter(issue=issue)
        .select_related("section")
        .annotate(tag_count=Count("tagged_items"))
        .in_issue_order()
    )
    counts = {}
    for paper in papers:
        counts[paper.section_id] = counts.get(paper.section_id, 0) + 1
    result = Checklist(
        issue=issue,
        paper_count=len(papers),
        sections=[(section, counts.get(section.pk, 0)) for section in Section.objects.all()],
        period_missing=not (issue.period_start or issue.period_end),
    )
    result.announced = announced.mismatch(issue.intro_text, len(papers))
    for paper in papers:
        if not paper.annotation.strip():
            result.without_annotation.append(paper)
        if not result.period_missing and not in_period(issue, paper.arxiv_date):
            result.outside_period.append(paper)
        if not paper.tag_count:
            result.without_tags.append(paper)
        if paper.metadata_missing:
            result.details_missing.append(paper)

    elsewhere = {}
    others = (
        Paper.objects.filter(arxiv_id__in=[paper.arxiv_id for paper in papers])
        .exclude(issue=issue)
        .select_related("issue")
        .order_by("issue__published_at", "issue__pk")
    )
    for other in others:
        elsewhere.setdefault(other.arxiv_id, []).append(other)
    result.featured_before = [
        (paper, elsewhere[paper.arxiv_id]) for paper in papers if paper.arxiv_id in elsewhere
    ]
    return result


class ChecklistAdminMixin:
    """Adds ``checklist`` to the change form of a saved issue (shown above the form)."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["checklist"] = for_issue(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)
