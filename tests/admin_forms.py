"""POST data for an existing issue's admin page, as the browser sends it."""

from django.utils import timezone
from taggit.utils import edit_string_for_tags


def issue_change_data(issue, papers_changes=None, **issue_changes):
    """The issue's change form with every paper row filled in as shown, then changed.

    ``papers_changes`` maps a paper's pk to the fields to type differently."""
    published = timezone.localtime(issue.published_at) if issue.published_at else None
    data = {
        "title": issue.title,
        "slug": issue.slug,
        "status": issue.status,
        "published_at_0": published.strftime("%Y-%m-%d") if published else "",
        "published_at_1": published.strftime("%H:%M:%S") if published else "",
        "period_start": issue.period_start.isoformat() if issue.period_start else "",
        "period_end": issue.period_end.isoformat() if issue.period_end else "",
        "intro": issue.intro,
        "comments_open": "on" if issue.comments_open else "",
    }
    data.update(issue_changes)
    papers = list(issue.papers.order_by("section__position", "position", "pk"))
    data.update(
        {
            "papers-TOTAL_FORMS": str(len(papers)),
            "papers-INITIAL_FORMS": str(len(papers)),
            "papers-MIN_NUM_FORMS": "0",
            "papers-MAX_NUM_FORMS": "1000",
        }
    )
    for index, paper in enumerate(papers):
        row = {
            "id": str(paper.pk),
            "issue": str(issue.pk),
            "section": str(paper.section_id),
            "position": str(paper.position),
            "arxiv_id": paper.arxiv_id,
            "arxiv_date": paper.arxiv_date.isoformat(),
            "title": paper.title,
            "authors": paper.authors,
            "annotation": paper.annotation,
            "tags": edit_string_for_tags(paper.tags.all()),
        }
        row.update((papers_changes or {}).get(paper.pk, {}))
        data.update({f"papers-{index}-{key}": value for key, value in row.items()})
    if not data["comments_open"]:
        del data["comments_open"]  # an unticked box is not sent
    return data
