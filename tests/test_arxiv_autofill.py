"""Autofill from arXiv in the admin: the lookup endpoint and filling on save.

arXiv is a local HTTP server (pytest-httpserver) answering in arXiv's format.
"""

import threading
from datetime import date

import pytest
from django.db import connection
from django.urls import reverse
from werkzeug import Response

from digests.arxiv import client as arxiv_client
from digests.models import Issue, Paper

from .arxiv_feeds import ATOM, answer, error_feed, feed
from .factories import IssueFactory, PaperFactory, SectionFactory
from .servers import free_port
from .test_admin import inline_data, issue_form

pytestmark = pytest.mark.django_db

LOOKUP = "admin:digests_paper_arxiv_lookup"


@pytest.fixture
def section():
    return SectionFactory(name="Large Language Models", slug="llm", position=1)


def serve(server, body, status=200, content_type=ATOM):
    server.expect_request("/api/query").respond_with_data(
        body, status=status, content_type=content_type
    )


RELEASE = threading.Event()


def slow(request):
    """Answers only after the test is over (the local server serves one request at a time)."""
    RELEASE.wait(2)
    return Response(feed("2307.03172"), content_type=ATOM)


def refuse_2307_03172(request):
    """arXiv refusing one id with its error entry, answering the rest."""
    if "2307.03172" in request.args["id_list"]:
        return Response(error_feed("2307.03172"), status=400, content_type=ATOM)
    return answer(request)


# Each way arXiv can fail, as the local server (or no server) produces it.
FAILURES = {
    "offline": ("offline", "arXiv could not be reached (connection refused)"),
    "timeout": ("timeout", "arXiv did not answer within 0.3 seconds"),
    "5xx": ((b"Internal error", 500, "text/plain"), "arXiv answered with an error (HTTP 500"),
    "malformed": ((b"Rate exceeded.", 200, "text/plain"), "could not read (not an Atom feed)"),
    "unknown id": ("unknown id", "arXiv has no paper with the id 2307.03172"),
}


@pytest.fixture(params=list(FAILURES))
def failing_arxiv(request, httpserver, settings):
    """arXiv failing in one of its ways; yields the message an editor should see."""
    how, message = FAILURES[request.param]
    settings.DIGESTS_ARXIV_TIMEOUT = 0.3
    if how == "offline":
        settings.DIGESTS_ARXIV_API_URL = f"http://127.0.0.1:{free_port()}/api/query"
    else:
        settings.DIGESTS_ARXIV_API_URL = httpserver.url_for("/api/query")
        if how == "unknown id":
            httpserver.expect_request("/api/query").respond_with_handler(refuse_2307_03172)
        elif how == "timeout":
            RELEASE.clear()
            httpserver.expect_request("/api/query").respond_with_handler(slow)
        else:
            body, status, content_type = how
            serve(httpserver, body, status, content_type)
    yield request.param, message
    RELEASE.set()


# --- the lookup endpoint --------------------------------------------------------------


