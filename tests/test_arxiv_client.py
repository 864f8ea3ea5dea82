"""The arXiv client against a local HTTP server speaking arXiv's Atom format."""

import itertools
import subprocess
import sys
import threading
import time
import uuid
from datetime import date

import pytest
from werkzeug import Response

from digests.arxiv import client as arxiv_client
from digests.arxiv.client import (
    ArxivBadResponse,
    ArxivBusy,
    ArxivNotFound,
    ArxivServerError,
    ArxivTimeout,
    ArxivUnavailable,
    fetch_paper,
    fetch_papers,
)

from .arxiv_feeds import ATOM, answer, empty_feed, entry, error_feed, feed
from .servers import ROOT, free_port, project_env, redis_available


def serve(server, body, status=200, content_type=ATOM, **kwargs):
    server.expect_request("/api/query", **kwargs).respond_with_data(
        body, status=status, content_type=content_type
    )


def feed_for_request(request):
    """Answer like arXiv: the entries asked for in id_list, in that order."""
    return answer(request)


def test_several_ids_in_one_request_with_every_field(arxiv_api):
    serve(
        arxiv_api,
        feed("2307.03172", "2307.01952", "hep-th/9901001"),
        query_string={
            "id_list": "2307.03172,2307.01952,hep-th/9901001",
            "max_results": "3",
        },
    )
    papers = fetch_papers(["https://arxiv.org/abs/2307.03172v2", "2307.01952", "hep-th/9901001"])

    assert list(papers) == ["2307.03172", "2307.01952", "hep-th/9901001"]
    lost = papers["2307.03172"]
    assert lost.title == "Lost in the Middle: How Language Models Use Long Contexts"
    assert lost.authors == ["Nelson F. Liu", "Kevin Lin", "John Hewitt"]
    assert lost.authors_text == "Nelson F. Liu, Kevin Lin, John Hewitt"
    assert lost.abstract.startswith("While recent language models have the ability")
    assert "  " not in lost.abstract and "\n" not in lost.abstract
    assert lost.published == date(2023, 7, 6)  # the first version, not the update
    assert lost.version == 3  # the latest, from the <id>
    assert lost.primary_category == "cs.CL"
    assert lost.abs_url == "http://arxiv.org/abs/2307.03172v3"
    assert lost.pdf_url == "http://arxiv.org/pdf/2307.03172v3"
    old = papers["hep-th/9901001"]
    assert old.title == "An Old-Style Paper & Its <Ampersand>"
    assert old.published == date(1999, 1, 1)
    assert old.primary_category == "hep-th"
    assert len(arxiv_api.log) == 1
    request = arxiv_api.log[0][0]
    assert request.headers["User-Agent"].startswith("digests/")


def test_one_paper_by_url(arxiv_api):
    serve(arxiv_api, feed("2306.11987"), query_string={"id_list": "2306.11987", "max_results": "1"})
    paper = fetch_paper("arxiv.org/pdf/2306.11987v1.pdf")
    assert paper.arxiv_id == "2306.11987"
    assert paper.version == 2
    assert paper.as_json()["arxiv_date"] == "2023-06-21"


def test_long_lists_go_in_batches(arxiv_api, settings):
    settings.DIGESTS_ARXIV_BATCH_SIZE = 2
    arxiv_api.expect_request("/api/query").respond_with_handler(feed_for_request)
    papers = fetch_papers(["2307.03172", "2307.01952", "2306.11987"])
    assert list(papers) == ["2307.03172", "2307.01952", "2306.11987"]
    asked = [request.args["id_list"] for request, _ in arxiv_api.log]
    assert asked == ["2307.03172,2307.01952", "2306.11987"]


