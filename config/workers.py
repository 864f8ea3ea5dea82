"""gunicorn's threaded worker, made to share bursts of connections with its siblings.

Every worker waits on the same listening socket, and when a burst of
connections arrives (a proxy opening its pool, a load tool starting, readers
arriving together) the worker that wakes first can accept nearly all of
them in a row. Kept-alive connections then stay with that worker, so one
Python process (one core, because of the GIL) serves them all while the
other workers and cores idle: on 2 cores, 16 connections that all landed on
one worker were served at a third of the usual rate, and each new burst
lands differently (bench/README.md).

This worker, once it has accepted SHARE connections per thread within
BURST_SECONDS, stops accepting for REST_SECONDS: long enough for a sibling,
woken by the same burst, to take the next connection. Connections arriving
one by one never make it rest, however many it holds, and a lone worker
never rests at all. Two per thread, not one: spreading connections over
more processes than there are cores costs throughput too (more switching
between processes), so a worker takes a fair load before it steps aside.
"""

import time
from collections import deque

from gunicorn.workers.gthread import ThreadWorker

SHARE = 2  # connections per thread, accepted in one burst, before the worker steps aside
BURST_SECONDS = 0.05
REST_SECONDS = 0.01


class BalancedThreadWorker(ThreadWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.resting_until = 0.0
        self.accepted_at = deque()  # when this burst's connections were accepted

    def accept(self, listener):
        before = self.nr_conns
        super().accept(listener)
        if self.nr_conns == before or self.cfg.workers < 2:
            return  # nothing accepted, or no sibling to leave connections to
        now = time.monotonic()
        self.accepted_at.append(now)
        while now - self.accepted_at[0] > BURST_SECONDS:
            self.accepted_at.popleft()
        if len(self.accepted_at) >= SHARE * self.cfg.threads:
            self.accepted_at.clear()
            self.resting_until = now + REST_SECONDS
            self.set_accept_enabled(False)

    def set_accept_enabled(self, enabled):
        if enabled and time.monotonic() < self.resting_until:
            return  # the run loop asks again after its next wait
        super().set_accept_enabled(enabled)

    def wait_for_and_dispatch_events(self, timeout):
        # Wake when the rest is over, not up to a second later, to take connections again.
        remaining = self.resting_until - time.monotonic()
        if remaining > 0:
            timeout = min(timeout, remaining)
        super().wait_for_and_dispatch_events(timeout)
