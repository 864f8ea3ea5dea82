"""The issue admin's "Add papers from arXiv" page, against a local arXiv."""

import re
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from werkzeug import Response

from digests.editor import arxiv_list as arxiv_import
from digests.models import Paper

from .arxiv_feeds import answer
from .factories import IssueFactory, PaperFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sections():
    return {
        "llm": SectionFactory(name="Large Language Models", slug="llm", position=1),
        "cv": SectionFactory(name="Computer Vision", slug="cv", position=2),
    }


@pytest.fixture
def issue(sections):
    issue = IssueFactory.draft(title="Summer Issue")
    PaperFactory(
        issue=issue,
        section=sections["llm"],
        arxiv_id="2306.11987",
        position=4,
        title="Training Transformers with 4-bit Integers",
    )
    return issue


def url(issue):
    return reverse("admin:digests_issue_add_from_arxiv", args=[issue.pk])


def report(response):
    """The report table as (line, outcome, message) rows, as the editor reads it."""
    rows = re.findall(
        r'<tr class="arxiv-report__(\w+)">\s*<td>(\d+)</td>\s*'
        r"<td>.*?</td>\s*<td>(.*?)</td>\s*</tr>",
        response.content.decode(),
        re.S,
    )
    return [
        (int(number), outcome, " ".join(re.sub(r"<[^>]+>", " ", cell).split()))
        for outcome, number, cell in rows
    ]


def test_the_issue_page_links_to_the_paste_page(client, editor, issue):
    client.force_login(editor)
    page = client.get(reverse("admin:digests_issue_change", args=[issue.pk])).content.decode()
    assert f'<a href="{url(issue)}" class="addlink">Add papers from arXiv</a>' in page
    form = client.get(url(issue))
    assert form.status_code == 200
    assert b'name="papers"' in form.content and b"Large Language Models" in form.content


