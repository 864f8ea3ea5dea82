"""Lists page by DIGESTS_PAGE_SIZE, and a last page of a few items joins the
one before (Paginator's orphans): an issue of 21 papers is one page, never 20
and a page holding one. The same on every paginated list."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digests.models import Issue

from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db

SIZE = settings.DIGESTS_PAGE_SIZE
ORPHANS = settings.DIGESTS_PAGE_ORPHANS


@pytest.fixture(autouse=True)
def render_every_time(settings):
    settings.DIGESTS_PAGE_CACHE = False


def make_papers(count):
    issue = IssueFactory()
    section = SectionFactory(slug="llm")
    for n in range(count):
        PaperFactory(issue=issue, section=section, title=f"Attention study {n:02d}", tags=["llm"])


PAPER_LISTS = {
    "browser": reverse("digests:paper_list"),
    "search": reverse("digests:search") + "?q=attention",
    "search by date": reverse("digests:search") + "?q=attention&order=-date",
    "section": reverse("digests:section", args=["llm"]),
    "tag": reverse("digests:tag", args=["llm"]),
}


def test_the_settings_keep_a_few_orphans():
    assert SIZE == 20 and 0 < ORPHANS < SIZE / 2


@pytest.mark.parametrize("page", PAPER_LISTS)
def test_twenty_one_papers_are_one_page(client, page):
    make_papers(SIZE + 1)
    response = client.get(PAPER_LISTS[page])
    assert response.status_code == 200
    assert len(response.context["papers"]) == SIZE + 1
    assert not response.context["page_obj"].has_other_pages()
    assert 'class="pagination"' not in response.content.decode()


@pytest.mark.parametrize("page", PAPER_LISTS)
def test_the_last_page_holds_more_than_the_orphans(client, page):
    make_papers(SIZE + ORPHANS + 1)
    url = PAPER_LISTS[page]
    first = client.get(url)
    assert len(first.context["papers"]) == SIZE
    assert "Page 1 of 2" in first.content.decode()
    joiner = "&" if "?" in url else "?"
    second = client.get(f"{url}{joiner}page=2")
    assert len(second.context["papers"]) == ORPHANS + 1
    shown = {p.title for p in first.context["papers"]} | {p.title for p in second.context["papers"]}
    assert len(shown) == SIZE + ORPHANS + 1


def test_a_ranked_search_fetches_its_last_page_with_its_orphans_in_one_go(client):
    """The count query brings the ids of the page shown, orphans included, so a
    one-page result of 21 costs no more queries than one of 3."""

    def queries(count):
        Issue.objects.all().delete()
        make_papers(count)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(PAPER_LISTS["search"])
        assert len(response.context["papers"]) == count
        return len(captured)

    assert queries(SIZE + ORPHANS) == queries(3)


def test_the_issue_archive_keeps_orphans_on_the_last_page(client):
    for n in range(SIZE + ORPHANS):
        IssueFactory(slug=f"issue-{n}")
    response = client.get(reverse("digests:issue_list"))
    assert len(response.context["issues"]) == SIZE + ORPHANS
    assert not response.context["page_obj"].has_other_pages()
    IssueFactory(slug="one-more")
    response = client.get(reverse("digests:issue_list"))
    assert len(response.context["issues"]) == SIZE
    assert response.context["paginator"].num_pages == 2


@pytest.mark.parametrize("page", ["2", "3", "999"])
def test_a_page_past_the_end_shows_the_last_page_with_its_orphans(client, page):
    make_papers(SIZE + 2)
    response = client.get(PAPER_LISTS["browser"], {"page": page})
    assert response.status_code == 200
    assert len(response.context["papers"]) == SIZE + 2
