"""arXiv down is not a dead end: papers go in with details missing, filled in later.

Every test talks HTTP to a real local server (pytest-httpserver) or to a
closed loopback port, as the site would talk to arXiv.
"""

import html
import threading
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from werkzeug import Response

from digests.editor.missing_details import placeholder_fields
from digests.models import Paper

from .arxiv_feeds import answer
from .factories import IssueFactory, PaperFactory, SectionFactory, UserFactory
from .servers import free_port
from .test_arxiv_paste import report

pytestmark = pytest.mark.django_db

LIST = "\n".join(
    [
        "2307.01952",  # 1: before any section line: the chosen section
        "## Large Language Models",  # 2
        "https://arxiv.org/abs/2307.03172v2",  # 3
        "2306.11987",  # 4: already in the issue
        "2307.01952",  # 5: listed twice
        "not-an-id",  # 6
        "2313.00001",  # 7: no month 13
    ]
)


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


@pytest.fixture
def arxiv_down(settings):
    """Nothing listens where arXiv should be: every request is refused."""
    settings.DIGESTS_ARXIV_API_URL = f"http://127.0.0.1:{free_port()}/api/query"


@pytest.fixture
def missing(issue, sections):
    """Two papers added while arXiv was down, since annotated and tagged by the editor."""
    lost = PaperFactory(
        issue=issue,
        section=sections["llm"],
        position=7,
        authors="",
        annotation="Long contexts, *read* closely.",
        tags=["long-context"],
        **placeholder_fields("2307.03172"),
    )
    sdxl = PaperFactory(
        issue=issue,
        section=sections["cv"],
        position=2,
        authors="",
        annotation="Bigger diffusion.",
        tags=["diffusion"],
        **placeholder_fields("2307.01952"),
    )
    return lost, sdxl


def paste(client, editor, issue, section):
    client.force_login(editor)
    return client.post(
        reverse("admin:digests_issue_add_from_arxiv", args=[issue.pk]),
        {"papers": LIST, "section": section.pk},
    )


def fetch_button(client, issue):
    return client.post(reverse("admin:digests_issue_fetch_missing_details", args=[issue.pk]))


def shown_messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def fields(paper):
    paper.refresh_from_db()
    return {
        "title": paper.title,
        "slug": paper.slug,
        "authors": paper.authors,
        "abstract": paper.abstract,
        "primary_category": paper.primary_category,
        "arxiv_version": paper.arxiv_version,
        "arxiv_date": paper.arxiv_date,
        "metadata_missing": paper.metadata_missing,
        "annotation": paper.annotation,
        "section": paper.section.slug,
        "position": paper.position,
        "tags": sorted(paper.tags.names()),
        "updated_at": paper.updated_at,
    }


def slow_arxiv(server, settings):
    """A server that answers after the client gave up; returns the event that frees it."""
    settings.DIGESTS_ARXIV_TIMEOUT = 0.3
    release = threading.Event()

    def slow(request):
        release.wait(2)
        return answer(request)

    server.expect_request("/api/query").respond_with_handler(slow)
    return release


@pytest.mark.parametrize("failure", ["refused", "503", "timeout"])
def test_when_arxiv_cannot_be_reached_the_ids_are_added_with_details_missing(
    client, editor, issue, sections, httpserver, settings, failure
):
    release = None
    if failure == "refused":
        settings.DIGESTS_ARXIV_API_URL = f"http://127.0.0.1:{free_port()}/api/query"
    else:
        settings.DIGESTS_ARXIV_API_URL = httpserver.url_for("/api/query")
        if failure == "503":
            httpserver.expect_request("/api/query").respond_with_response(
                Response("Service Unavailable", status=503)
            )
        else:
            release = slow_arxiv(httpserver, settings)
    try:
        response = paste(client, editor, issue, sections["cv"])
    finally:
        if release:
            release.set()

    assert response.status_code == 200
    assert [(number, outcome) for number, outcome, _ in report(response)] == [
        (1, "added"),
        (2, "section"),
        (3, "added"),
        (4, "duplicate"),
        (5, "duplicate"),
        (6, "refused"),
        (7, "refused"),
    ]
    rows = report(response)
    assert rows[0][2] == (
        "Added, details missing arXiv 2307.01952 (details missing) (in Computer Vision)"
    )
    assert "has no valid month" in rows[6][2]
    page = " ".join(html.unescape(response.content.decode()).split())
    assert "arXiv could not be reached, so 2 papers were added with details missing" in page
    assert "Once arXiv answers, press “Fetch missing arXiv details” on the issue's page" in page

    added = {p.arxiv_id: p for p in issue.papers.filter(metadata_missing=True)}
    assert set(added) == {"2307.01952", "2307.03172"}
    sdxl, lost = added["2307.01952"], added["2307.03172"]
    assert (sdxl.title, sdxl.arxiv_date, sdxl.section) == (
        "arXiv 2307.01952 (details missing)",
        date(2023, 7, 1),
        sections["cv"],
    )
    assert (lost.title, lost.arxiv_date, lost.section.slug, lost.position) == (
        "arXiv 2307.03172 (details missing)",
        date(2023, 7, 1),
        "llm",
        5,  # after the paper already there
    )
    assert lost.authors == lost.abstract == lost.primary_category == ""
    assert issue.papers.count() == 3


