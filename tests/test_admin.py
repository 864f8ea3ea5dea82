"""The editor's flow through the admin, with the test client."""

import pytest
from django.urls import reverse

from digests.models import Issue, Paper

from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db


def inline_data(papers, *, initial=0):
    """POST data for the papers inline, as the admin form sends it."""
    data = {
        "papers-TOTAL_FORMS": str(len(papers)),
        "papers-INITIAL_FORMS": str(initial),
        "papers-MIN_NUM_FORMS": "0",
        "papers-MAX_NUM_FORMS": "1000",
    }
    for index, paper in enumerate(papers):
        for key, value in paper.items():
            data[f"papers-{index}-{key}"] = value
    return data


def issue_form(**overrides):
    data = {
        "title": "AI Research Highlights, June–July 2023",
        "slug": "june-july-2023",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "period_start": "2023-06-01",
        "period_end": "2023-07-15",
        "intro": "Welcome to the *summer* issue.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def sections():
    return (
        SectionFactory(name="Large Language Models", slug="llm", position=1),
        SectionFactory(name="Computer Vision", slug="cv", position=2),
    )


def papers_payload(sections):
    llm, cv = sections
    return [
        {
            "section": str(llm.pk),
            "position": "1",
            "arxiv_id": "https://arxiv.org/abs//2307.03172v1",
            "arxiv_date": "2023-07-06",
            "title": "Lost in the Middle: How Language Models Use Long Contexts",
            "authors": "Nelson F. Liu, Kevin Lin",
            "annotation": "Position *matters*.",
            "tags": "long context, evaluation",
        },
        {
            "section": str(cv.pk),
            "position": "1",
            "arxiv_id": "arxiv.org/pdf/2307.01952v2.pdf",
            "arxiv_date": "2023-07-04",
            "title": "SDXL",
            "authors": "Dustin Podell",
            "annotation": "Bigger and sharper.",
            "tags": "diffusion",
        },
        {
            "section": str(llm.pk),
            "position": "0",
            "arxiv_id": "2307.02486",
            "arxiv_date": "2023-07-05",
            "title": "LongNet",
            "authors": "",
            "annotation": "",
            "tags": "long context",
        },
    ]


def test_editor_creates_previews_publishes_and_readers_see_it(client, editor, sections):
    client.force_login(editor)
    add_url = reverse("admin:digests_issue_add")
    assert client.get(add_url).status_code == 200

    response = client.post(add_url, {**issue_form(), **inline_data(papers_payload(sections))})
    assert response.status_code == 302, response.context and response.context["errors"]
    issue = Issue.objects.get(slug="june-july-2023")
    assert issue.state == "draft"
    papers = list(issue.papers.in_issue_order())
    assert [p.arxiv_id for p in papers] == ["2307.03172", "2307.02486", "2307.01952"]
    assert papers[1].position == 2  # "0" means: at the end of its section
    assert sorted(t.name for t in papers[0].tags.all()) == ["evaluation", "long context"]

    # The draft is hidden from readers, and the editor can preview it.
    client.logout()
    assert client.get(issue.get_absolute_url()).status_code == 404
    client.force_login(editor)
    preview = client.get(issue.get_absolute_url())
    assert preview.status_code == 200 and b"Preview." in preview.content

    # "View on site" on the change page points at the preview.
    change = client.get(reverse("admin:digests_issue_change", args=[issue.pk]))
    assert b"View on site" in change.content

    # Publish with the action; readers see it at once.
    response = client.post(
        reverse("admin:digests_issue_changelist"),
        {"action": "publish_now", "_selected_action": [issue.pk]},
    )
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.state == "published"
    client.logout()
    page = client.get(issue.get_absolute_url())
    assert page.status_code == 200 and b"Lost in the Middle" in page.content
    assert b"Preview." not in page.content


def test_scheduling_from_the_form_keeps_the_issue_hidden_until_then(client, editor, sections):
    client.force_login(editor)
    response = client.post(
        reverse("admin:digests_issue_add"),
        {
            **issue_form(status="published", published_at_0="2999-01-01", published_at_1="09:00"),
            **inline_data([]),
        },
    )
    assert response.status_code == 302
    issue = Issue.objects.get()
    assert issue.state == "scheduled"
    client.logout()
    assert client.get(issue.get_absolute_url()).status_code == 404


def test_publishing_with_empty_time_publishes_now(client, editor):
    client.force_login(editor)
    client.post(
        reverse("admin:digests_issue_add"), {**issue_form(status="published"), **inline_data([])}
    )
    assert Issue.objects.get().state == "published"


def test_unpublish_action_hides_the_issue_again(client, editor):
    issue = IssueFactory()
    client.force_login(editor)
    client.post(
        reverse("admin:digests_issue_changelist"),
        {"action": "unpublish", "_selected_action": [issue.pk]},
    )
    issue.refresh_from_db()
    assert issue.state == "draft"
    client.logout()
    assert client.get(issue.get_absolute_url()).status_code == 404


def test_garbage_arxiv_id_is_a_form_error_and_keeps_what_was_typed(client, editor, sections):
    client.force_login(editor)
    payload = papers_payload(sections)
    payload[0]["arxiv_id"] = "not an id at all"
    response = client.post(
        reverse("admin:digests_issue_add"), {**issue_form(), **inline_data(payload)}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not an arXiv id" in html
    assert "Position *matters*." in html  # the annotation the editor typed is still there
    assert not Issue.objects.exists()


def test_the_same_paper_twice_in_one_issue_is_caught_in_the_form(client, editor, sections):
    client.force_login(editor)
    payload = papers_payload(sections)
    payload[2]["arxiv_id"] = "2307.03172v2"  # same paper as row 0, another version
    response = client.post(
        reverse("admin:digests_issue_add"), {**issue_form(), **inline_data(payload)}
    )
    assert response.status_code == 400
    assert "Please correct the duplicate data for arxiv_id" in response.content.decode()
    assert not Paper.objects.exists()


def test_adding_an_existing_paper_to_a_saved_issue_is_refused(client, editor, sections):
    paper = PaperFactory(arxiv_id="2307.03172", section=sections[0])
    client.force_login(editor)
    response = client.post(
        reverse("admin:digests_paper_add"),
        {
            "issue": paper.issue.pk,
            "section": sections[0].pk,
            "position": "0",
            "title": "Again",
            "slug": "",
            "arxiv_id": "arXiv:2307.03172",
            "arxiv_date": "2023-07-06",
        },
    )
    assert response.status_code == 400
    assert "This arXiv paper is already in this issue." in response.content.decode()


def test_reversed_period_is_explained(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("admin:digests_issue_add"),
        {**issue_form(period_start="2023-07-15", period_end="2023-06-01"), **inline_data([])},
    )
    assert response.status_code == 400
    assert "The period must end on or after the day it starts." in response.content.decode()


def test_paper_search_finds_by_pasted_arxiv_link(client, editor):
    PaperFactory(title="Wanted", arxiv_id="2306.11695")
    PaperFactory(title="Other", arxiv_id="2306.11644")
    client.force_login(editor)
    response = client.get(
        reverse("admin:digests_paper_changelist"), {"q": "https://arxiv.org/pdf/2306.11695v2"}
    )
    assert list(response.context["cl"].result_list.values_list("title", flat=True)) == ["Wanted"]


@pytest.mark.parametrize(
    "query", [{}, {"tags__id__exact": "1"}, {"section__id__exact": "1"}, {"q": "middle"}]
)
def test_paper_list_filters_work(client, editor, query):
    PaperFactory(tags=["llm"])
    client.force_login(editor)
    assert client.get(reverse("admin:digests_paper_changelist"), query).status_code == 200


@pytest.mark.parametrize("state", ["draft", "scheduled", "published"])
def test_issue_list_filters_by_state(client, editor, state):
    IssueFactory(title="Public one")
    IssueFactory.draft(title="Draft one")
    IssueFactory.scheduled(title="Scheduled one")
    client.force_login(editor)
    response = client.get(reverse("admin:digests_issue_changelist"), {"state": state})
    titles = [issue.title for issue in response.context["cl"].result_list]
    assert titles == [
        {"draft": "Draft one", "scheduled": "Scheduled one", "published": "Public one"}[state]
    ]


def test_admin_pages_render(client, superuser):
    paper = PaperFactory()
    client.force_login(superuser)
    for url in [
        reverse("admin:index"),
        reverse("admin:digests_issue_changelist"),
        reverse("admin:digests_issue_change", args=[paper.issue.pk]),
        reverse("admin:digests_paper_change", args=[paper.pk]),
        reverse("admin:digests_section_changelist"),
        reverse("admin:digests_section_add"),
    ]:
        assert client.get(url).status_code == 200, url


def test_staff_without_permission_cannot_edit(client, staff_without_permission):
    client.force_login(staff_without_permission)
    assert client.get(reverse("admin:digests_issue_add")).status_code == 403