def test_answers_are_cached_per_paper(arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_handler(feed_for_request)
    fetch_papers(["2307.03172"])
    again = fetch_papers(["2307.03172v1", "2307.01952"])
    assert set(again) == {"2307.03172", "2307.01952"}
    asked = [request.args["id_list"] for request, _ in arxiv_api.log]
    assert asked == ["2307.03172", "2307.01952"]  # the cached paper was not asked again
    fetch_paper("2307.01952")
    assert len(arxiv_api.log) == 2


def test_failures_are_not_cached(arxiv_api):
    serve(arxiv_api, "Service Unavailable", status=503, content_type="text/plain")
    with pytest.raises(ArxivServerError):
        fetch_paper("2307.03172")
    arxiv_api.clear()
    serve(arxiv_api, feed("2307.03172"))
    assert fetch_paper("2307.03172").title.startswith("Lost in the Middle")


def test_offline_is_reported_as_unreachable(settings):
    settings.DIGESTS_ARXIV_API_URL = f"http://127.0.0.1:{free_port()}/api/query"
    with pytest.raises(ArxivUnavailable) as error:
        fetch_paper("2307.03172")
    assert "arXiv could not be reached (connection refused)" in str(error.value)
    assert "fill the fields by hand" in str(error.value)


def test_a_silent_server_times_out(arxiv_api, settings):
    settings.DIGESTS_ARXIV_TIMEOUT = 0.3

    release = threading.Event()

    def slow(request):
        release.wait(2)
        return Response(feed("2307.03172"), content_type=ATOM)

    arxiv_api.expect_request("/api/query").respond_with_handler(slow)
    started = time.monotonic()
    try:
        with pytest.raises(ArxivTimeout) as error:
            fetch_paper("2307.03172")
    finally:
        release.set()  # the local server answers one request at a time
    assert time.monotonic() - started < 1.5  # not the 2 s the server would take
    assert "did not answer within 0.3 seconds" in str(error.value)


def test_the_timeout_setting_cannot_exceed_the_hard_limit(arxiv_api, settings, monkeypatch):
    monkeypatch.setattr(arxiv_client, "HARD_TIMEOUT", 0.3)  # 10 s in production
    settings.DIGESTS_ARXIV_TIMEOUT = 60
    release = threading.Event()

    def slow(request):
        release.wait(2)
        return Response(feed("2307.03172"), content_type=ATOM)

    arxiv_api.expect_request("/api/query").respond_with_handler(slow)
    try:
        with pytest.raises(ArxivTimeout, match=r"within 0\.3 seconds"):
            fetch_paper("2307.03172")
    finally:
        release.set()


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(arxiv_api, status):
    serve(arxiv_api, "<html><body>Oops</body></html>", status=status, content_type="text/html")
    with pytest.raises(ArxivServerError) as error:
        fetch_paper("2307.03172")
    assert f"HTTP {status}" in str(error.value)
    assert error.value.status == status


def test_rate_exceeded_says_so(arxiv_api):
    serve(arxiv_api, "Rate exceeded.", status=429, content_type="text/plain")
    with pytest.raises(ArxivServerError) as error:
        fetch_paper("2307.03172")
    assert "slow down" in str(error.value)


@pytest.mark.parametrize("status", [200, 400])
def test_an_id_arxiv_refuses_is_not_found(arxiv_api, status):
    serve(arxiv_api, error_feed("2307.99999"), status=status)
    with pytest.raises(ArxivNotFound) as error:
        fetch_paper("2307.99999")
    assert error.value.identifiers == ["2307.99999"]
    assert "arXiv has no paper with the id 2307.99999" in str(error.value)


def test_no_entry_means_not_found(arxiv_api):
    serve(arxiv_api, empty_feed("2307.99999"))
    with pytest.raises(ArxivNotFound, match=r"2307\.99999"):
        fetch_paper("2307.99999")


def test_an_empty_entry_means_not_found(arxiv_api):
    body = feed("2307.03172").replace(
        "<title>Lost in the Middle: How Language\n      Models Use Long Contexts</title>",
        "<title/>",
    )
    serve(arxiv_api, body)
    with pytest.raises(ArxivNotFound):
        fetch_paper("2307.03172")


def test_missing_papers_are_named_together_or_left_out(arxiv_api):
    arxiv_api.expect_request("/api/query").respond_with_data(
        feed("2307.03172", ids="2307.03172,2307.99999,2306.99999"), content_type=ATOM
    )
    with pytest.raises(ArxivNotFound) as error:
        fetch_papers(["2307.03172", "2307.99999", "2306.99999"])
    assert error.value.identifiers == ["2307.99999", "2306.99999"]
    assert "arXiv has no papers with the ids 2307.99999, 2306.99999" in str(error.value)

    # The paper that was found is cached; the missing ones are simply absent.
    papers = fetch_papers(["2307.03172", "2307.99999"], missing_ok=True)
    assert list(papers) == ["2307.03172"]


def test_a_refused_id_in_a_batch_does_not_hide_the_others(arxiv_api):
    # arXiv answers a batch holding one id it refuses with only the error entry.
    arxiv_api.expect_ordered_request(
        "/api/query", query_string={"id_list": "2307.03172,2307.99999", "max_results": "2"}
    ).respond_with_data(error_feed("2307.99999"), status=400, content_type=ATOM)
    arxiv_api.expect_ordered_request(
        "/api/query", query_string={"id_list": "2307.03172", "max_results": "1"}
    ).respond_with_data(feed("2307.03172"), content_type=ATOM)
    papers = fetch_papers(["2307.03172", "2307.99999"], missing_ok=True)
    assert list(papers) == ["2307.03172"]
    assert len(arxiv_api.log) == 2


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("Rate exceeded.", "not an Atom feed"),
        ("", "not an Atom feed"),
        ("<html><body>Maintenance</body></html>", "expected an Atom feed, got <html>"),
        ('<feed xmlns="http://www.w3.org/2005/Atom"><entry>', "not an Atom feed"),
        (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol2;</title></feed>',
            "not an Atom feed",
        ),
        (
            feed("2307.03172").replace("2023-07-06T17:54:11Z", "last Tuesday"),
            "no readable first-version date for 2307.03172",
        ),
    ],
)
def test_malformed_answers(arxiv_api, body, detail):
    serve(arxiv_api, body)
    with pytest.raises(ArxivBadResponse) as error:
        fetch_paper("2307.03172")
    assert f"arXiv sent an answer we could not read ({detail})" in str(error.value)


