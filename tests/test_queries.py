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


def build_issue(size):
    issue = IssueFactory(slug=f"issue-{size}")
    sections = [SectionFactory(slug=f"s{size}-{n}") for n in range(4)]
    for n in range(size):
        PaperFactory(issue=issue, section=sections[n % 4], tags=TAGS[: 1 + n % len(TAGS)])
    return issue


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


PAGES = {
    "home": (lambda issue: reverse("digests:home"), 4),
    "archive": (lambda issue: reverse("digests:issue_list"), 2),
    "issue": (lambda issue: issue.get_absolute_url(), 4),
    "paper": (lambda issue: issue.papers.last().get_absolute_url(), 4),
    "section": (lambda issue: issue.papers.first().section.get_absolute_url(), 4),
    "tag index": (lambda issue: reverse("digests:tag_list"), 1),
    "tag": (lambda issue: reverse("digests:tag", args=["llm"]), 4),
    "browser": (lambda issue: reverse("digests:paper_list"), 7),
    "browser filtered": (
        lambda issue: reverse("digests:paper_list") + "?tag=llm&tag=efficiency&year=2023&q=study",
        8,
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