def test_sending_the_list_again_while_arxiv_is_down_adds_nothing_twice(
    client, editor, issue, sections, arxiv_down
):
    paste(client, editor, issue, sections["cv"])
    again = paste(client, editor, issue, sections["cv"])
    assert [outcome for _, outcome, _ in report(again)].count("added") == 0
    assert "Already in this issue: arXiv 2307.01952 (details missing)" in again.content.decode()
    assert "could not be reached" not in again.content.decode()  # arXiv was never asked
    assert issue.papers.count() == 3


def test_an_answer_that_is_not_arxiv_being_down_still_adds_nothing(
    client, editor, issue, sections, arxiv_api
):
    arxiv_api.expect_request("/api/query").respond_with_response(
        Response("Bad request", status=400, content_type="text/plain")
    )
    response = paste(client, editor, issue, sections["cv"])
    assert response.status_code == 424
    assert "Nothing was added." in response.content.decode()
    assert issue.papers.count() == 1


def test_once_arxiv_answers_the_button_fills_what_is_missing_and_keeps_the_editors_work(
    client, editor, issue, missing, arxiv_api
):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    lost, sdxl = missing
    lost.title = "Lost in the Middle (our title)"  # changed away from the placeholder
    lost.save()
    before = {paper.pk: fields(paper) for paper in missing}
    client.force_login(editor)

    response = fetch_button(client, issue)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:digests_issue_change", args=[issue.pk])
    assert shown_messages(response) == [
        "Filled in the arXiv details of 2 papers: Lost in the Middle (our title); "
        "SDXL: Improving Latent Diffusion Models for High-Resolution Image Synthesis"
    ]
    assert [r.args["id_list"] for r, _ in arxiv_api.log] == ["2307.01952,2307.03172"]
    page = client.get(response["Location"]).content.decode()  # where the editor reads it
    assert "Filled in the arXiv details of 2 papers" in page
    assert "Fetch missing arXiv details (" not in page  # nothing is missing any more
    after = {paper.pk: fields(paper) for paper in missing}
    # What arXiv knows...
    assert {key: after[lost.pk][key] for key in ("authors", "primary_category")} == {
        "authors": "Nelson F. Liu, Kevin Lin, John Hewitt",
        "primary_category": "cs.CL",
    }
    assert after[lost.pk]["abstract"].startswith("While recent language models")
    assert (after[lost.pk]["arxiv_version"], after[lost.pk]["arxiv_date"]) == (3, date(2023, 7, 6))
    assert after[sdxl.pk]["title"].startswith("SDXL: Improving Latent Diffusion Models")
    assert after[sdxl.pk]["slug"].startswith("sdxl-improving-latent-diffusion")  # a draft's
    assert after[sdxl.pk]["arxiv_date"] == date(2023, 7, 4)
    assert not after[lost.pk]["metadata_missing"] and not after[sdxl.pk]["metadata_missing"]
    # ... and what the editor did stays.
    assert after[lost.pk]["title"] == "Lost in the Middle (our title)"
    for paper in missing:
        for key in ("annotation", "section", "position", "tags"):
            assert after[paper.pk][key] == before[paper.pk][key], key

    # Pressing it again asks arXiv nothing and changes nothing.
    again = fetch_button(client, issue)
    assert shown_messages(again) == ["No paper had arXiv details missing: nothing to fetch."]
    assert len(arxiv_api.log) == 1
    assert {paper.pk: fields(paper) for paper in missing} == after


