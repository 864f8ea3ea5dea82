"""The content version watched over Redis pub/sub: no round trip per hit, never stale."""

import uuid

import pytest
import redis
from django.core.cache import cache

from digests.caching import pages as pagecache
from digests.caching import version_watch

from .servers import redis_available

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379"),
]


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": f"test-watch-{uuid.uuid4().hex}",
        }
    }
    yield
    pagecache.watch.reset()


class RefusingCache:
    def __getattr__(self, name):
        return getattr(cache, name)

    def get_many(self, *args, **kwargs):
        raise AssertionError("asked Redis for the version")


def refuse_reads(monkeypatch):
    monkeypatch.setattr(pagecache, "cache", RefusingCache())


def test_after_one_look_up_the_version_comes_from_the_watch(redis_cache, monkeypatch):
    pagecache.current_version()  # the first look-up starts the version (and says so)
    version, _ = pagecache.current_version()
    refuse_reads(monkeypatch)
    assert pagecache.current_version() == (version, {})


def test_a_bump_published_anywhere_is_seen_on_the_next_look_up(redis_cache):
    version, _ = pagecache.current_version()
    assert pagecache.current_version()[0] == version
    # Another process: its own connection sets the version and publishes.
    other = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    key = cache.make_and_validate_key(pagecache.VERSION_KEY)
    cache.set(pagecache.VERSION_KEY, "set-by-another-process", timeout=None)
    other.publish(key, b"moved")
    assert pagecache.current_version()[0] == "set-by-another-process"


def test_a_bump_in_this_process_is_seen_at_once(redis_cache):
    version, _ = pagecache.current_version()
    pagecache._bump_now()
    assert pagecache.current_version()[0] != version


def test_a_copy_is_trusted_for_a_second_at_most(redis_cache, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(version_watch.time, "monotonic", lambda: clock[0])
    pagecache.current_version()  # starts the version, and says so
    pagecache.current_version()
    cache.set(pagecache.VERSION_KEY, "changed-without-a-message", timeout=None)
    assert pagecache.current_version()[0] != "changed-without-a-message"
    clock[0] += version_watch.MAX_TRUST_SECONDS + 0.1
    assert pagecache.current_version()[0] == "changed-without-a-message"


def test_a_copy_read_while_a_message_arrived_is_not_kept(redis_cache):
    watch = pagecache.watch
    pagecache.current_version()
    _, generation = watch.known()
    pagecache._bump_now()
    watch.known()  # another thread drains the news
    watch.remember(("old", float("inf")), generation)  # a look-up started before it
    assert watch.known()[0] is None


def test_a_lost_channel_falls_back_to_asking_every_time(redis_cache, monkeypatch):
    pagecache.current_version()
    pagecache.watch.pubsub.connection.disconnect()
    cache.set(pagecache.VERSION_KEY, "changed-while-deaf", timeout=None)
    assert pagecache.current_version()[0] == "changed-while-deaf"
    assert pagecache.watch.pubsub is None  # and it subscribes again a few seconds later
    cache.set(pagecache.VERSION_KEY, "changed-again", timeout=None)
    assert pagecache.current_version()[0] == "changed-again"


def test_without_redis_every_look_up_asks_the_cache():
    """The tests' local-memory cache has no channel to watch."""
    version, _ = pagecache.current_version()
    cache.set(pagecache.VERSION_KEY, "changed-in-local-memory", timeout=None)
    assert pagecache.current_version()[0] == "changed-in-local-memory" != version
