"""Public pages, as a reader sees them."""

import re
from datetime import date

import pytest
from django.urls import reverse

from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue():
    issue = IssueFactory(
        title="AI Research Highlights, June–July 2023",
        slug="june-july-2023",
        intro="Two threads ran through *everything*.",
    )
    llm = SectionFactory(name="Large Language Models", slug="llm", position=1)
    cv = SectionFactory(name="Computer Vision", slug="cv", position=2)
    PaperFactory(
        issue=issue,
        section=cv,
        title="SDXL",
        arxiv_id="2307.01952",
        tags=["diffusion"],
        authors="A One, B Two, C Three, D Four, E Five",
    )
    PaperFactory(
        issue=issue,
        section=llm,
        title="Lost in the Middle",
        arxiv_id="2307.03172",
        tags=["long context", "evaluation"],
        annotation="Models *ignore* the middle.",
    )
    PaperFactory(issue=issue, section=llm, title="LongNet", arxiv_id="2307.02486")
    return issue


def test_issue_page_has_intro_contents_by_section_and_every_paper(client, issue):
    response = client.get(issue.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>AI Research Highlights, June–July 2023</h1>" in html
    assert "<em>everything</em>" in html
    # Contents: sections in their order, papers in theirs, anchors that exist.
    toc = html[html.index('id="toc-title"') : html.index("</nav>", html.index('id="toc-title"'))]
    assert toc.index("Large Language Models") < toc.index("Computer Vision")
    assert toc.index("Lost in the Middle") < toc.index("LongNet") < toc.index("SDXL")
    for anchor in re.findall(r'href="#([^"]+)"', toc):
        assert f'id="{anchor}"' in html, anchor
    assert "https://arxiv.org/abs/2307.03172" in html
    assert "https://arxiv.org/pdf/2307.03172" in html
    assert "<em>ignore</em>" in html
    assert 'href="/tags/long-context/"' in html
    assert "A One, B Two, C Three and 2 others" in re.sub(r"<[^>]+>", "", html)
    assert '<a href="/authors/a-one/">A One</a>' in html
    assert "3 papers in 2 sections" in html


def test_paper_page_shows_everything_about_the_paper(client, issue):
    paper = issue.papers.get(arxiv_id="2307.03172")
    response = client.get(paper.get_absolute_url())
    html = response.content.decode()
    assert "<h1>Lost in the Middle</h1>" in html
    assert "Ada Lovelace, Alan Turing" in re.sub(r"<[^>]+>", "", html)
    assert "<code>2307.03172</code>" in html
    assert 'href="https://arxiv.org/pdf/2307.03172"' in html
    assert f'href="{issue.get_absolute_url()}#{paper.anchor}"' in html
    assert "Paper 1 of 3" in html
    assert 'rel="next" class="pager__next" href="/papers/longnet/"' in html
    assert 'rel="prev"' not in html


def test_home_shows_latest_issue_and_earlier_ones(client, issue):
    older = IssueFactory(title="Spring Digest", published_at=issue.published_at.replace(year=2022))
    response = client.get(reverse("digests:home"))
    html = response.content.decode()
    assert response.context["latest"] == issue
    assert "Earlier issues" in html and "Spring Digest" in html
    assert f'href="{older.get_absolute_url()}"' in html


def test_home_without_issues_says_so(client, db):
    response = client.get(reverse("digests:home"))
    assert response.status_code == 200
    assert "No issue has been published yet" in response.content.decode()


def test_archive_is_grouped_by_year_and_paginated(client, settings, db):
    for year in (2021, 2022, 2023):
        for month in range(1, 10):  # 27 issues: 20 and 7 (5 or fewer would join page 1)
            IssueFactory(
                title=f"Issue {year}-{month:02d}",
                published_at=IssueFactory.build().published_at.replace(
                    year=year, month=month, day=1
                ),
            )
    first = client.get(reverse("digests:issue_list"))
    html = first.content.decode()
    assert '<h2 id="year-2023">2023</h2>' in html
    assert "Issue 2023-08" in html and "Page 1 of 2" in html
    assert html.index("Issue 2023-08") < html.index("Issue 2023-01")
    second = client.get(reverse("digests:issue_list") + "?page=2")
    assert "Issue 2021-01" in second.content.decode()


@pytest.mark.parametrize("page", ["0", "-1", "999999", "abc", "1e3", ""])
def test_odd_page_numbers_show_a_page_not_an_error(client, page, db):
    IssueFactory()
    response = client.get(reverse("digests:issue_list"), {"page": page})
    assert response.status_code == 200


def test_section_page_lists_its_published_papers(client, issue):
    response = client.get(reverse("digests:section", args=["llm"]))
    html = response.content.decode()
    assert "Lost in the Middle" in html and "LongNet" in html and "SDXL" not in html
    assert "2 papers" in html


def test_tag_index_counts_and_tag_page(client, issue):
    PaperFactory(issue=issue, title="Another long one", tags=["Long Context"])
    index = client.get(reverse("digests:tag_list"))
    counts = {tag.name: tag.paper_count for tag in index.context["tags"]}
    assert counts == {"diffusion": 1, "evaluation": 1, "long context": 2}
    page = client.get(reverse("digests:tag", args=["long-context"]))
    html = page.content.decode()
    assert "Lost in the Middle" in html and "Another long one" in html and "SDXL" not in html


def test_unknown_pages_get_a_friendly_404(client, db):
    for url in ["/issues/nope/", "/papers/nope/", "/sections/nope/", "/tags/nope/", "/nowhere/"]:
        response = client.get(url)
        assert response.status_code == 404
        assert "We couldn't find that page" in response.content.decode()


def test_get_absolute_url_round_trips(client, issue):
    paper = issue.papers.first()
    assert client.get(paper.get_absolute_url()).context["paper"] == paper
    assert client.get(paper.section.get_absolute_url()).status_code == 200


def test_every_page_has_landmarks_and_a_skip_link(client, issue):
    paper = issue.papers.first()
    for url in [
        "/",
        "/issues/",
        issue.get_absolute_url(),
        paper.get_absolute_url(),
        "/papers/",
        "/tags/",
        "/tags/diffusion/",
        "/sections/llm/",
    ]:
        html = client.get(url).content.decode()
        assert '<a class="skip-link" href="#content">' in html, url
        assert '<main id="content"' in html and "<header" in html and "<footer" in html, url
        assert html.count("<h1") == 1, url


def test_issue_period_is_shown(client, issue):
    issue.period_start, issue.period_end = date(2023, 6, 1), date(2023, 7, 15)
    issue.save()
    assert (
        "Papers from 1 June to 15 July 2023"
        in client.get(issue.get_absolute_url()).content.decode()
    )
