"""The Useful button: once per reader, rate-limited per address, with and without
JavaScript; cached pages stay shared; the paper browser's reader orders."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digests.caching import version
from digests.models import Paper
from digests.useful import rules

from .factories import CommentFactory, IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def paper(db):
    return PaperFactory(title="Lost in the Middle", slug="lost-in-the-middle")


def mark_url(paper):
    return reverse("digests:paper_useful", args=[paper.slug])


def count_of(paper):
    return Paper.objects.values_list("useful_count", flat=True).get(pk=paper.pk)


# --- Marking ---------------------------------------------------------------------


def test_without_javascript_a_mark_counts_and_returns_to_the_paper(client, paper):
    response = client.post(mark_url(paper))
    assert response.status_code == 303
    assert response["Location"] == f"/papers/{paper.slug}/#useful"
    assert count_of(paper) == 1
    assert rules.COOKIE in response.cookies
    assert "private" in response["Cache-Control"]  # it sets a cookie
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "You marked “Lost in the Middle” as useful" in html
    assert "data-useful-count>1<" in html  # the page is fresh for the reader who marked


def test_from_the_issue_page_it_returns_to_the_papers_card(client, paper):
    response = client.post(mark_url(paper), {"back": "issue"})
    assert response["Location"] == f"{paper.issue.get_absolute_url()}#useful-{paper.slug}"


def test_once_per_cookie(client, paper):
    client.post(mark_url(paper))
    second = client.post(mark_url(paper))
    assert second.status_code == 303
    assert count_of(paper) == 1
    page = client.get(second["Location"]).content.decode()
    assert "You have already marked “Lost in the Middle” as useful" in page


def test_with_javascript_the_answer_is_json(client, paper):
    first = client.post(mark_url(paper), **JSON)
    assert first.status_code == 200
    assert first.json() == {"paper": paper.pk, "marked": True, "counted": True, "count": 1}
    second = client.post(mark_url(paper), **JSON)
    assert second.json() == {"paper": paper.pk, "marked": True, "counted": False, "count": 1}
    assert count_of(paper) == 1


def test_the_cookie_lists_every_paper_marked_and_is_signed(client, paper):
    other = PaperFactory(issue=paper.issue, section=paper.section)
    client.post(mark_url(paper), **JSON)
    client.post(mark_url(other), **JSON)
    value = client.cookies[rules.COOKIE].value
    assert value.split(":", 1)[0] == f"{paper.pk}.{other.pk}"
    assert not client.cookies[rules.COOKIE]["httponly"]  # the page's script reads it


def test_a_forged_cookie_is_ignored(client, paper):
    client.cookies[rules.COOKIE] = f"{paper.pk}:forged"
    response = client.post(mark_url(paper), **JSON)
    assert response.json()["counted"] is True


def test_a_cleared_cookie_does_not_count_the_same_paper_twice_from_one_address(client, paper):
    client.post(mark_url(paper), **JSON)
    client.cookies.clear()
    again = client.post(mark_url(paper), **JSON)
    assert again.json()["counted"] is False
    assert count_of(paper) == 1
    assert rules.COOKIE in again.cookies  # this browser now remembers it too


def test_rate_limit_per_address(client, settings, paper):
    settings.DIGESTS_USEFUL_WINDOW_MAX = 3
    papers = [PaperFactory(issue=paper.issue, section=paper.section) for _ in range(4)]
    for other in papers[:3]:
        client.cookies.clear()
        assert client.post(mark_url(other), **JSON).status_code == 200
    client.cookies.clear()
    refused = client.post(mark_url(papers[3]), **JSON)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= settings.DIGESTS_USEFUL_WINDOW
    assert "3 papers" in refused.json()["error"]
    assert count_of(papers[3]) == 0
    plain = client.post(mark_url(papers[3]), {"back": "issue"})  # without JavaScript
    assert plain.status_code == 429
    assert "Retry-After" in plain
    assert "Please wait" in plain.content.decode()
    assert papers[3].issue.get_absolute_url() in plain.content.decode()
    # Another address is not held back.
    other = client.post(mark_url(papers[3]), REMOTE_ADDR="10.0.0.9", **JSON)
    assert other.status_code == 200


def test_a_paper_already_marked_costs_nothing_of_the_limit(client, settings, paper):
    settings.DIGESTS_USEFUL_WINDOW_MAX = 1
    client.post(mark_url(paper), **JSON)
    assert client.post(mark_url(paper), **JSON).status_code == 200


def test_the_limit_store_down_refuses_with_503(client, paper, monkeypatch):
    def broken():
        raise ConnectionError("limits store down")

    monkeypatch.setattr(rules, "store", broken)
    response = client.post(mark_url(paper), **JSON)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert count_of(paper) == 0


@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_unpublished_and_unknown_papers_are_404(client, state):
    issue = IssueFactory.draft() if state == "draft" else IssueFactory.scheduled()
    hidden = PaperFactory(issue=issue)
    assert client.post(mark_url(hidden)).status_code == 404
    assert client.post(reverse("digests:paper_useful", args=["no-such-paper"])).status_code == 404
    assert count_of(hidden) == 0


def test_get_is_not_allowed(client, paper):
    assert client.get(mark_url(paper)).status_code == 405
    assert count_of(paper) == 0


def test_csrf_is_required(paper):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(mark_url(paper)).status_code == 403
    page = strict.get(paper.get_absolute_url())
    token = page.cookies["csrftoken"].value
    html = page.content.decode()
    assert 'name="csrfmiddlewaretoken" value="' in html
    start = html.index('name="csrfmiddlewaretoken" value="', html.index('class="useful"'))
    form_token = html[start:].split('value="', 1)[1].split('"', 1)[0]
    assert form_token and token
    ok = strict.post(mark_url(paper), {"csrfmiddlewaretoken": form_token}, **JSON)
    assert ok.status_code == 200


def test_a_mark_does_not_move_the_content_version(client, paper):
    before = version.current()
    client.post(mark_url(paper), **JSON)
    assert version.current() == before


# --- Pages and counts ------------------------------------------------------------


def test_issue_and_paper_pages_carry_the_button_and_no_reader_state(client, paper):
    Paper.objects.filter(pk=paper.pk).update(useful_count=7)
    client.post(mark_url(paper), **JSON)  # this reader marked it
    for url in (paper.issue.get_absolute_url(), paper.get_absolute_url()):
        html = client.get(url).content.decode()
        assert f'action="{mark_url(paper)}"' in html
        assert f'data-useful="{paper.pk}"' in html
        assert "Marked useful" not in html  # the reader's own state comes from the cookie, in JS
        assert "js/useful.js" in html


def test_cached_page_serves_the_count_it_was_built_with(client, settings, paper):
    settings.DIGESTS_PAGE_CACHE = True
    url = paper.get_absolute_url()
    client.get(url)
    Paper.objects.filter(pk=paper.pk).update(useful_count=5)
    second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    assert "data-useful-count>0<" in second.content.decode()
    counts = client.get(reverse("digests:useful_counts"), {"paper": paper.pk})
    assert counts.json() == {"counts": {str(paper.pk): 5}}  # the current count, for the script
    assert "X-Page-Cache" not in counts  # never stored


def test_previews_have_no_button(client, editor):
    issue = IssueFactory.draft()
    PaperFactory(issue=issue)
    client.force_login(editor)
    html = client.get(issue.get_absolute_url()).content.decode()
    assert 'class="useful"' not in html


def test_counts_endpoint(client, paper):
    draft = PaperFactory(issue=IssueFactory.draft())
    url = reverse("digests:useful_counts")
    response = client.get(url + f"?paper={paper.pk}&paper={draft.pk}&paper=999999")
    assert response.status_code == 200
    assert response.json() == {"counts": {str(paper.pk): 0}}
    assert "no-cache" in response["Cache-Control"]
    for bad in (
        "",
        "?paper=x",
        "?paper=-1",
        "?paper=" + "9" * 30,
        "?" + "&".join(["paper=1"] * 101),
    ):
        assert client.get(url + bad).status_code == 400, bad
    assert client.post(url).status_code == 405


def test_counts_endpoint_costs_one_query(client, paper):
    others = [PaperFactory(issue=paper.issue, section=paper.section) for _ in range(10)]
    url = reverse("digests:useful_counts") + "?" + "&".join(f"paper={p.pk}" for p in others)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) == 1


def test_robots_keep_out_of_useful(client):
    assert "Disallow: /useful/" in client.get("/robots.txt").content.decode()


# --- The paper browser's reader orders ----------------------------------------------


@pytest.fixture
def browser_papers(db, settings):
    settings.DIGESTS_PAGE_CACHE = False  # each request renders (and is counted)
    issue = IssueFactory()
    section = SectionFactory()
    made = {
        name: PaperFactory(issue=issue, section=section, title=name)
        for name in ("Alpha", "Beta", "Gamma", "Delta")
    }
    Paper.objects.filter(pk=made["Beta"].pk).update(useful_count=9)
    Paper.objects.filter(pk=made["Gamma"].pk).update(useful_count=3)
    for _ in range(3):
        CommentFactory(issue=issue, paper=made["Delta"], status="approved")
    CommentFactory(issue=issue, paper=made["Alpha"], status="approved")
    for _ in range(5):  # not approved: not counted
        CommentFactory(issue=issue, paper=made["Gamma"], status="pending")
    CommentFactory(issue=issue, paper=None, status="approved")  # the issue's own
    return made


def titles(client, order):
    response = client.get(reverse("digests:paper_list"), {"order": order})
    assert response.status_code == 200
    return [paper.title for paper in response.context["papers"]]


def test_most_useful_order(client, browser_papers):
    # Ties (Alpha, Delta: 0) newest first as "-date" would list them: by position.
    assert titles(client, "useful")[:2] == ["Beta", "Gamma"]
    assert titles(client, "useful")[2:] == [
        t for t in titles(client, "-date") if t in ("Alpha", "Delta")
    ]


def test_reader_orders_say_what_they_count_on_the_cards(client, browser_papers):
    url = reverse("digests:paper_list")
    html = client.get(url, {"order": "useful"}).content.decode()
    assert '<span class="card__signal">9 found it useful</span>' in html
    html = client.get(url, {"order": "discussed"}).content.decode()
    assert '<span class="card__signal">3 comments</span>' in html
    assert "card__signal" not in client.get(url).content.decode()


def test_most_discussed_order(client, browser_papers):
    order = titles(client, "discussed")
    assert order[:2] == ["Delta", "Alpha"]
    assert order[2:] == [t for t in titles(client, "-date") if t in ("Beta", "Gamma")]


def test_orders_are_offered_and_cost_fixed_queries(client, browser_papers):
    html = client.get(reverse("digests:paper_list")).content.decode()
    assert '<option value="useful">Most useful</option>' in html
    assert '<option value="discussed">Most discussed</option>' in html
    counts = []
    for extra in (0, 10):
        for _ in range(extra):
            PaperFactory(
                issue=browser_papers["Alpha"].issue, section=browser_papers["Alpha"].section
            )
        for order in ("useful", "discussed"):
            with CaptureQueriesContext(connection) as queries:
                client.get(reverse("digests:paper_list"), {"order": order})
            counts.append(len(queries))
    assert counts[:2] == counts[2:], counts


def test_reader_orders_with_words_and_filters(client, browser_papers):
    response = client.get(
        reverse("digests:paper_list"), {"order": "discussed", "q": "Delta", "year": "2023"}
    )
    assert response.status_code == 200
    assert [p.title for p in response.context["papers"]] == ["Delta"]


def test_useful_json_is_json(client, paper):
    response = client.post(mark_url(paper), **JSON)
    assert response["Content-Type"] == "application/json"
    json.loads(response.content)


def test_a_limit_of_zero_refuses_every_mark_with_429(client, settings, paper):
    settings.DIGESTS_USEFUL_WINDOW_MAX = 0
    response = client.post(mark_url(paper), **JSON)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
