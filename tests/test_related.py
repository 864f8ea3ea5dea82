"""Related papers on a paper page: shared tags and section, then text similarity."""

from datetime import date

import pytest

from digests.search.related import related_papers

from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    llm = SectionFactory(name="Large Language Models", slug="llm")
    cv = SectionFactory(name="Computer Vision", slug="cv")
    june = IssueFactory(slug="june")
    draft = IssueFactory(slug="draft", status="draft", published_at=None)

    def paper(title, section, tags, issue=june, **extra):
        return PaperFactory(issue=issue, section=section, title=title, tags=tags, **extra)

    return {
        "me": paper("Sparse Attention for Long Documents", llm, ["long context", "efficiency"]),
        "two_tags": paper("Memory Tricks", cv, ["long context", "efficiency"]),
        "one_tag_same_section": paper("Position Interpolation", llm, ["long context"]),
        "one_tag": paper("Faster Kernels", cv, ["efficiency"]),
        "section_only": paper("Instruction Data", llm, ["data"]),
        "text_only": paper("Sparse Documents Retrieval", cv, ["retrieval"]),
        "stranger": paper("Robot Grasping", cv, ["robotics"]),
        "draft": paper("Secret Sparse Attention", llm, ["long context", "efficiency"], issue=draft),
    }


def test_shared_tags_then_section_then_text(shelf):
    related = [paper.title for paper in related_papers(shelf["me"])]
    assert related[:4] == [
        "Memory Tricks",  # two shared tags
        "Position Interpolation",  # one shared tag and the same section
        "Faster Kernels",  # one shared tag
        "Instruction Data",  # the same section
    ]
    assert related[4] == "Sparse Documents Retrieval"  # text only
    assert "Robot Grasping" not in related


def test_text_similarity_breaks_ties(shelf):
    llm = shelf["me"].section
    PaperFactory(issue=shelf["me"].issue, section=llm, title="Attention Sinks", tags=["data"])
    related = [paper.title for paper in related_papers(shelf["me"], limit=6)]
    # Both share only the section; the one whose text is closer comes first.
    assert related.index("Attention Sinks") < related.index("Instruction Data")


def test_never_itself_nor_a_draft(shelf):
    related = related_papers(shelf["me"], limit=20)
    assert shelf["me"] not in related
    assert all(paper.issue.is_public for paper in related)
    assert "Secret Sparse Attention" not in [paper.title for paper in related]


def test_a_lonely_paper_has_no_related_papers(db):
    lonely = PaperFactory(title="The Only One", tags=[], arxiv_date=date(2023, 1, 1))
    assert related_papers(lonely) == []


def test_paper_page_shows_related_papers(client, shelf):
    html = client.get(shelf["me"].get_absolute_url()).content.decode()
    assert 'id="related-title"' in html
    assert f'href="{shelf["two_tags"].get_absolute_url()}">Memory Tricks</a>' in html
    assert "Secret Sparse Attention" not in html
