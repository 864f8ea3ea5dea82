from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from digests.models import Issue, Paper

from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db


def test_markdown_is_rendered_on_save_and_kept():
    issue = IssueFactory(intro="Hello *readers*")
    paper = PaperFactory(issue=issue, annotation="A **bold** claim")
    assert issue.intro_html == "<p>Hello <em>readers</em></p>"
    assert paper.annotation_html == "<p>A <strong>bold</strong> claim</p>"
    paper.annotation = "Changed"
    paper.save()
    assert Paper.objects.get(pk=paper.pk).annotation_html == "<p>Changed</p>"


def test_arxiv_id_is_stored_in_canonical_form():
    paper = PaperFactory(arxiv_id="https://arxiv.org/abs//2306.11987v2")
    paper.refresh_from_db()
    assert paper.arxiv_id == "2306.11987"
    assert paper.abs_url == "https://arxiv.org/abs/2306.11987"
    assert paper.pdf_url == "https://arxiv.org/pdf/2306.11987"


def test_slugs_are_derived_and_unique():
    issue = IssueFactory()
    first = PaperFactory(issue=issue, title="Textbooks Are All You Need", slug="")
    second = PaperFactory(title="Textbooks Are All You Need", slug="")
    assert first.slug == "textbooks-are-all-you-need"
    assert second.slug == "textbooks-are-all-you-need-2"
    draft = Issue.objects.create(title="Summer Special", status=Issue.Status.DRAFT)
    assert draft.slug == "summer-special"


def test_new_papers_go_to_the_end_of_their_section():
    issue = IssueFactory()
    section = SectionFactory()
    other = SectionFactory()
    a = PaperFactory(issue=issue, section=section)
    b = PaperFactory(issue=issue, section=section)
    c = PaperFactory(issue=issue, section=other)
    assert (a.position, b.position, c.position) == (1, 2, 1)


def test_publishing_without_a_time_means_now():
    before = timezone.now()
    issue = IssueFactory(status=Issue.Status.PUBLISHED, published_at=None)
    assert before <= issue.published_at <= timezone.now()
    assert issue.state == "published"


def test_states_follow_status_and_time():
    assert IssueFactory.draft().state == "draft"
    assert IssueFactory.scheduled().state == "scheduled"
    assert IssueFactory().state == "published"


def test_published_querysets_follow_one_rule():
    public = IssueFactory()
    draft = IssueFactory.draft()
    scheduled = IssueFactory.scheduled()
    assert list(Issue.objects.published()) == [public]
    assert set(Paper.objects.published()) == set()
    paper = PaperFactory(issue=public)
    PaperFactory(issue=draft)
    PaperFactory(issue=scheduled)
    assert list(Paper.objects.published()) == [paper]
    # The scheduled issue goes live by itself once its time comes.
    later = scheduled.published_at + timedelta(seconds=1)
    assert set(Issue.objects.published(now=later)) == {public, scheduled}


def test_database_refuses_a_paper_twice_in_one_issue():
    paper = PaperFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaperFactory(issue=paper.issue, arxiv_id=f"arXiv:{paper.arxiv_id}v3")


def test_the_same_paper_may_appear_in_two_issues():
    paper = PaperFactory()
    again = PaperFactory(arxiv_id=paper.arxiv_id)
    assert again.issue != paper.issue


def test_database_refuses_a_published_issue_without_time():
    issue = IssueFactory.draft()
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.PUBLISHED)


def test_period_must_end_after_it_starts():
    issue = IssueFactory.build(period_start=date(2023, 7, 1), period_end=date(2023, 6, 1))
    with pytest.raises(ValidationError) as error:
        issue.full_clean()
    assert "The period must end on or after the day it starts." in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        issue.save()


def test_author_list_splits_names():
    paper = PaperFactory.build(authors="Nelson F. Liu,  Kevin Lin , ,Percy Liang")
    assert paper.author_list == ["Nelson F. Liu", "Kevin Lin", "Percy Liang"]


def test_tags_are_case_insensitive():
    first = PaperFactory(tags=["LLM"])
    second = PaperFactory(tags=["llm"])
    assert list(first.tags.all()) == list(second.tags.all())


def test_deleting_a_section_with_papers_is_refused():
    paper = PaperFactory()
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        paper.section.delete()
    assert Paper.objects.filter(pk=paper.pk).exists()
