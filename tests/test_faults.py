"""Faults, with real gunicorn and real servers that the tests stop on purpose.

* PostgreSQL down: pages answer a styled 503 with Retry-After within seconds,
  static files still 200, cached pages still served; when PostgreSQL is back the
  next request succeeds, with no restart.
* A database that hangs: the connection attempt gives up after connect_timeout.
* Redis down: pages keep coming (from the database); posting a comment is
  refused with a clear message, the text kept; when Redis is back, it works.

The servers are throwaway ones (tests/services.py), never the machine's own.
"""

import html
import time
import urllib.error
import urllib.request
import uuid

import pytest

from .servers import gunicorn, manage, project_env
from .services import (
    ThrowawayPostgres,
    ThrowawayRedis,
    postgres_available,
    redis_server_available,
    silent_listener,
)
from .test_processes import ISSUE, SECRET, Reader

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (postgres_available() and redis_server_available()),
        reason="needs PostgreSQL binaries and redis-server",
    ),
]


def get(url, timeout=15):
    """(status, headers, body, seconds) for a GET, errors included."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    return status, headers, body.decode(errors="replace"), time.monotonic() - started


@pytest.fixture(scope="module")
def redis():
    server = ThrowawayRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def postgres():
    server = ThrowawayPostgres()
    try:
        server.start()
        server.create_database()
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """collectstatic once: every site below serves the same files."""
    var = tmp_path_factory.mktemp("static")
    env = project_env(SECRET_KEY=SECRET, DIGESTS_VAR_DIR=str(var), STATIC_ROOT=str(var))
    manage("collectstatic", "--noinput", env=env)
    return var


def site(tmp_path_factory, static_root, **extra):
    var = tmp_path_factory.mktemp("site")
    env = project_env(
        SECRET_KEY=SECRET,
        DIGESTS_VAR_DIR=str(var),
        STATIC_ROOT=str(static_root),
        CACHE_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        COMMENTS_CLOSE_AFTER_DAYS="0",
        # One worker with one thread: every request reuses the same persistent
        # database connection, so a stale one cannot hide behind a fresh thread.
        GUNICORN_THREADS="1",
        **extra,
    )
    manage("migrate", "--noinput", env=env)
    manage("load_demo", env=env)
    return env


@pytest.fixture(scope="module")
def sqlite_site(tmp_path_factory, static_root):
    """The demo on SQLite, for the Redis faults (the cache is chosen per server)."""
    var = tmp_path_factory.mktemp("sqlite")
    return site(tmp_path_factory, static_root, DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}")


def test_postgresql_outage_is_a_503_and_recovery_needs_no_restart(
    postgres, redis, tmp_path_factory, static_root
):
    env = site(tmp_path_factory, static_root, DATABASE_URL=postgres.url(), REDIS_URL=redis.url)
    with gunicorn(env) as base:
        assert get(base + "/")[0] == 200
        assert get(base + "/")[1]["X-Page-Cache"] == "hit"

        # Restarted between two requests: the kept connection is dead; it is
        # health-checked and replaced, and the reader notices nothing.
        postgres.stop()
        postgres.start()
        status, headers, _, _ = get(base + "/issues/")
        assert status == 200 and headers["X-Page-Cache"] == "miss"

        postgres.stop()
        status, headers, page, seconds = get(base + "/papers/")
        assert status == 503 and seconds < 5
        assert headers["Retry-After"] == "30"
        assert "no-store" in headers["Cache-Control"]
        assert "We'll be back in a moment" in page
        assert 'rel="stylesheet" href="/static/css/site.' in page  # styled, hashed
        assert "Traceback" not in page and "OperationalError" not in page
        # Static files and pages already in the cache are still served.
        stylesheet = page.split('href="/static/')[1].split('"')[0]
        assert get(base + "/static/" + stylesheet)[0] == 200
        status, headers, _, _ = get(base + "/")
        assert status == 200 and headers["X-Page-Cache"] == "hit"
        assert get(base + "/healthz")[0] == 503

        postgres.start()
        status, _, page, _ = get(base + "/papers/")
        assert status == 200 and "Lost in the Middle" in page
        assert get(base + "/healthz")[0] == 200


def test_a_database_that_hangs_is_given_up_on_within_seconds(tmp_path_factory, redis, static_root):
    with silent_listener() as port:
        var = tmp_path_factory.mktemp("hang")
        env = project_env(
            SECRET_KEY=SECRET,
            DIGESTS_VAR_DIR=str(var),
            STATIC_ROOT=str(static_root),
            DATABASE_URL=f"postgres://digests@127.0.0.1:{port}/digests",
            REDIS_URL=redis.url,
            CACHE_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
            DATABASE_CONNECT_TIMEOUT="2",
        )
        with gunicorn(env) as base:
            status, headers, _, seconds = get(base + "/issues/")
            assert status == 503 and headers["Retry-After"] == "30"
            assert 1.5 < seconds < 5  # waited for connect_timeout, not for ever


def test_redis_outage_keeps_pages_and_refuses_comments_clearly(sqlite_site):
    redis = ThrowawayRedis()
    redis.start()
    try:
        with gunicorn({**sqlite_site, "REDIS_URL": redis.url}) as base:
            assert get(base + ISSUE)[0] == 200
            redis.stop()
            for path in ["/", ISSUE, "/papers/", "/search/?q=attention"]:
                status, _, page, seconds = get(base + path)
                assert status == 200 and seconds < 5, path
            status, headers, page = Reader(base).post_comment("Written while Redis was down")
            assert status == 503
            assert headers["Retry-After"] == "60"
            assert "We can't accept comments for a moment" in html.unescape(page)
            assert "Written while Redis was down" in page  # the text is kept

            redis.start()
            status, _, page = Reader(base).post_comment("Written once Redis was back")
            assert status == 200 and "held for moderation" in page
    finally:
        redis.stop()


def test_a_redis_that_hangs_costs_a_reader_seconds_not_a_hung_page(sqlite_site):
    with silent_listener() as port:
        hung = {**sqlite_site, "REDIS_URL": f"redis://127.0.0.1:{port}/0"}
        with gunicorn(hung) as base:
            status, _, page, seconds = get(base + ISSUE)
            assert status == 200 and "Lost in the Middle" in page
            assert seconds < 8  # each cache call gives up after REDIS_TIMEOUT (1 s)
            status, _, page = Reader(base).post_comment("Written while Redis hung")
            assert status == 503 and "Written while Redis hung" in page