def test_lookup_answers_the_papers_fields_as_json(client, editor, arxiv_api):
    serve(arxiv_api, feed("2307.03172"))
    client.force_login(editor)
    response = client.get(reverse(LOOKUP), {"id": "https://arxiv.org/abs/2307.03172v1"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    paper = response.json()["paper"]
    assert paper == {
        "arxiv_id": "2307.03172",
        "arxiv_version": 3,
        "title": "Lost in the Middle: How Language Models Use Long Contexts",
        "authors": "Nelson F. Liu, Kevin Lin, John Hewitt",
        "abstract": paper["abstract"],
        "arxiv_date": "2023-07-06",
        "primary_category": "cs.CL",
        "abs_url": "http://arxiv.org/abs/2307.03172v3",
        "pdf_url": "http://arxiv.org/pdf/2307.03172v3",
    }
    assert paper["abstract"].startswith("While recent language models")


def test_lookup_refuses_what_is_not_an_arxiv_id(client, editor, arxiv_api):
    client.force_login(editor)
    response = client.get(reverse(LOOKUP), {"id": "not a paper"})
    assert response.status_code == 400
    assert "is not an arXiv id" in response.json()["error"]
    assert arxiv_api.log == []


def test_lookup_reports_each_arxiv_failure(client, editor, failing_arxiv):
    kind, message = failing_arxiv
    client.force_login(editor)
    response = client.get(reverse(LOOKUP), {"id": "2307.03172"})
    assert response.status_code == (404 if kind == "unknown id" else 424)
    assert message in response.json()["error"]


def test_lookup_asks_to_retry_when_arxivs_rate_is_spoken_for(client, editor, arxiv_api, settings):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    settings.DIGESTS_ARXIV_MIN_INTERVAL = 60
    settings.DIGESTS_ARXIV_MAX_WAIT = 5
    client.force_login(editor)
    assert client.get(reverse(LOOKUP), {"id": "2307.03172"}).status_code == 200
    response = client.get(reverse(LOOKUP), {"id": "2307.01952"})
    assert response.status_code == 429
    assert "try again in" in response.json()["error"]


def test_lookup_is_for_editors_only(client, staff_without_permission, editor, arxiv_api):
    url = reverse(LOOKUP) + "?id=2307.03172"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(staff_without_permission)
    response = client.get(url)
    assert response.status_code == 403
    assert "permission" in response.json()["error"]
    client.force_login(editor)
    assert client.post(url).status_code == 405
    assert arxiv_api.log == []


# --- the button on the forms ----------------------------------------------------------


def test_fetch_button_and_deferred_script_on_the_paper_form_and_every_inline_row(
    client, editor, section
):
    issue = IssueFactory.draft()
    PaperFactory(issue=issue, section=section)
    client.force_login(editor)
    lookup = reverse(LOOKUP)
    for url in (
        reverse("admin:digests_paper_add"),
        reverse("admin:digests_issue_change", args=[issue.pk]),
    ):
        page = client.get(url).content.decode()
        assert f'data-arxiv-lookup="{lookup}" hidden>Fetch from arXiv</button>' in page
        assert 'src="/static/js/arxiv-autofill.js" defer' in page
    # The template row that "Add another" clones carries the button too.
    assert 'name="papers-__prefix__-arxiv_id"' in page
    assert page.count("Fetch from arXiv</button>") == 3  # one row, one extra, the template


# --- autofill on save: the paper form -------------------------------------------------


def paper_form(issue, section, **overrides):
    data = {
        "issue": str(issue.pk),
        "section": str(section.pk),
        "position": "0",
        "title": "",
        "slug": "",
        "arxiv_id": "https://arxiv.org/abs/2307.03172v2",
        "arxiv_date": "",
        "primary_category": "",
        "arxiv_version": "",
        "authors": "",
        "abstract": "",
        "annotation": "My *own* words.",
        "tags": "",
    }
    data.update(overrides)
    return data


def test_saving_a_paper_with_only_its_id_fills_the_rest_from_arxiv(
    client, editor, section, arxiv_api
):
    serve(arxiv_api, feed("2307.03172"))
    issue = IssueFactory.draft()
    client.force_login(editor)
    response = client.post(reverse("admin:digests_paper_add"), paper_form(issue, section))
    assert response.status_code == 302
    paper = Paper.objects.get()
    assert paper.arxiv_id == "2307.03172"
    assert paper.title == "Lost in the Middle: How Language Models Use Long Contexts"
    assert paper.authors == "Nelson F. Liu, Kevin Lin, John Hewitt"
    assert paper.arxiv_date == date(2023, 7, 6)
    assert paper.abstract.startswith("While recent language models")
    assert paper.primary_category == "cs.CL"
    assert paper.arxiv_version == 3
    assert paper.annotation == "My *own* words."


def test_what_the_editor_typed_is_kept_and_only_empty_fields_are_filled(
    client, editor, section, arxiv_api
):
    serve(arxiv_api, feed("2307.03172"))
    issue = IssueFactory.draft()
    client.force_login(editor)
    response = client.post(
        reverse("admin:digests_paper_add"),
        paper_form(issue, section, title="Lost in the Middle", arxiv_date="2023-07-07"),
    )
    assert response.status_code == 302
    paper = Paper.objects.get()
    assert paper.title == "Lost in the Middle"
    assert paper.arxiv_date == date(2023, 7, 7)
    assert paper.authors == "Nelson F. Liu, Kevin Lin, John Hewitt"
    assert paper.primary_category == "cs.CL"


def test_a_failed_fetch_with_no_title_is_shown_beside_the_arxiv_id(
    client, editor, section, failing_arxiv
):
    _, message = failing_arxiv
    issue = IssueFactory.draft()
    client.force_login(editor)
    response = client.post(
        reverse("admin:digests_paper_add"),
        paper_form(issue, section, authors="Typed By Hand"),
    )
    assert response.status_code == 400
    form = response.context["adminform"].form
    assert message in " ".join(form.errors["arxiv_id"])
    assert "title" not in form.errors  # one clear message, beside the arXiv id
    page = response.content.decode()
    assert message in page.replace("&#x27;", "'")
    assert "Typed By Hand" in page and "My *own* words." in page
    assert not Paper.objects.exists()


def test_a_failed_fetch_does_not_stop_a_paper_whose_fields_are_typed(
    client, editor, section, failing_arxiv
):
    issue = IssueFactory.draft()
    client.force_login(editor)
    response = client.post(
        reverse("admin:digests_paper_add"),
        paper_form(issue, section, title="Typed title", arxiv_date="2023-07-06"),
    )
    assert response.status_code == 302
    paper = Paper.objects.get()
    assert (paper.title, paper.abstract, paper.primary_category) == ("Typed title", "", "")


def test_without_arxiv_a_missing_title_is_still_required(client, editor, section):
    issue = IssueFactory.draft()
    client.force_login(editor)
    response = client.post(
        reverse("admin:digests_paper_add"),
        paper_form(issue, section, arxiv_id="not an id", arxiv_date="2023-07-06"),
    )
    assert response.status_code == 400
    errors = response.context["adminform"].form.errors
    assert "is not an arXiv id" in errors["arxiv_id"][0]
    assert errors["title"] == ["This field is required."]


def test_editing_a_saved_paper_does_not_ask_arxiv(client, editor, section, arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    paper = PaperFactory(section=section, arxiv_id="2307.03172", abstract="")
    client.force_login(editor)
    data = paper_form(
        paper.issue,
        section,
        title=paper.title,
        slug=paper.slug,
        arxiv_id=paper.arxiv_id,
        arxiv_date="2023-07-03",
        authors=paper.authors,
        position=str(paper.position),
    )
    response = client.post(reverse("admin:digests_paper_change", args=[paper.pk]), data)
    assert response.status_code == 302
    assert arxiv_api.log == []
    paper.refresh_from_db()
    assert paper.abstract == ""


# --- autofill on save: the issue's paper rows -------------------------------------------


def id_only_row(section, arxiv_id, **extra):
    return {
        "section": str(section.pk),
        "position": "0",
        "arxiv_id": arxiv_id,
        "arxiv_date": "",
        "title": "",
        "authors": "",
        "primary_category": "",
        "arxiv_version": "",
        "abstract": "",
        "annotation": "",
        "tags": "",
        **extra,
    }


def test_inline_rows_with_only_ids_are_filled_in_one_request(client, editor, section, arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    client.force_login(editor)
    rows = [
        id_only_row(section, "2307.03172"),
        id_only_row(section, "arxiv.org/pdf/2307.01952v1.pdf", title="SDXL, typed"),
        id_only_row(section, "hep-th/9901001"),
    ]
    response = client.post(
        reverse("admin:digests_issue_add"), {**issue_form(), **inline_data(rows)}
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    issue = Issue.objects.get()
    papers = list(issue.papers.in_issue_order())
    assert [p.title for p in papers] == [
        "Lost in the Middle: How Language Models Use Long Contexts",
        "SDXL, typed",
        "An Old-Style Paper & Its <Ampersand>",
    ]
    assert [p.arxiv_date for p in papers] == [date(2023, 7, 6), date(2023, 7, 4), date(1999, 1, 1)]
    assert papers[1].primary_category == "cs.CV"
    assert len(arxiv_api.log) == 1
    assert arxiv_api.log[0][0].args["id_list"] == "2307.03172,2307.01952,hep-th/9901001"


def test_inline_rows_arxiv_does_not_know_get_the_error_beside_their_id(
    client, editor, section, arxiv_api
):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    client.force_login(editor)
    rows = [id_only_row(section, "2307.03172"), id_only_row(section, "2307.99999")]
    response = client.post(
        reverse("admin:digests_issue_add"), {**issue_form(), **inline_data(rows)}
    )
    assert response.status_code == 400
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms[0].errors == {}
    assert "arXiv has no paper with the id 2307.99999" in formset.forms[1].errors["arxiv_id"][0]
    assert not Issue.objects.exists()
    assert 'value="2307.99999"' in response.content.decode()


def test_inline_rows_when_arxiv_fails(client, editor, section, failing_arxiv):
    _, message = failing_arxiv
    client.force_login(editor)
    rows = [
        id_only_row(section, "2307.03172", annotation="Keep this note."),
        id_only_row(section, "2307.01952", title="Typed", arxiv_date="2023-07-04"),
    ]
    response = client.post(
        reverse("admin:digests_issue_add"), {**issue_form(), **inline_data(rows)}
    )
    assert response.status_code == 400
    formset = response.context["inline_admin_formsets"][0].formset
    assert message in formset.forms[0].errors["arxiv_id"][0]
    assert formset.forms[1].errors == {}  # typed by hand: fine without arXiv
    assert "Keep this note." in response.content.decode()
    assert not Issue.objects.exists()


def test_saving_an_issue_does_not_look_up_its_unchanged_papers(client, editor, section, arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    issue = IssueFactory.draft(slug="june-july-2023")
    papers = [PaperFactory(issue=issue, section=section, abstract="") for _ in range(3)]
    client.force_login(editor)
    rows = [
        {
            "id": str(p.pk),
            "issue": str(issue.pk),
            **id_only_row(section, p.arxiv_id),
            "position": str(p.position),
            "title": p.title,
            "authors": p.authors,
            "arxiv_date": "2023-07-03",
        }
        for p in papers
    ]
    response = client.post(
        reverse("admin:digests_issue_change", args=[issue.pk]),
        {**issue_form(), **inline_data(rows, initial=3)},
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    assert arxiv_api.log == []


def test_arxiv_is_asked_before_the_admin_opens_its_transaction(
    client, editor, section, arxiv_api, monkeypatch
):
    """On SQLite the admin's transaction holds the write lock: nobody should wait for arXiv."""
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    depths = []
    original = arxiv_client.wait_for_turn

    def spy():
        depths.append(len(connection.atomic_blocks))
        original()

    monkeypatch.setattr(arxiv_client, "wait_for_turn", spy)
    baseline = len(connection.atomic_blocks)
    client.force_login(editor)
    rows = [id_only_row(section, "2307.03172"), id_only_row(section, "2307.01952")]
    response = client.post(
        reverse("admin:digests_issue_add"), {**issue_form(), **inline_data(rows)}
    )
    assert response.status_code == 302
    issue = IssueFactory.draft()
    response = client.post(
        reverse("admin:digests_paper_add"), paper_form(issue, section, arxiv_id="2306.11987")
    )
    assert response.status_code == 302
    assert depths == [baseline, baseline]  # one request per page, outside any new transaction


def test_no_lookup_for_a_post_the_admin_refuses(
    client, staff_without_permission, section, arxiv_api
):
    arxiv_api.expect_request("/api/query").respond_with_handler(answer)
    client.force_login(staff_without_permission)
    issue = IssueFactory.draft()
    response = client.post(reverse("admin:digests_paper_add"), paper_form(issue, section))
    assert response.status_code == 403
    rows = [id_only_row(section, "2307.03172")]
    response = client.post(
        reverse("admin:digests_issue_add"), {**issue_form(), **inline_data(rows)}
    )
    assert response.status_code == 403
    assert arxiv_api.log == []
