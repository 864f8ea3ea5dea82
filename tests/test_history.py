"""Every change to an issue or a paper is kept: who, when, what; and can be restored."""

import pytest
from django.urls import reverse

from digests.markup import render_markdown
from digests.models import Issue, Paper

from .admin_forms import issue_change_data
from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue():
    issue = IssueFactory.draft(title="Draft Issue", intro="First *intro*.")
    section = SectionFactory(name="Large Language Models", slug="llm")
    PaperFactory(
        issue=issue,
        section=section,
        title="Lost in the Middle",
        annotation="Position *matters*.",
        tags=["long context", "evaluation"],
    )
    return issue


def paper_form(paper, **changes):
    data = {
        "issue": str(paper.issue_id),
        "section": str(paper.section_id),
        "position": str(paper.position),
        "title": paper.title,
        "slug": paper.slug,
        "arxiv_id": paper.arxiv_id,
        "arxiv_date": paper.arxiv_date.isoformat(),
        "authors": paper.authors,
        "abstract": paper.abstract,
        "annotation": paper.annotation,
        "tags": ", ".join(sorted(tag.name for tag in paper.tags.all())),
    }
    data.update(changes)
    return data


def test_editing_an_issue_in_the_admin_records_who_and_what(client, editor, issue):
    client.force_login(editor)
    response = client.post(
        reverse("admin:digests_issue_change", args=[issue.pk]),
        issue_change_data(issue, intro="Second intro."),
    )
    assert response.status_code == 302
    latest = issue.history.first()
    assert latest.history_user == editor
    assert latest.history_type == "~"
    assert latest.intro == "Second intro."
    assert latest.prev_record.intro == "First *intro*."
    assert latest.history_date is not None


def test_a_paper_edited_inline_on_the_issue_page_is_recorded_with_its_tags(client, editor, issue):
    paper = issue.papers.get()
    before = paper.history.count()
    client.force_login(editor)
    response = client.post(
        reverse("admin:digests_issue_change", args=[issue.pk]),
        issue_change_data(
            issue,
            papers_changes={paper.pk: {"annotation": "Rewritten.", "tags": "long context, rag"}},
        ),
    )
    assert response.status_code == 302
    # One record for the edit, carrying both the new text and the new tags.
    assert paper.history.count() == before + 1
    latest = paper.history.first()
    assert latest.history_user == editor
    assert latest.annotation == "Rewritten."
    # Spelled as the tag field takes them: names with spaces are quoted.
    assert latest.tag_names == '"long context", rag'
    assert latest.prev_record.tag_names == '"long context", evaluation'
    # The issue's own history says which paper changed, and how.
    reason = issue.history.first().history_change_reason
    assert reason == "Changed Annotation and Tags for paper “Lost in the Middle”."
    page = client.get(reverse("admin:digests_issue_history", args=[issue.pk]))
    assert "Changed Annotation and Tags for paper “Lost in the Middle”." in page.content.decode()


def test_a_tag_change_on_its_own_is_recorded(issue):
    paper = issue.papers.get()
    before = paper.history.count()
    Paper.objects.get(pk=paper.pk).tags.add("new-tag")
    assert paper.history.count() == before + 1
    assert "new-tag" in paper.history.first().tag_names


def test_the_history_page_shows_who_changed_what(client, editor, issue):
    paper = issue.papers.get()
    client.force_login(editor)
    client.post(
        reverse("admin:digests_paper_change", args=[paper.pk]),
        paper_form(paper, annotation="Rewritten.", tags="retrieval"),
    )
    response = client.get(reverse("admin:digests_paper_history", args=[paper.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "editor" in html  # who
    assert "Annotation" in html and "Rewritten." in html  # what changed
    assert '<th scope="col">tags</th>' in html  # and the tags of each version
    assert "<td>retrieval</td>" in html and "<td>&quot;long context&quot;, evaluation</td>" in html


def test_restoring_an_old_annotation_renders_it_again(client, editor, issue):
    paper = issue.papers.get()
    client.force_login(editor)
    response = client.post(
        reverse("admin:digests_paper_change", args=[paper.pk]),
        paper_form(paper, annotation="A **wrong** take.", tags="oops"),
    )
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.annotation_html == render_markdown("A **wrong** take.")

    original = paper.history.earliest()
    revert_url = reverse("admin:digests_paper_simple_history", args=[paper.pk, original.pk])
    form = client.get(revert_url)
    assert form.status_code == 200
    html = form.content.decode()
    assert "Position *matters*." in html  # the old text, ready to save
    assert "&quot;long context&quot;, evaluation" in html  # and the old tags, not today's

    response = client.post(
        revert_url, paper_form(paper, annotation=original.annotation, tags=original.tag_names)
    )
    assert response.status_code == 302
    paper.refresh_from_db()
    assert paper.annotation == "Position *matters*."
    assert paper.annotation_html == render_markdown("Position *matters*.")
    assert "<em>matters</em>" in paper.annotation_html
    assert sorted(tag.name for tag in paper.tags.all()) == ["evaluation", "long context"]
    assert paper.history.first().history_user == editor

    # Readers see the restored words (after the editor publishes).
    Issue.objects.filter(pk=issue.pk).update(status="published", published_at=issue.created_at)
    client.logout()
    page = client.get(paper.get_absolute_url())
    assert b"<em>matters</em>" in page.content and b"wrong" not in page.content


def test_restoring_an_old_issue_version_from_the_admin(client, editor, issue):
    client.force_login(editor)
    client.post(
        reverse("admin:digests_issue_change", args=[issue.pk]),
        issue_change_data(issue, title="Renamed by mistake", intro="Lost words."),
    )
    original = issue.history.earliest()
    revert_url = reverse("admin:digests_issue_simple_history", args=[issue.pk, original.pk])
    page = client.get(revert_url)
    assert page.status_code == 200 and b"Draft Issue" in page.content
    issue.refresh_from_db()
    data = issue_change_data(issue, title=original.title, intro=original.intro)
    response = client.post(revert_url, data)
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.title == "Draft Issue"
    assert issue.intro_html == render_markdown("First *intro*.")
    assert issue.papers.count() == 1  # restoring the issue leaves its papers alone


def test_restoring_does_not_bring_back_withdrawn_preview_links(client, editor, issue):
    old_key = issue.preview_key
    client.force_login(editor)
    client.post(reverse("admin:digests_issue_revoke_preview_links", args=[issue.pk]))
    issue.refresh_from_db()
    new_key = issue.preview_key
    assert new_key != old_key
    original = issue.history.earliest()
    client.post(
        reverse("admin:digests_issue_simple_history", args=[issue.pk, original.pk]),
        issue_change_data(issue),
    )
    issue.refresh_from_db()
    assert issue.preview_key == new_key


def test_staff_without_permission_cannot_see_history(client, staff_without_permission, issue):
    client.force_login(staff_without_permission)
    response = client.get(reverse("admin:digests_issue_history", args=[issue.pk]))
    assert response.status_code == 403
