"""The coverage checklist on an issue's admin page: warnings, never blockers."""

from datetime import date

import pytest
from django.urls import reverse

from digests.editor import checklist
from digests.editor.missing_details import placeholder_fields
from digests.models import Issue

from .admin_forms import issue_change_data
from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sections():
    return (
        SectionFactory(name="Large Language Models", slug="llm", position=1),
        SectionFactory(name="Computer Vision", slug="cv", position=2),
        SectionFactory(name="Other", slug="other", position=3),
    )


@pytest.fixture
def issue(sections):
    """A draft covering 1 June – 15 July 2023 with one paper of each kind of trouble."""
    llm, cv, _ = sections
    issue = IssueFactory.draft(
        title="Summer Draft", period_start=date(2023, 6, 1), period_end=date(2023, 7, 15)
    )
    PaperFactory(issue=issue, section=llm, title="Fine Paper", tags=["llm"])
    PaperFactory(issue=issue, section=llm, title="Unwritten Paper", annotation="  \n", tags=["x"])
    PaperFactory(
        issue=issue, section=cv, title="Late Paper", arxiv_date=date(2023, 7, 20), tags=["cv"]
    )
    PaperFactory(issue=issue, section=cv, title="Untagged Paper")
    return issue


def change_page(client, user, issue):
    client.force_login(user)
    response = client.get(reverse("admin:digests_issue_change", args=[issue.pk]))
    assert response.status_code == 200
    return response.content.decode()


def check_item(html, name):
    """One checklist line: from its marker to the next line's (or the panel's end)."""
    start = html.index(f'data-check="{name}"')
    ends = [html.find(marker, start + 1) for marker in ('data-check="', "</section>")]
    return html[start : min(end for end in ends if end > 0)]


def test_checklist_counts_papers_per_section_including_empty_ones(client, editor, issue):
    html = change_page(client, editor, issue)
    assert "4 papers by section" in html
    assert "Large Language Models: <strong>2</strong>" in html
    assert "Computer Vision: <strong>2</strong>" in html
    assert '<li class="checklist__empty">Other: <strong>0</strong></li>' in html


def test_checklist_lists_papers_without_annotation(client, editor, issue):
    item = check_item(change_page(client, editor, issue), "annotation")
    assert "1 without an annotation" in item
    assert "Unwritten Paper" in item and "Fine Paper" not in item


def test_checklist_lists_papers_dated_outside_the_period(client, editor, issue):
    item = check_item(change_page(client, editor, issue), "period")
    assert "1 outside the period from 1 Jun 2023 to 15 Jul 2023" in item
    assert "Late Paper" in item and "20 Jul 2023" in item
    assert "Fine Paper" not in item


def test_period_check_uses_an_open_end_and_says_when_no_period_is_set(client, editor, sections):
    open_ended = IssueFactory.draft(period_start=date(2023, 7, 1), period_end=None)
    PaperFactory(
        issue=open_ended, section=sections[0], title="Way Later", arxiv_date=date(2024, 1, 1)
    )
    PaperFactory(
        issue=open_ended, section=sections[0], title="Too Early", arxiv_date=date(2023, 6, 30)
    )
    item = check_item(change_page(client, editor, open_ended), "period")
    assert "Too Early" in item and "Way Later" not in item

    no_period = IssueFactory.draft(period_start=None, period_end=None)
    PaperFactory(issue=no_period, section=sections[0])
    item = check_item(change_page(client, editor, no_period), "period")
    assert "No period set" in item


def test_checklist_links_papers_featured_in_another_issue_to_that_issue(client, editor, issue):
    earlier = IssueFactory(title="Spring Issue")
    fine = issue.papers.get(title="Fine Paper")
    PaperFactory(issue=earlier, section=fine.section, arxiv_id=fine.arxiv_id, title="Same one")
    item = check_item(change_page(client, editor, issue), "featured")
    assert "1 already featured in another issue" in item
    assert "Fine Paper" in item and fine.arxiv_id in item
    link = reverse("admin:digests_issue_change", args=[earlier.pk])
    assert f'<a href="{link}">Spring Issue</a>' in item
    assert "published" in item


def test_checklist_lists_papers_without_tags(client, editor, issue):
    item = check_item(change_page(client, editor, issue), "tags")
    assert "1 without tags" in item and "Untagged Paper" in item
    assert "Late Paper" not in item


def test_checklist_lists_papers_with_arxiv_details_missing_with_a_button(
    client, editor, issue, sections
):
    before = checklist.for_issue(issue).warning_count
    for identifier in ("2307.03172", "2307.01952"):
        PaperFactory(issue=issue, section=sections[0], tags=["x"], **placeholder_fields(identifier))
    result = checklist.for_issue(issue)
    assert [paper.arxiv_id for paper in result.details_missing] == ["2307.03172", "2307.01952"]
    assert result.warning_count == before + 2

    item = check_item(change_page(client, editor, issue), "details")
    assert "2 with arXiv details missing" in item
    assert "arXiv 2307.03172 (details missing)" in item and "Fine Paper" not in item
    action = reverse("admin:digests_issue_fetch_missing_details", args=[issue.pk])
    assert f'<form method="post" action="{action}"' in item
    assert 'name="csrfmiddlewaretoken"' in item
    assert '<button type="submit" class="button">Fetch missing arXiv details (2)</button>' in item
    assert "<script" not in item


def test_a_clean_issue_shows_all_clear(client, editor, sections):
    issue = IssueFactory.draft()
    PaperFactory(issue=issue, section=sections[0], tags=["llm"])
    html = change_page(client, editor, issue)
    assert "all clear" in html
    assert "Every paper has an annotation." in html
    assert "Every arXiv date is within the period." in html
    assert "No paper appeared in another issue." in html
    assert "Every paper has tags." in html
    assert "Every paper has its arXiv details." in html
    assert "Fetch missing arXiv details" not in html


def test_warnings_do_not_stop_saving(client, editor, issue):
    client.force_login(editor)
    response = client.post(
        reverse("admin:digests_issue_change", args=[issue.pk]),
        issue_change_data(issue, title="Summer Draft, renamed"),
    )
    assert response.status_code == 302
    assert Issue.objects.get(pk=issue.pk).title == "Summer Draft, renamed"


def test_the_add_page_has_no_checklist(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:digests_issue_add"))
    assert response.status_code == 200 and b"Checklist" not in response.content


@pytest.mark.parametrize("size", [2, 12])
def test_checklist_costs_three_queries_at_any_size(size, sections, django_assert_num_queries):
    issue = IssueFactory.draft()
    other = IssueFactory()
    for n in range(size):
        paper = PaperFactory(issue=issue, section=sections[n % 3], tags=["a", "b"] if n % 2 else [])
        PaperFactory(issue=other, section=sections[0], arxiv_id=paper.arxiv_id)
    with django_assert_num_queries(3):
        result = checklist.for_issue(issue)
        # Everything the template reads is already loaded.
        [(paper.title, [o.issue.title for o in others]) for paper, others in result.featured_before]
        [(section.name, count) for section, count in result.sections]
    assert result.paper_count == size and len(result.featured_before) == size
    assert len(result.without_tags) == (size + 1) // 2
