"""Mail benchmark: one issue to 100,000 confirmed subscribers, end to end.

    python bench/mail.py             # both setups, 100,000 subscribers -> bench/MAIL_RESULTS.md
    python bench/mail.py --smoke     # 1,000 subscribers, embedded only (CI)
    python bench/mail.py --setups embedded --workers 1 --subscribers 20000

Setups, as bench/run.py names them:

* ``embedded``: SQLite and the database task queue (``manage.py worker`` runs
  ``db_worker``), what ``make run`` gives, with ``--workers`` worker processes;
* ``production``: PostgreSQL and Redis, the RQ queue on a redis-server of its
  own (``manage.py worker`` runs ``rqworker`` with its scheduler).

For each it builds a fresh site (migrate, the demo issue, N confirmed
subscribers), starts a local aiosmtpd sink in a process of its own
(bench/mail_sink.py) and the worker processes, then presses Send (the admin's
``desk.send``) and times until the sink has accepted one message per
subscriber. End to end means the snapshot of the subscribers, the queue, the
rendering, MIME, SMTP and the send log's writes. Worker memory (the workers'
whole process trees) is sampled each second; "flat" compares the last sample
with the one at 20 % of the run.

The ceiling in the same run: a bare smtplib client sending one pre-built copy
of the same message to the same sink from as many processes, nothing else.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # bench/run.py: site environments, shell helper

ROOT = run.ROOT
PYTHON = run.PYTHON
RESULTS = ROOT / "bench" / "MAIL_RESULTS.md"
TARGET_RATE = 300  # messages per second, end to end
MEMORY_GROWTH = 0.10

SEED = """
from digests.subscriptions.models import Subscriber
n = {n}
batch = []
for i in range(n):
    batch.append(Subscriber(email=f"reader{{i}}@bench.example.org", status="confirmed"))
    if len(batch) == 5000:
        Subscriber.objects.bulk_create(batch); batch = []
Subscriber.objects.bulk_create(batch)
print(Subscriber.objects.filter(status="confirmed").count())
"""

SEND = """
from digests.models import Issue
from digests.newsletter import desk
issue = Issue.objects.published().get(slug="ai-research-highlights-june-july-2023")
print(desk.send(issue).pk)
"""

CHECK = """
from digests.newsletter.models import Delivery
d = Delivery.objects.get(pk={pk})
print(d.status, d.total, d.counts()["sent"])
"""

CEILING = """
import smtplib, sys, time
from digests.models import Issue
from digests.newsletter.edition import Edition
from digests.subscriptions.models import Subscriber
issue = Issue.objects.published().get(slug="ai-research-highlights-june-july-2023")
reader = Subscriber(pk=1, email="ceiling@bench.example.org")
message = Edition.of(issue).message(reader, delivery_id=0)
raw = message.message().as_bytes(linesep="\\r\\n")  # as Django's SMTP backend sends it
n = {n}
smtp = smtplib.SMTP("127.0.0.1", {port})
start = time.perf_counter()
for _ in range(n):
    smtp.sendmail("bench@localhost", ["ceiling@bench.example.org"], raw)
print(n / (time.perf_counter() - start))
"""


def shell(code, env):
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )
    if out.returncode:
        raise SystemExit(f"manage.py shell failed:\n{out.stderr[-3000:]}")
    return out.stdout.strip().splitlines()[-1]


def tree_rss_kib(pid):
    """Resident memory of a process and all its descendants."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next(int(line.split()[1]) for line in status.splitlines()
                      if line.startswith("VmRSS:"))
        stack += [int(child) for child in children]
    return total


def sink_count(path):
    try:
        return int(path.read_text() or 0)
    except (OSError, ValueError):
        return 0


