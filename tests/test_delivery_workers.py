"""Deliveries worked by real worker processes (``manage.py worker``) against a
real SMTP server, on the test's database: 500 subscribers, a worker killed
with SIGKILL and started again, the mail server gone for ten seconds, and the
same on Redis (RQ) when redis-server is installed."""

import contextlib
import email
import email.policy
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from digests.newsletter import desk
from digests.newsletter.models import Delivery
from digests.subscriptions.models import Subscriber

from .factories import IssueFactory, PaperFactory, SectionFactory
from .servers import ROOT, free_port, project_env

pytestmark = [pytest.mark.slow]

BATCH = 20


class CountingSink:
    """Parses and keeps every message; thread-safe counts."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((tuple(envelope.rcpt_tos), parsed))
        return "250 OK"

    def count(self):
        with self.lock:
            return len(self.messages)


class Mailserver:
    """aiosmtpd on one port that can be stopped and started again there."""

    def __init__(self):
        self.port = free_port()
        self.sink = CountingSink()
        self.controller = None

    def start(self):
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()
        self.controller = None


@pytest.fixture
def mailserver():
    server = Mailserver()
    server.start()
    yield server
    if server.controller:
        server.stop()


def database_url():
    """The test database, for processes of their own."""
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    return f"postgres://{conf['USER']}@{conf['HOST']}:{conf['PORT']}/{conf['NAME']}"


def worker_env(mailserver, tmp_path, **extra):
    settings = dict(
        DATABASE_URL=database_url(),
        DIGESTS_VAR_DIR=str(tmp_path),
        SECRET_KEY="worker-test-secret",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(mailserver.port),
        EMAIL_TIMEOUT="5",
        MAIL_BATCH=str(BATCH),
        MAIL_LEASE_SECONDS="3",
        MAIL_TASK_SECONDS="5",
        MAIL_RETRY_SECONDS="1",
        SITE_URL="https://digest.example.org/",
        TASKS_BACKEND="db",
    )
    return project_env(**{**settings, **extra})


@contextlib.contextmanager
def worker(env, tmp_path, name="worker"):
    log = open(tmp_path / f"{name}.log", "a")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def wait_for(condition, timeout, what, log=None):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            detail = log.read_text()[-3000:] if log and log.exists() else ""
            raise AssertionError(f"timed out waiting for {what}\n{detail}")
        time.sleep(0.1)


@pytest.fixture
def issue_and_readers(transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    issue = IssueFactory(title="AI Research Highlights: June–July", slug="june-july")
    section = SectionFactory(name="Large Language Models", slug="llm")
    for n in range(3):
        PaperFactory(issue=issue, section=section, position=n + 1, annotation=f"Paper {n}.")
    readers = Subscriber.objects.bulk_create(
        [
            Subscriber(email=f"reader{n}@example.org", status=Subscriber.Status.CONFIRMED)
            for n in range(500)
        ]
    )
    return issue, readers


def delivered(delivery):
    delivery.refresh_from_db()
    return delivery.status == Delivery.Status.DONE


def check_every_reader_got_it(mailserver, readers, max_duplicates):
    got = Counter(rcpt for rcpts, _ in mailserver.sink.messages for rcpt in rcpts)
    assert set(got) == {r.email for r in readers}
    duplicates = sum(n - 1 for n in got.values())
    assert duplicates <= max_duplicates, got.most_common(3)
    return duplicates


def test_500_subscribers_get_500_valid_messages_each_with_their_own_link(
    issue_and_readers, mailserver, tmp_path
):
    issue, readers = issue_and_readers
    env = worker_env(mailserver, tmp_path)
    with worker(env, tmp_path):
        delivery = desk.send(issue)
        wait_for(lambda: delivered(delivery), 120, "the delivery", tmp_path / "worker.log")
    assert mailserver.sink.count() == 500
    check_every_reader_got_it(mailserver, readers, max_duplicates=0)
    links, ids = set(), set()
    for (rcpt,), message in mailserver.sink.messages:
        assert not message.defects
        assert message.get_content_type() == "multipart/alternative"
        assert message["To"] == rcpt
        link = message["List-Unsubscribe"].strip().strip("<>")
        html = message.get_body(preferencelist=("html",)).get_content()
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert link in html and link in text
        links.add(link)
        ids.add(message["Message-ID"])
    assert len(links) == len(ids) == 500
    assert delivery.counts()["sent"] == 500


def test_a_worker_killed_mid_delivery_and_started_again_leaves_no_one_out(
    issue_and_readers, mailserver, tmp_path
):
    issue, readers = issue_and_readers
    env = worker_env(mailserver, tmp_path)
    with worker(env, tmp_path) as first:
        delivery = desk.send(issue)
        wait_for(lambda: mailserver.sink.count() >= 100, 60, "100 sent", tmp_path / "worker.log")
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    stopped_at = mailserver.sink.count()
    assert stopped_at < 500, "the worker finished before it could be killed"
    with worker(env, tmp_path):
        wait_for(lambda: delivered(delivery), 120, "the delivery", tmp_path / "worker.log")
    # At most the batch the killed worker had in flight goes out twice.
    check_every_reader_got_it(mailserver, readers, max_duplicates=BATCH)
    assert delivery.counts()["sent"] == 500


def test_the_mail_server_down_for_ten_seconds_then_all_delivered(
    issue_and_readers, mailserver, tmp_path
):
    issue, readers = issue_and_readers
    env = worker_env(mailserver, tmp_path)
    with worker(env, tmp_path):
        delivery = desk.send(issue)
        wait_for(lambda: mailserver.sink.count() >= 100, 60, "100 sent", tmp_path / "worker.log")
        mailserver.stop()
        down_at = mailserver.sink.count()
        time.sleep(10)
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.SENDING and delivery.retry_at is not None
        assert delivery.last_error
        mailserver.start()
        wait_for(lambda: delivered(delivery), 90, "the delivery", tmp_path / "worker.log")
    assert down_at < 500
    check_every_reader_got_it(mailserver, readers, max_duplicates=BATCH)
    delivery.refresh_from_db()
    assert delivery.retry_at is None and delivery.failures_in_a_row == 0


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed")
def test_two_rq_workers_on_redis_share_a_delivery(issue_and_readers, mailserver, tmp_path):
    from .services import ThrowawayRedis

    issue, readers = issue_and_readers
    redis = ThrowawayRedis()
    redis.start()
    try:
        env = worker_env(mailserver, tmp_path, REDIS_URL=redis.url, TASKS_BACKEND="rq")
        env["CACHE_KEY_PREFIX"] = f"rq-test-{os.getpid()}"
        # Made before the workers start: each asks the queue for it when it
        # starts (resume_deliveries), as after a deploy.
        delivery = Delivery.objects.create(issue=issue)
        with worker(env, tmp_path, "rq-a"), worker(env, tmp_path, "rq-b"):
            wait_for(lambda: delivered(delivery), 120, "the delivery", tmp_path / "rq-a.log")
        check_every_reader_got_it(mailserver, readers, max_duplicates=0)
        logs = [(tmp_path / f"{n}.log").read_text() for n in ("rq-a", "rq-b")]
        assert all("send_delivery" in log for log in logs), "both workers took a share"
    finally:
        redis.stop()
