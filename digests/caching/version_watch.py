"""This process's copy of the content version, kept current by Redis pub/sub.

Asking Redis for the content version on every request costs a round trip,
which on a busy machine is most of what serving a cached page costs. With
Redis as the cache, every change to the version is also published on a
channel each process subscribes to, and a process trusts its own copy of the
version for as long as nothing arrives on that channel (and at most
``MAX_TRUST_SECONDS``).

Why no request ever sees an old version: before each use, the channel's
socket is read without waiting and any message (whatever it says) drops the
copy, so the next lookup asks Redis. Redis writes a published message to
every subscriber's socket in the same pass as its answer to the publisher,
before it handles any other command, so by the time the process that saved
an edit has finished its request, the news is waiting in every subscriber's
socket. A copy fetched while a message was
being handled is not kept (a generation counter tells). If the subscription
breaks, the process goes back to asking Redis on every request until it can
subscribe again. Other caches (local memory, the database) have no channel:
with them every request asks, as before.
"""

import contextlib
import logging
import os
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)

MAX_TRUST_SECONDS = 1.0  # bounds the damage of a connection that died without a word
RETRY_SECONDS = 5.0


class VersionWatch:
    def __init__(self, key):
        self.key = key
        self.lock = threading.Lock()
        self.pid = None
        self.pubsub = None
        self.generation = 0
        self.copy = None  # (state, taken at)
        self.reconnected = False
        self.retry_at = 0.0

    # --- reading ---
    def known(self):
        """(state or None, generation): the state remembered, if it can be trusted now."""
        with self.lock:
            if not self._subscribed():
                return None, self.generation
            try:
                while self.pubsub.get_message(timeout=0.0) is not None:
                    self._forget()
            except Exception as error:
                log.warning("content version channel lost: %s", error)
                self._unsubscribe()
                return None, self.generation
            if self.reconnected:
                # redis-py reconnected and subscribed again by itself; what was
                # published in between is lost. Start over, cleanly, later.
                log.warning("content version channel reconnected: asking each time for now")
                self._unsubscribe()
                return None, self.generation
            if self.copy and time.monotonic() - self.copy[1] > MAX_TRUST_SECONDS:
                self.copy = None
            return (self.copy[0] if self.copy else None), self.generation

    def remember(self, state, generation):
        """Keep ``state`` (read from Redis) unless a message arrived since ``generation``."""
        with self.lock:
            if self.pubsub is not None and generation == self.generation:
                self.copy = (state, time.monotonic())

    # --- writing ---
    def publish(self):
        """Tell every process that the version moved on (after it was stored)."""
        client = self._client(write=True)
        if client is not None:
            client.publish(self.channel(), b"moved")

    # --- the subscription ---
    def channel(self):
        return caches["default"].make_key(self.key)

    def _client(self, write=False):
        backend = caches["default"]
        if not isinstance(backend, RedisCache):
            return None
        return backend._cache.get_client(write=write)

    def _forget(self):
        self.generation += 1
        self.copy = None

    def _subscribed(self):
        if self.pubsub is not None and self.pid == os.getpid():
            return True
        if self.pid != os.getpid():  # a forked child never reads its parent's socket
            self.pubsub, self.pid, self.copy = None, os.getpid(), None
        if time.monotonic() < self.retry_at:
            return False
        try:
            client = self._client()
            if client is None:
                self.retry_at = float("inf")  # not Redis: nothing to subscribe to
                return False
            pubsub = client.pubsub()
            pubsub.subscribe(self.channel())
            # Trust nothing before Redis confirms: from then on every publish reaches us.
            confirmation = pubsub.get_message(timeout=1.0)
            if not confirmation or confirmation["type"] != "subscribe":
                raise ConnectionError("no subscription confirmation")
        except Exception as error:
            log.warning("cannot watch the content version (asking each time): %s", error)
            self.retry_at = time.monotonic() + RETRY_SECONDS
            return False
        self.pubsub = pubsub
        self.reconnected = False
        pubsub.connection.register_connect_callback(self._on_reconnect)
        self._forget()
        return True

    def _on_reconnect(self, connection):
        self.reconnected = True  # (called by redis-py, inside ``known()``)

    def _unsubscribe(self):
        pubsub, self.pubsub = self.pubsub, None
        self._forget()
        self.retry_at = time.monotonic() + RETRY_SECONDS
        with contextlib.suppress(Exception):  # already broken
            pubsub.close()

    def reset(self):
        """Drop the subscription and the copy (tests, and settings changes)."""
        with self.lock:
            if self.pubsub is not None:
                self._unsubscribe()
            self.retry_at = 0.0
