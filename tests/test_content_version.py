"""The content version every cached page is checked against: a file on one
machine, a key of the shared cache (Redis) for several."""

import subprocess
import sys
import uuid

import pytest
import redis

from digests.caching import version
from digests.models import Issue

from .factories import IssueFactory
from .servers import redis_available

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_store(settings):
    if not redis_available():
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.DIGESTS_CONTENT_VERSION = "redis"
    settings.DIGESTS_CONTENT_VERSION_REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.DIGESTS_CONTENT_VERSION_KEY = f"test-version-{uuid.uuid4().hex}"
    store = version.store()
    yield store
    store.client.delete(store.key)


def test_the_default_store_is_a_file_every_process_reads(settings):
    store = version.store()
    assert isinstance(store, version.FileVersion)
    first = version.current()
    assert settings.DIGESTS_CONTENT_VERSION_FILE.read_text() == first
    # Another process moves it on: this one reads the new token on its next request.
    subprocess.run(
        [sys.executable, "-c", f"open({str(store.path)!r}, 'w').write('from-elsewhere')"],
        check=True,
    )
    assert version.current() == "from-elsewhere"


def test_a_missing_version_file_is_started_by_the_first_reader(settings):
    path = settings.DIGESTS_CONTENT_VERSION_FILE
    path.unlink(missing_ok=True)
    token = version.current()
    assert token and path.read_text() == token
    assert version.current() == token  # and read back, not started again


def test_every_save_readers_could_see_moves_the_version_on():
    before = version.current()
    issue = IssueFactory()
    after_create = version.current()
    Issue.objects.get(pk=issue.pk).save()
    assert len({before, after_create, version.current()}) == 3


def test_the_redis_store_is_one_key_every_machine_reads(redis_store):
    token = redis_store.bump()
    assert version.current() == token
    # Another machine's edit: a client of its own moves the key on.
    other = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    other.set(redis_store.key, "from-another-machine")
    assert version.current() == "from-another-machine"


def test_a_flushed_redis_starts_a_new_version_once(redis_store):
    redis_store.client.delete(redis_store.key)
    first = version.current()
    assert first and version.current() == first
    assert redis_store.bump() != first


def test_saves_move_the_redis_version_on_too(redis_store):
    before = version.current()
    IssueFactory()
    assert version.current() != before