def test_an_error_entry_for_no_requested_id_is_an_error_not_a_miss(arxiv_api):
    serve(arxiv_api, error_feed("x", message="max_results must be a number"), status=400)
    with pytest.raises(ArxivServerError, match="max_results must be a number"):
        fetch_paper("2307.03172")


def test_entries_for_papers_not_asked_for_are_ignored(arxiv_api):
    body = feed("2307.03172").replace("</feed>", entry("2307.01952") + "</feed>")
    serve(arxiv_api, body)
    assert list(fetch_papers(["2307.03172"])) == ["2307.03172"]


def test_old_style_ids_match_without_their_subject_class(arxiv_api):
    body = feed("hep-th/9901001").replace("hep-th/9901001", "math/0309136")
    serve(arxiv_api, body)
    assert fetch_paper("math.GT/0309136").arxiv_id == "math.GT/0309136"


# --- one request every N seconds, across clients sharing the cache ---------------


def timed(server):
    """Serve every request and remember when it arrived."""
    arrivals = []

    def handler(request):
        arrivals.append(time.time())
        return feed_for_request(request)

    server.expect_request("/api/query").respond_with_handler(handler)
    return arrivals


def test_requests_from_two_clients_are_spaced_out(arxiv_api, settings):
    settings.DIGESTS_ARXIV_MIN_INTERVAL = 0.5
    arrivals = timed(arxiv_api)
    groups = [["2307.03172", "2307.01952"], ["2306.11987", "hep-th/9901001"]]
    errors = []

    def client(ids):
        try:
            for identifier in ids:
                fetch_paper(identifier)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=client, args=(ids,)) for ids in groups]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors
    assert len(arrivals) == 4
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    # Arrival times carry some scheduling jitter; without the spacing the gaps are ~0.
    assert min(gaps) >= 0.4, gaps


def test_a_client_that_would_wait_too_long_is_told_to_come_back(arxiv_api, settings):
    settings.DIGESTS_ARXIV_MIN_INTERVAL = 30
    settings.DIGESTS_ARXIV_MAX_WAIT = 5
    timed(arxiv_api)
    fetch_paper("2307.03172")
    started = time.monotonic()
    with pytest.raises(ArxivBusy, match=r"try again in \d+ seconds"):
        fetch_paper("2307.01952")
    assert time.monotonic() - started < 1
    assert len(arxiv_api.log) == 1


def test_a_broken_shared_cache_pauses_lookups(arxiv_api, settings):
    settings.DIGESTS_ARXIV_MIN_INTERVAL = 3
    dead = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
    }
    settings.CACHES = {"default": dead, "limits": dead}
    timed(arxiv_api)
    with pytest.raises(ArxivBusy, match="shared cache"):
        fetch_paper("2307.03172")
    assert arxiv_api.log == []


CLIENT_SCRIPT = """
import os, sys, time
import django
django.setup()
from digests.arxiv.client import fetch_paper
time.sleep(max(0, float(os.environ["START_AT"]) - time.time()))
for identifier in sys.argv[1:]:
    fetch_paper(identifier)
"""


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_requests_from_two_processes_sharing_redis_are_spaced_out(arxiv_api, tmp_path):
    arrivals = timed(arxiv_api)
    env = project_env(
        DJANGO_SETTINGS_MODULE="config.settings",
        DIGESTS_VAR_DIR=str(tmp_path),
        SECRET_KEY="test-" + "x" * 50,
        REDIS_URL="redis://127.0.0.1:6379/0",
        CACHE_KEY_PREFIX=f"test-arxiv-{uuid.uuid4().hex}",
        ARXIV_API_URL=arxiv_api.url_for("/api/query"),
        ARXIV_MIN_INTERVAL="0.6",
        START_AT=str(time.time() + 3),
    )
    groups = [["2307.03172", "2307.01952"], ["2306.11987", "hep-th/9901001"]]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CLIENT_SCRIPT, *ids],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for ids in groups
    ]
    for process in processes:
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output.decode()
    assert len(arrivals) == 4
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert min(gaps) >= 0.45, gaps
