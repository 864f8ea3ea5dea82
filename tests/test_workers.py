"""The gunicorn worker shares a burst of kept-alive connections between the workers
(config/workers.py), so no single process, on one core, ends up serving them all."""

import contextlib
import os
import re
import socket
import time
from collections import deque
from pathlib import Path
from types import SimpleNamespace

import pytest

from config import workers

from .servers import gunicorn_process, manage, project_env

LINUX_PROC = (
    Path("/proc/net/tcp").exists()
    and Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()
)
needs_proc = pytest.mark.skipif(not LINUX_PROC, reason="reads processes and sockets from /proc")


@pytest.fixture(scope="module")
def static_site(tmp_path_factory):
    var = tmp_path_factory.mktemp("workers")
    env = project_env(
        SECRET_KEY="test-secret-key-" + "w" * 40,
        DIGESTS_VAR_DIR=str(var),
        DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}",
        REDIS_URL="",
    )
    manage("migrate", "--noinput", env=env)
    manage("collectstatic", "--noinput", env=env)
    return env


@contextlib.contextmanager
def one_thread_workers(env, count, worker_class=None):
    """gunicorn with ``count`` one-thread workers, all started; yields (master pid, port)."""
    env = {**env, "GUNICORN_THREADS": "1", "GUNICORN_LOGLEVEL": "warning"}
    if worker_class:
        env["GUNICORN_WORKER_CLASS"] = worker_class
    with gunicorn_process(env, workers=count) as (process, port):
        deadline = time.monotonic() + 30
        while len(worker_pids(process.pid)) < count:
            assert time.monotonic() < deadline, "gunicorn did not start its workers"
            time.sleep(0.2)
        time.sleep(1)  # every worker past its warm-up and waiting on the socket
        yield process.pid, port


def worker_pids(master):
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def established_inodes(port):
    """Socket inodes of the server's side of every open connection on ``port``."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
            inodes.add(fields[9])
    return inodes


def connections_per_worker(master, port):
    open_here = established_inodes(port)
    counts = []
    for pid in worker_pids(master):
        held = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                match = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(fd))
            except OSError:
                continue
            held += bool(match and match[1] in open_here)
        counts.append(held)
    return sorted(counts, reverse=True)


def burst(port, count):
    """``count`` readers connect at once, then each fetches a page and keeps its connection."""
    readers = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]
    request = b"GET /static/css/site.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    for reader in readers:
        reader.sendall(request)
    for reader in readers:
        assert reader.recv(12).startswith(b"HTTP/1.1 200")
    return readers


def spread(env, worker_class=None, rounds=3):
    """The largest number of connections one worker held, over a few bursts."""
    most = []
    with one_thread_workers(env, 3, worker_class) as (master, port):
        for _ in range(rounds):
            readers = burst(port, 6)
            time.sleep(0.2)
            counts = connections_per_worker(master, port)
            assert sum(counts) == 6, counts
            most.append(counts[0])
            for reader in readers:
                reader.close()
            time.sleep(0.5)
    return most


@needs_proc
def test_a_burst_of_connections_is_shared_between_the_workers(static_site):
    # One thread per worker: each takes two connections (SHARE) before it steps aside.
    assert max(spread(static_site)) <= workers.SHARE


@needs_proc
def test_without_it_one_worker_takes_more_than_its_share(static_site):
    """What the balanced worker is for: the plain threaded worker lets the first
    worker to wake accept most of a burst (3 to 6 of 6 in every round seen), so
    the test above can fail."""
    assert max(spread(static_site, worker_class="gthread", rounds=5)) > workers.SHARE


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def worker(monkeypatch):
    """A BalancedThreadWorker with gunicorn's own parts replaced by records and a clock."""
    clock = Clock()
    monkeypatch.setattr(workers.time, "monotonic", clock)
    switched, waits = [], []

    def base_accept(self, listener):
        self.nr_conns += 1

    monkeypatch.setattr(workers.ThreadWorker, "accept", base_accept)
    monkeypatch.setattr(
        workers.ThreadWorker, "set_accept_enabled", lambda self, on: switched.append(on)
    )
    monkeypatch.setattr(
        workers.ThreadWorker, "wait_for_and_dispatch_events", lambda self, t: waits.append(t)
    )
    worker = workers.BalancedThreadWorker.__new__(workers.BalancedThreadWorker)
    worker.resting_until, worker.accepted_at = 0.0, deque()
    worker.cfg = SimpleNamespace(threads=1, workers=3)
    worker.nr_conns = 0
    return SimpleNamespace(worker=worker, clock=clock, switched=switched, waits=waits)


def test_a_resting_worker_takes_connections_again_after_its_rest(worker):
    w = worker.worker
    w.accept(None)
    assert worker.switched == []  # one connection, one thread: below its share
    w.accept(None)
    assert worker.switched == [False]  # two in a burst: it steps aside
    w.set_accept_enabled(True)
    assert worker.switched == [False]  # not during the rest
    w.wait_for_and_dispatch_events(1.0)
    assert worker.waits[-1] == pytest.approx(workers.REST_SECONDS)  # wakes when it ends
    worker.clock.now += workers.REST_SECONDS
    w.set_accept_enabled(True)
    assert worker.switched == [False, True]
    w.wait_for_and_dispatch_events(1.0)
    assert worker.waits[-1] == 1.0


def test_connections_arriving_one_by_one_never_make_it_rest(worker):
    """However many kept-alive connections it already holds (browsers, a proxy's pool)."""
    w = worker.worker
    w.nr_conns = 40
    for _ in range(20):
        w.accept(None)
        worker.clock.now += workers.BURST_SECONDS * 1.5
    assert worker.switched == []


def test_a_lone_worker_never_rests(worker):
    w = worker.worker
    w.cfg.workers = 1
    for _ in range(10):
        w.accept(None)
    assert worker.switched == []


def test_a_failed_accept_counts_for_nothing(worker, monkeypatch):
    w = worker.worker
    monkeypatch.setattr(workers.ThreadWorker, "accept", lambda self, listener: None)  # EAGAIN
    for _ in range(10):
        w.accept(None)
    assert worker.switched == [] and not w.accepted_at
