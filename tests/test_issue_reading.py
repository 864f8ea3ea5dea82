"""Long issue pages: a reading time in the issue's header and a way back to the
contents after each section."""

import re

import pytest

from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db


def words(count):
    return " ".join(["word"] * count)


@pytest.mark.parametrize(
    ("intro", "annotations", "closing", "minutes"),
    [
        (0, [], 0, 1),  # an empty draft still takes a moment
        (100, [100, 100], 0, 1),  # 300 words: 1.3 minutes
        (100, [100, 100], 45, 2),  # 345 words: 1.5 minutes, rounded up
        (460, [1150] * 2, 690, 15),  # 3,450 words
    ],
)
def test_reading_time_counts_intro_annotations_and_closing_note_at_230_words_a_minute(
    intro, annotations, closing, minutes
):
    issue = IssueFactory(intro=words(intro), closing_note=words(closing))
    for text in annotations:
        PaperFactory(issue=issue, annotation=words(text))
    assert issue.reading_minutes == minutes


def test_reading_time_counts_the_words_not_the_markup():
    issue = IssueFactory(intro="*One* [two](https://example.org/a-b-c) `three`", closing_note="")
    PaperFactory(issue=issue, annotation="- four\n- five\n\n```\nsix seven\n```")
    issue.refresh_from_db()
    texts = [issue.intro_text] + [p.annotation_text for p in issue.papers.all()]
    assert sum(len(t.split()) for t in texts) == 7
    assert issue.reading_minutes == 1


def test_the_issue_header_tells_the_reading_time(client):
    issue = IssueFactory(intro=words(230), closing_note=words(230))
    PaperFactory(issue=issue, annotation=words(2300))
    html = client.get(issue.get_absolute_url()).content.decode()
    start = html.index('<header class="issue__head">')
    head = html[start : html.index("</header>", start)]
    assert '<span class="reading-time">12 min read</span>' in head


def test_each_section_ends_with_a_link_back_to_the_contents(client):
    issue = IssueFactory()
    for s in range(3):
        section = SectionFactory(position=s)
        for _ in range(2):
            PaperFactory(issue=issue, section=section)
    html = client.get(issue.get_absolute_url()).content.decode()
    assert html.count('id="toc-title"') == 1
    sections = re.findall(r'<section class="issue__section".*?</section>', html, re.S)
    assert len(sections) == 3
    for section in sections:
        last = section.rstrip().removesuffix("</section>").rstrip()
        assert last.endswith(
            '<p class="back-to-contents"><a href="#toc-title">Back to contents '
            '<span aria-hidden="true">↑</span></a></p>'
        ), last[-300:]


def test_an_issue_without_papers_has_no_contents_and_no_link_to_them(client):
    issue = IssueFactory()
    html = client.get(issue.get_absolute_url()).content.decode()
    assert "toc-title" not in html and "Back to contents" not in html
