"""The issue's add page leads to the quick ways in: a new issue from a pasted
list of arXiv ids (against a local arXiv), and the draft import."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from digests.models import Issue

from .arxiv_feeds import answer
from .factories import SectionFactory, UserFactory
from .servers import free_port

pytestmark = pytest.mark.django_db
ADD = reverse("admin:digests_issue_add")
START = reverse("admin:digests_issue_start_from_arxiv")


@pytest.fixture
def llm():
    return SectionFactory(name="Large Language Models", slug="llm", position=1)


def test_the_add_page_links_to_arxiv_and_to_the_import(client, editor):
    client.force_login(editor)
    page = client.get(ADD).content.decode()
    assert f'<a href="{START}" class="addlink">Add papers from arXiv</a>' in page
    assert f'<a href="{reverse("admin:digests_issue_import")}" class="importlink">' in page
    form = client.get(START)
    assert form.status_code == 200
    assert b'name="title"' in form.content and b'name="papers"' in form.content


def test_a_pasted_list_becomes_a_draft_issue_with_its_papers(client, editor, llm, arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    client.force_login(editor)
    response = client.post(
        START,
        {
            "title": "AI Research Highlights, August 2023",
            "papers": "Large Language Models\n2307.03172\nnot-an-id\n",
        },
        follow=True,
    )
    issue = Issue.objects.get(title="AI Research Highlights, August 2023")
    assert response.redirect_chain == [
        (reverse("admin:digests_issue_change", args=[issue.pk]), 302)
    ]
    assert issue.status == Issue.Status.DRAFT
    assert [p.arxiv_id for p in issue.papers.all()] == ["2307.03172"]
    assert issue.papers.get().title == "Lost in the Middle: How Language Models Use Long Contexts"
    page = response.content.decode()
    assert "Created the draft issue" in page and "1 paper(s) from arXiv" in page
    assert "Line 3 “not-an-id” not added" in page


def test_a_list_with_nothing_to_add_creates_no_issue(client, editor, llm):
    client.force_login(editor)
    response = client.post(START, {"title": "Nothing Yet", "papers": "## No Such Section\n"})
    assert response.status_code == 400
    assert not Issue.objects.filter(title="Nothing Yet").exists()
    page = response.content.decode()
    assert "no issue was created" in page and "No Such Section" in page  # kept in the form


def test_a_title_is_required(client, editor, llm):
    client.force_login(editor)
    response = client.post(START, {"title": "", "papers": "Large Language Models\n2307.03172"})
    assert response.status_code == 400
    assert not Issue.objects.exists()


def test_only_editors_who_may_add_issues_and_papers_start_one(client, llm):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="add_paper"))
    client.force_login(viewer)
    assert client.get(START).status_code == 403
    assert client.post(START, {"title": "X", "papers": "2307.03172"}).status_code == 403
    assert 'class="addlink">Add papers from arXiv' not in client.get(ADD).content.decode()


def test_a_list_sent_while_arxiv_is_down_says_the_details_are_missing(
    client, editor, llm, settings
):
    settings.DIGESTS_ARXIV_API_URL = f"http://127.0.0.1:{free_port()}/api/query"
    client.force_login(editor)
    response = client.post(
        START,
        {"title": "Offline issue", "papers": "Large Language Models\n2307.03172\n"},
        follow=True,
    )
    shown = [str(message) for message in response.context["messages"]]
    assert any("arXiv could not be reached" in text for text in shown), shown
    assert Issue.objects.get(title="Offline issue").papers.get().metadata_missing
