"""Every page runs a fixed number of SQL queries, whatever the number of papers.

Each page is measured at two sizes; the counts must be equal and match the
number written here, so an N+1 shows up as a failure, not a slow page.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db

TAGS = ["llm", "efficiency", "long context", "vision", "audio"]


@pytest.fixture(autouse=True)
def render_every_time(settings):
    """These tests count the queries of rendering a page, so the page cache is off."""
    settings.DIGESTS_PAGE_CACHE = False


def build_issue(size, label=""):
    issue = IssueFactory(slug=f"issue-{size}{label}")
    sections = [SectionFactory(slug=f"s{size}{label}-{n}") for n in range(4)]
    for n in range(size):
        PaperFactory(issue=issue, section=sections[n % 4], tags=TAGS[: 1 + n % len(TAGS)])
    return issue


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


PAGES = {
    "home": (lambda issue: reverse("digests:home"), 3),
    "archive": (lambda issue: reverse("digests:issue_list"), 2),
    # Without comments: the issue, its papers, their tags, the comment counts.
    "issue": (lambda issue: issue.get_absolute_url(), 4),
    # The paper, its tags, its neighbours in the issue, the comment counts, and 3
    # for related papers (digests/search/related.py).
    "paper": (lambda issue: issue.papers.last().get_absolute_url(), 7),
    "section": (lambda issue: issue.papers.first().section.get_absolute_url(), 4),
    "tag index": (lambda issue: reverse("digests:tag_list"), 1),
    "tag": (lambda issue: reverse("digests:tag", args=["llm"]), 4),
    # The author, the count, the papers, their tags and authors (one query).
    "author": (lambda issue: reverse("digests:author", args=["ada-lovelace"]), 4),
    "author feed": (lambda issue: reverse("digests:author_feed", args=["ada-lovelace"]), 3),
    "browser": (lambda issue: reverse("digests:paper_list"), 4),
    "issues feed": (lambda issue: reverse("digests:feed"), 3),
    "papers feed": (lambda issue: reverse("digests:papers_feed_json"), 2),
    "tag feed": (lambda issue: reverse("digests:tag_feed", args=["llm"]), 3),
    "comments feed": (lambda issue: reverse("digests:comments_feed"), 1),
    # The issue, its papers, their authors (citations name the records).
    "issue bibtex": (lambda issue: reverse("digests:issue_bibtex", args=[issue.slug]), 3),
    "sitemap": (lambda issue: "/sitemap-papers.xml", 2),
    "subscribe": (lambda issue: reverse("digests:subscribe"), 1),
    "browser filtered": (
        lambda issue: reverse("digests:paper_list") + "?tag=llm&tag=efficiency&year=2023&q=study",
        6,
    ),
    # Best match first: the count with one page of ranked ids (one query), its papers
    # and tags, the four facets (one query), matching issues, and the tag filter's
    # validation. Snippets are marked in Python from the papers' text: no query.
    "search": (lambda issue: reverse("digests:search") + "?q=study+-nothing&tag=llm", 6),
    "search by date": (
        lambda issue: reverse("digests:search") + '?q="study of"+or+turing&order=-date',
        5,
    ),
}


@pytest.mark.parametrize("page", PAGES)
def test_query_count_does_not_grow_with_papers(client, page):
    url_for, expected = PAGES[page]
    small = build_issue(5)
    small_count = count_queries(client, url_for(small))
    large = build_issue(25)
    large_count = count_queries(client, url_for(large))
    assert small_count == large_count == expected, (small_count, large_count)


def add_comments(issue, count, paper=None):
    """``count`` approved comments: a third of them replies, as real threads go."""
    from digests.models import Comment

    roots = Comment.objects.bulk_create(
        Comment(
            issue=issue,
            paper=paper,
            author_name=f"Reader {n}",
            author_email=f"r{n}@example.org",
            body=f"Thread {n} on {issue.pk}",
            body_hash=f"{issue.pk}-{paper and paper.pk}-root-{n}",
            status="approved",
        )
        for n in range(count - count // 3)
    )
    Comment.objects.bulk_create(
        Comment(
            issue=issue,
            paper=paper,
            parent=roots[n % len(roots)],
            in_reply_to=roots[n % len(roots)],
            author_name=f"Replier {n}",
            author_email=f"p{n}@example.org",
            body=f"Reply {n}",
            body_hash=f"{issue.pk}-{paper and paper.pk}-reply-{n}",
            status="approved",
        )
        for n in range(count // 3)
    )


@pytest.mark.parametrize("page", ["issue", "paper"])
def test_comment_sections_cost_the_same_with_1_50_and_500_comments(client, page):
    """Two queries for a discussion (its page of threads, their replies), whatever
    its size; none for a discussion that has no comment yet (its count says so)."""
    counts = []
    for size in (0, 1, 50, 500):
        issue = build_issue(5, label=f"-c{size}")
        paper = issue.papers.first()
        add_comments(issue, size, paper=paper if page == "paper" else None)
        url = issue.get_absolute_url() if page == "issue" else paper.get_absolute_url()
        counts.append(count_queries(client, url))
        if size:
            html = client.get(url).content.decode()
            assert f"{size} comment" in html
    without = PAGES[page][1]
    assert counts == [without, without + 2, without + 2, without + 2], counts