def test_a_public_papers_address_survives_the_fetch(client, editor, sections, arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    published = IssueFactory(title="Out Already")
    paper = PaperFactory(
        issue=published, section=sections["cv"], authors="", **placeholder_fields("2307.01952")
    )
    address = paper.get_absolute_url()
    client.force_login(editor)
    fetch_button(client, published)
    paper.refresh_from_db()
    assert paper.title.startswith("SDXL") and not paper.metadata_missing
    assert paper.get_absolute_url() == address


def test_while_arxiv_is_still_down_the_button_says_so_and_changes_nothing(
    client, editor, issue, missing, arxiv_api
):
    arxiv_api.expect_request("/api/query").respond_with_response(
        Response("Service Unavailable", status=503)
    )
    before = {paper.pk: fields(paper) for paper in missing}
    client.force_login(editor)
    response = fetch_button(client, issue)
    assert response.status_code == 302
    [message] = shown_messages(response)
    assert message.startswith(
        "arXiv could not be reached, so nothing was changed: the papers keep their details "
        "missing. Try again later. (arXiv answered with an error (HTTP 503"
    )
    assert {paper.pk: fields(paper) for paper in missing} == before


def test_the_papers_action_fills_the_selected_papers_and_names_unknown_ids(
    client, editor, issue, missing, sections, arxiv_api
):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    lost, sdxl = missing
    unknown = PaperFactory(
        issue=issue, section=sections["cv"], authors="", **placeholder_fields("2307.99999")
    )
    client.force_login(editor)
    response = client.post(
        reverse("admin:digests_paper_changelist"),
        {"action": "fetch_missing_details", "_selected_action": [lost.pk, unknown.pk]},
    )
    assert response.status_code == 302
    assert shown_messages(response) == [
        "Filled in the arXiv details of 1 paper: "
        "Lost in the Middle: How Language Models Use Long Contexts",
        "arXiv has no paper with the id 2307.99999. Check the number (still marked as "
        "details missing).",
    ]
    assert [fields(p)["metadata_missing"] for p in (lost, sdxl, unknown)] == [False, True, True]


def test_the_papers_action_while_arxiv_is_down_changes_nothing(client, editor, missing, arxiv_down):
    client.force_login(editor)
    response = client.post(
        reverse("admin:digests_paper_changelist"),
        {"action": "fetch_missing_details", "_selected_action": [p.pk for p in missing]},
    )
    [message] = shown_messages(response)
    assert "arXiv could not be reached (connection refused)" in message
    assert "nothing was changed" in message
    assert Paper.objects.filter(metadata_missing=True).count() == 2


def test_the_button_is_a_post_with_csrf_for_editors_who_may_change_papers(
    editor, issue, missing, arxiv_down
):
    url = reverse("admin:digests_issue_fetch_missing_details", args=[issue.pk])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    assert browser.get(url).status_code == 405
    assert browser.post(url).status_code == 403  # no CSRF token

    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_issue", "change_issue", "view_paper"])
    )
    client = Client()
    client.force_login(viewer)
    assert client.post(url).status_code == 403
    page = client.get(reverse("admin:digests_issue_change", args=[issue.pk])).content.decode()
    assert "2 with arXiv details missing" in page
    assert "Fetch missing arXiv details" not in page
    assert Paper.objects.filter(metadata_missing=True).count() == 2


def test_the_list_of_papers_filters_and_marks_papers_with_details_missing(
    client, editor, issue, missing
):
    client.force_login(editor)
    url = reverse("admin:digests_paper_changelist")
    everything = client.get(url).content.decode()
    assert everything.count('<span class="state state--draft">missing</span>') == 2
    assert "By arXiv details missing" in everything
    only = client.get(url, {"metadata_missing__exact": "1"}).content.decode()
    assert "arXiv 2307.03172 (details missing)" in only
    assert "Training Transformers with 4-bit Integers" not in only
    actions = client.get(url).content.decode()
    assert '<option value="fetch_missing_details">Fetch missing arXiv details</option>' in actions


def test_public_pages_give_only_the_month_a_papers_id_implies(client, sections):
    published = IssueFactory(title="Out Already")
    paper = PaperFactory(
        issue=published,
        section=sections["cv"],
        authors="",
        annotation="Worth a look.",
        **placeholder_fields("2307.01952"),
    )
    known = PaperFactory(issue=published, section=sections["cv"], arxiv_date=date(2023, 7, 4))

    issue_page = client.get(published.get_absolute_url()).content.decode()
    assert '<time datetime="2023-07">Jul 2023</time>' in issue_page
    assert "1 Jul 2023" not in issue_page
    assert '<time datetime="2023-07-04">4 Jul 2023</time>' in issue_page  # the others as ever

    paper_page = client.get(paper.get_absolute_url()).content.decode()
    assert '<time datetime="2023-07">July 2023</time>' in paper_page
    assert "1 July 2023" not in paper_page and "2023/07/01" not in paper_page
    assert '"datePublished": "2023-07"' in paper_page
    assert '<meta name="citation_publication_date" content="2023">' in paper_page

    listing = client.get(sections["cv"].get_absolute_url()).content.decode()
    assert '<time datetime="2023-07">Jul 2023</time>' in listing
    assert f">{known.title}</a>" in listing
