"""The content version every cached page is checked against: a file on one
machine, a key of the shared cache (Redis) for several."""

import subprocess
import sys

import pytest
from django.core.cache import cache, caches

from digests.caching import version
from digests.models import Issue

from .factories import IssueFactory
from .servers import redis_available

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_store(settings):
    if not redis_available():
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"test-version-{id(settings)}",
        }
    }
    settings.DIGESTS_CONTENT_VERSION = "cache"
    yield version.store()
    cache.delete(version.CACHE_KEY)


def test_the_default_store_is_a_file_every_process_reads(settings):
    store = version.store()
    assert isinstance(store, version.FileVersion)
    first, _ = version.current()
    assert settings.DIGESTS_CONTENT_VERSION_FILE.read_text() == first
    # Another process moves it on: this one reads the new token on its next request.
    subprocess.run(
        [sys.executable, "-c", f"open({str(store.path)!r}, 'w').write('from-elsewhere')"],
        check=True,
    )
    assert version.current()[0] == "from-elsewhere"


def test_a_missing_version_file_is_started_by_the_first_reader(settings):
    path = settings.DIGESTS_CONTENT_VERSION_FILE
    path.unlink(missing_ok=True)
    token, _ = version.current()
    assert token and path.read_text() == token
    assert version.current()[0] == token  # and read back, not started again


def test_every_save_readers_could_see_moves_the_version_on():
    before, _ = version.current()
    issue = IssueFactory()
    after_create, _ = version.current()
    Issue.objects.get(pk=issue.pk).save()
    assert len({before, after_create, version.current()[0]}) == 3


def test_the_cache_store_reads_the_version_and_a_page_in_one_round_trip(redis_store, monkeypatch):
    token = redis_store.bump()
    cache.set("page:x", "the page")
    calls = []
    backend = caches["default"]
    real_get_many = backend.get_many
    monkeypatch.setattr(backend, "get_many", lambda keys: calls.append(keys) or real_get_many(keys))
    assert version.current(also=("page:x",)) == (token, {"page:x": "the page"})
    assert len(calls) == 1


def test_a_flushed_cache_starts_a_new_version_once(redis_store):
    cache.delete(version.CACHE_KEY)
    first, _ = version.current()
    assert first and version.current()[0] == first
    assert redis_store.bump() != first
