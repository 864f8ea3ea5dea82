"""Hostile query strings and paths: always a 4xx or a normal page, never a 500."""

import pytest

from .factories import CommentFactory, PaperFactory

pytestmark = pytest.mark.django_db

VALUES = ["\x00", "a\x00b", "'", "-1", "9" * 30, "x" * 3000, "😀{{7*7}}"]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize(
    "param", ["q", "section", "tag", "year", "issue", "order", "page", "comments", "reply"]
)
def test_no_query_parameter_value_causes_a_server_error(client, param, value):
    paper = PaperFactory(tags=["llm"])
    CommentFactory(issue=paper.issue)
    for url in [
        "/",
        "/issues/",
        paper.issue.get_absolute_url(),
        paper.get_absolute_url(),
        "/papers/",
        "/papers.bib",
        "/tags/llm/",
        paper.section.get_absolute_url(),
    ]:
        response = client.get(url, {param: value})
        assert response.status_code < 500, (url, param, value)