def start_sink(var):
    port = run_free_port()
    count_file = var / "sink-count"
    process = subprocess.Popen(
        [PYTHON, str(ROOT / "bench" / "mail_sink.py"), str(port), str(count_file)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not count_file.exists():
        if time.monotonic() > deadline:
            process.kill()
            raise SystemExit("the SMTP sink did not start")
        time.sleep(0.1)
    return process, port, count_file


def run_free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis():
    port = run_free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return process, f"redis://127.0.0.1:{port}/0"


def ceiling(env, port, n, processes):
    """Messages per second a bare client gets from the sink, ``processes`` at once."""
    code = CEILING.format(n=n, port=port)
    procs = [
        subprocess.Popen([PYTHON, "manage.py", "shell", "-v", "0", "-c", code], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    rates = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        if p.returncode:
            raise SystemExit(f"the ceiling client failed:\n{err[-2000:]}")
        rates.append(float(out.split()[-1]))
    return sum(rates)


def bench_setup(setup, subscribers, workers, workdir, timeout):
    var = Path(tempfile.mkdtemp(prefix=f"mail-{setup}-", dir=workdir))
    redis = None
    if setup == "production":
        database = os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/digests_bench_mail"
        )
        run.recreate_postgres(database, database.rsplit("/", 1)[1])
    else:
        database = f"sqlite:///{var / 'db.sqlite3'}"
    env = run.site_env(var, database, setup)
    if setup == "production":
        redis, redis_url = start_redis()
        env["REDIS_URL"] = redis_url
    sink, port, count_file = start_sink(var)
    env.update(
        EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port),
        MAIL_PARALLEL=str(workers), SITE_URL="https://digest.example.org/",
    )
    processes = []
    try:
        for command in (["migrate", "--noinput"], ["createcachetable"], ["load_demo"]):
            run.sh(PYTHON, "manage.py", *command, env=env)
        seeded = int(shell(SEED.format(n=subscribers), env))
        logs = [open(var / f"worker-{i}.log", "w") for i in range(workers)]  # noqa: SIM115
        processes = [
            subprocess.Popen([PYTHON, "manage.py", "worker", "--interval", "0.2"], cwd=ROOT,
                             env=env, stdout=log, stderr=subprocess.STDOUT)
            for log in logs
        ]
        time.sleep(3)  # the workers are up
        started = time.monotonic()
        pk = int(shell(SEND, env))
        samples, rates = [], []
        last = (started, 0)
        while True:
            time.sleep(1)
            now, count = time.monotonic(), sink_count(count_file)
            samples.append((now - started, count, [tree_rss_kib(p.pid) for p in processes]))
            rates.append((count - last[1]) / (now - last[0]))
            last = (now, count)
            if count >= seeded:
                break
            if now - started > timeout:
                raise SystemExit(f"{setup}: {count} of {seeded} after {timeout} s")
            if any(p.poll() is not None for p in processes):
                raise SystemExit(f"{setup}: a worker died; see {var}")
        elapsed = time.monotonic() - started
        time.sleep(2)  # the last send log writes
        status, total, sent = shell(CHECK.format(pk=pk), env).split()
        early = next(s for s in samples if s[0] >= elapsed * 0.2)
        memory_growth = max(
            (end - start) / start for start, end in zip(early[2], samples[-1][2], strict=True)
        )
        received = sink_count(count_file)
        for p in processes:
            p.terminate()
        for p in processes:
            p.wait(timeout=60)
        top = ceiling(env, port, min(3000, subscribers), workers)
        return {
            "setup": setup,
            "workers": workers,
            "subscribers": seeded,
            "received": received,
            "status": status,
            "sent_in_log": int(sent),
            "total": int(total),
            "seconds": elapsed,
            "rate": seeded / elapsed,
            "ceiling": top,
            "rss_mib": [round(kib / 1024, 1) for kib in samples[-1][2]],
            "rss_early_mib": [round(kib / 1024, 1) for kib in early[2]],
            "memory_growth": memory_growth,
        }
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
        sink.terminate()
        if redis:
            redis.terminate()
        shutil.rmtree(var, ignore_errors=True)


def checks(result, smoke):
    problems = []
    if result["received"] != result["subscribers"]:
        problems.append(f"sink received {result['received']} for {result['subscribers']}")
    if result["status"] != "done" or result["sent_in_log"] != result["total"]:
        problems.append(f"send log: {result['status']}, {result['sent_in_log']}/{result['total']}")
    if not smoke:
        if result["rate"] < TARGET_RATE:
            problems.append(f"{result['rate']:.0f} msg/s is under {TARGET_RATE}")
        if result["memory_growth"] > MEMORY_GROWTH:
            problems.append(f"worker memory grew {result['memory_growth']:.0%}")
    return problems


def line(r):
    return (
        f"| {r['setup']} | {r['workers']} | {r['subscribers']:,} | {r['seconds']:.0f} s | "
        f"**{r['rate']:.0f}** | {r['ceiling']:.0f} | {r['rate'] / r['ceiling']:.2f} | "
        f"{' / '.join(map(str, r['rss_early_mib']))} → {' / '.join(map(str, r['rss_mib']))} "
        f"({r['memory_growth']:+.1%}) | {r['status']}, {r['sent_in_log']:,} sent |"
    )


def write_results(results, args):
    rows = "\n".join(line(r) for r in results)
    text = f"""# Mail benchmark results

Written by `make bench-mail` (`python bench/mail.py`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC,
{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores.
The sink (aiosmtpd, bench/mail_sink.py) and the workers share the machine's cores.

Target: at least {TARGET_RATE} messages per second end to end (Send pressed → the sink has
accepted one message per subscriber), worker memory flat within {MEMORY_GROWTH:.0%}.

| setup | workers | subscribers | time | msg/s | ceiling msg/s | ratio | worker RSS MiB | send log |
|---|---|---|---|---|---|---|---|---|
{rows}

*worker RSS MiB*: each worker's process tree at 20 % of the run → at the end.
*ceiling*: a bare smtplib client sending one pre-built copy of the same message to the same
sink from as many processes as workers, in the same run: what SMTP and the sink allow.
Each message is the demo issue (~40 kB HTML + ~23 kB text) with the subscriber's own
unsubscribe link, List-Unsubscribe headers and Message-ID.
"""
    RESULTS.write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--setups", default="embedded,production")
    parser.add_argument("--timeout", type=int, default=1800)
    args = parser.parse_args()
    if args.smoke:
        args.subscribers, args.setups, args.timeout = 1000, "embedded", 300
    workdir = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    results, failed = [], []
    try:
        for setup in args.setups.split(","):
            result = bench_setup(setup, args.subscribers, args.workers, workdir, args.timeout)
            results.append(result)
            print(line(result), flush=True)
            failed += [f"{setup}: {p}" for p in checks(result, args.smoke)]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if not args.smoke and args.subscribers >= 100_000:
        write_results(results, args)
    if failed:
        raise SystemExit("\n".join(failed))


if __name__ == "__main__":
    main()