def test_a_pasted_list_is_added_in_order_with_a_report(client, editor, issue, sections, arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    pasted = "\n".join(
        [
            "## Large Language Models",  # 1
            "https://arxiv.org/abs/2307.03172v2",  # 2
            "2306.11987",  # 3: already in the issue
            "- 2307.99999 a paper arXiv does not have",  # 4
            "",  # 5
            "Computer Vision",  # 6
            "arxiv.org/pdf/2307.01952v1.pdf  SDXL",  # 7
            "2307.03172",  # 8: twice in the list
            "not-an-id",  # 9
            "## Robotics",  # 10: no such section
            "hep-th/9901001",  # 11: under the unknown section
        ]
    )
    client.force_login(editor)
    response = client.post(url(issue), {"papers": pasted, "section": ""})
    assert response.status_code == 200
    assert report(response) == [
        (1, "section", "Section: Large Language Models"),
        (
            2,
            "added",
            "Added Lost in the Middle: How Language Models Use Long Contexts "
            "(in Large Language Models)",
        ),
        (
            3,
            "duplicate",
            "Skipped Already in this issue: Training Transformers with 4-bit Integers",
        ),
        (4, "refused", "Refused arXiv has no paper with this id; check the number."),
        (6, "section", "Section: Computer Vision"),
        (
            7,
            "added",
            "Added SDXL: Improving Latent Diffusion Models for High-Resolution Image "
            "Synthesis (in Computer Vision)",
        ),
        (8, "duplicate", "Skipped Already listed on line 2."),
        (
            9,
            "refused",
            "Refused “not-an-id” is not an arXiv id. Use a form such as 2307.03172, "
            "2307.03172v2, hep-th/9901001 or an arxiv.org/abs/… link. "
            "Nor is it the name of a section.",
        ),
        (
            10,
            "refused",
            "Refused There is no section “Robotics”. Add it under Sections first, or correct "
            "the name; the papers listed under it are not added.",
        ),
        (
            11,
            "refused",
            "Refused Not added: it is listed under “Robotics”, which is not a section.",
        ),
    ]
    assert "2 added, 2 already there, 4 refused" in response.content.decode()
    # One request to arXiv for every paper that needed one.
    assert [r.args["id_list"] for r, _ in arxiv_api.log] == ["2307.03172,2307.99999,2307.01952"]

    papers = list(issue.papers.in_issue_order())
    assert [(p.section.slug, p.arxiv_id, p.position) for p in papers] == [
        ("llm", "2306.11987", 4),
        ("llm", "2307.03172", 5),  # after the paper already there
        ("cv", "2307.01952", 1),
    ]
    lost = papers[1]
    assert lost.authors == "Nelson F. Liu, Kevin Lin, John Hewitt"
    assert lost.arxiv_date == date(2023, 7, 6)
    assert lost.primary_category == "cs.CL"
    assert lost.arxiv_version == 3
    assert lost.abstract.startswith("While recent language models")
    # The list stays in the form, so refused lines can be fixed and sent again.
    assert "## Robotics" in response.content.decode()


def test_sending_the_same_list_again_adds_nothing_twice(client, editor, issue, arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    client.force_login(editor)
    pasted = "Large Language Models\n2307.03172\n2307.01952"
    assert client.post(url(issue), {"papers": pasted}).status_code == 200
    again = client.post(url(issue), {"papers": pasted})
    assert again.status_code == 200
    assert [outcome for _, outcome, _ in report(again)] == ["section", "duplicate", "duplicate"]
    assert issue.papers.count() == 3
    assert len(arxiv_api.log) == 1


def test_lines_before_any_section_use_the_chosen_section(
    client, editor, issue, sections, arxiv_api
):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    client.force_login(editor)
    response = client.post(
        url(issue), {"papers": "2307.01952\n## llm\n2307.03172", "section": sections["cv"].pk}
    )
    assert response.status_code == 200
    placed = dict(issue.papers.values_list("arxiv_id", "section__slug"))
    assert placed == {"2306.11987": "llm", "2307.01952": "cv", "2307.03172": "llm"}


def test_a_paper_with_no_section_is_refused(client, editor, issue, arxiv_api):
    client.force_login(editor)
    response = client.post(url(issue), {"papers": "2307.03172"})
    assert response.status_code == 400
    assert "No section for this paper" in report(response)[0][2]
    assert issue.papers.count() == 1
    assert arxiv_api.log == []


def test_when_arxiv_answers_nonsense_nothing_is_added_and_the_list_is_kept(
    client, editor, issue, arxiv_api
):
    # arXiv out of reach adds the papers with details missing: tests/test_arxiv_offline.py
    arxiv_api.expect_request("/api/query").respond_with_response(
        Response(b"<html>down</html>", status=200, content_type="text/html")
    )
    client.force_login(editor)
    pasted = "Computer Vision\n2307.01952\n2307.03172"
    response = client.post(url(issue), {"papers": pasted})
    assert response.status_code == 424
    page = response.content.decode()
    assert "Nothing was added." in page
    assert "expected an Atom feed, got &lt;html&gt;" in page
    assert "Computer Vision\n2307.01952\n2307.03172</textarea>" in page
    assert issue.papers.count() == 1


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("", "This field is required."),
        ("   \n\n", "This field is required."),
        ("Large Language Models\nComputer Vision", "There is no arXiv id in the list."),
        ("x" * 20001, "Ensure this value has at most 20000 characters"),
    ],
)
def test_a_list_with_nothing_to_add_is_a_400(client, editor, issue, pasted, message):
    client.force_login(editor)
    response = client.post(url(issue), {"papers": pasted})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unknown_section_id_in_the_form_is_a_400(client, editor, issue):
    client.force_login(editor)
    response = client.post(url(issue), {"papers": "2307.03172", "section": "99999"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_only_editors_who_may_add_papers_get_the_page(client, issue, staff_without_permission):
    assert client.get(url(issue)).status_code == 302  # to the login page
    client.force_login(staff_without_permission)
    assert client.get(url(issue)).status_code == 403
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_issue", "change_issue"])
    )
    client.force_login(viewer)
    assert client.get(url(issue)).status_code == 403
    assert (
        client.post(url(issue), {"papers": "Large Language Models\n2307.03172"}).status_code == 403
    )
    page = client.get(reverse("admin:digests_issue_change", args=[issue.pk])).content.decode()
    assert "Add papers from arXiv" not in page
    assert Paper.objects.count() == 1


def test_a_missing_issue_is_a_404(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:digests_issue_add_from_arxiv", args=[424242]))
    assert response.status_code == 404


def test_more_papers_than_allowed_are_refused_past_the_limit(
    client, editor, issue, arxiv_api, monkeypatch
):
    monkeypatch.setattr(arxiv_import, "MAX_PAPERS", 1)
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    client.force_login(editor)
    response = client.post(url(issue), {"papers": "Computer Vision\n2307.03172\n2307.01952"})
    assert response.status_code == 200
    assert [outcome for _, outcome, _ in report(response)] == ["section", "added", "refused"]
    assert "Only 1 papers can be added at a time" in report(response)[2][2]
