"""gunicorn's threaded worker, made to share connections with its siblings.

Every worker waits on the same listening socket, and when a burst of
connections arrives (a proxy opening its pool, a load tool starting, readers
arriving together) the worker that wakes first can accept nearly all of
them in a row. Kept-alive connections then stay with that worker, so one
Python process (one core, because of the GIL) serves them all while the
other workers and cores idle: on 2 cores, 16 connections that all landed on
one worker were served at a third of the usual rate, and each new burst
lands differently (bench/README.md).

This worker, once it holds SHARE connections per thread, stops accepting
for a few milliseconds: long enough for a sibling, woken by the same burst,
to take the next connection; short enough that a lone worker (or a server
whose workers are all that busy) only delays a new connection by that much.
Two per thread, not one: spreading connections over more processes than
there are cores costs throughput too (more switching between processes),
so a worker keeps a fair load before it steps aside.
"""

import time

from gunicorn.workers.gthread import ThreadWorker

SHARE = 2  # connections per thread before the worker lets its siblings take new ones
REST_SECONDS = 0.01


class BalancedThreadWorker(ThreadWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.resting_until = 0.0

    def accept(self, listener):
        super().accept(listener)
        if self.nr_conns >= SHARE * self.cfg.threads:
            self.resting_until = time.monotonic() + REST_SECONDS
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
