"""The issue form's paper rows: a saved paper is one closed line (position,
section, title, date, arXiv id, annotated or not) that opens in place; new
rows, and saved rows with errors, are open."""

import re
from datetime import date

import pytest
from django.urls import reverse

from .admin_forms import issue_change_data
from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue():
    issue = IssueFactory.draft(title="Summer Issue")
    llm = SectionFactory(name="Large Language Models", position=1)
    PaperFactory(
        issue=issue,
        section=llm,
        position=1,
        title="Lost in the Middle",
        arxiv_id="2307.03172",
        arxiv_date=date(2023, 7, 6),
        annotation="Models skip the *middle*.",
    )
    PaperFactory(issue=issue, section=llm, position=2, arxiv_id="2307.02486", annotation="")
    return issue


def change(client, issue, data=None):
    url = reverse("admin:digests_issue_change", args=[issue.pk])
    response = client.post(url, data) if data else client.get(url)
    return response.status_code, response.content.decode()


def summaries(page):
    return [
        " ".join(re.sub(r"<[^>]+>", " ", found).split())
        for found in re.findall(r'<summary class="paper-row__summary">(.*?)</summary>', page, re.S)
    ]


def test_each_saved_paper_is_one_closed_line_and_new_rows_are_open(client, editor, issue):
    client.force_login(editor)
    status, page = change(client, issue)
    assert status == 200
    first, second = summaries(page)
    assert first == "1 Large Language Models Lost in the Middle 6 Jul 2023 2307.03172 annotated"
    assert second.startswith("2 ") and second.endswith("2307.02486 no annotation")
    assert page.count('<details class="paper-row__details">') == 2  # both closed
    # The extra row and the template for "Add another" are not folded.
    assert 'name="papers-2-arxiv_id"' in page and 'name="papers-__prefix__-arxiv_id"' in page
    assert page.count('<b class="inline_label">New paper</b>') == 2


def test_a_saved_row_with_an_error_comes_back_open(client, editor, issue):
    client.force_login(editor)
    second = issue.papers.get(position=2)
    data = issue_change_data(issue, {second.pk: {"arxiv_id": "not an id"}})
    status, page = change(client, issue, data)
    assert status == 400
    assert page.count('<details class="paper-row__details" open>') == 1
    assert page.count('<details class="paper-row__details">') == 1
