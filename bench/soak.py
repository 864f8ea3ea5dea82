"""Soak test: readers and commenters together, for minutes, against the production setup.

    python bench/soak.py                     # 10 minutes on SQLite, 16 connections
    python bench/soak.py --postgres          # the same on PostgreSQL
    python bench/soak.py --smoke             # 5 seconds (CI)

wrk (bench/soak.lua) reads the demo's pages, and one request in ten posts a
comment from a reader of its own (X-Forwarded-For behind one trusted proxy).
Afterwards it checks what must hold however long it runs: no 5xx and no socket
errors, every comment the site accepted (302) is stored and none it refused,
and the workers' memory stays flat. A full run writes bench/SOAK_RESULTS.md.
"""

import argparse
import http.cookiejar
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # bench/run.py: site building, gunicorn, worker memory

ROOT = run.ROOT
ISSUE = "/issues/ai-research-highlights-june-july-2023/"
READ = [
    "/",
    ISSUE,
    "/papers/lost-in-the-middle-how-language-models-use-long-contexts/",
    "/papers/",
    "/tags/",
    "/search/?q=attention+model",
    "/feed/",
]


def soak_env(var, database):
    env = run.site_env(var, database)
    env.update(
        TRUSTED_PROXY_COUNT="1",  # wrk plays the proxy: each comment has its own reader
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    return env


def form_secrets(base):
    """A CSRF cookie and token, and a form time signed a minute ago (valid two hours)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + ISSUE, timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    cookie = next(c.value for c in jar if c.name == "csrftoken")
    code = (
        "import time; from django.core import signing;"
        "from digests.comments.forms import TIMESTAMP_SALT;"
        "print(signing.dumps(time.time() - 60, salt=TIMESTAMP_SALT))"
    )
    return cookie, token, code


def stored_comments(env):
    code = (
        "from digests.models import Comment;"
        "print(Comment.objects.filter(body__startswith='Soak comment').count())"
    )
    return int(run.sh(run.PYTHON, "manage.py", "shell", "-c", code, env=env).split()[-1])


def drive(base, seconds, connections, secrets):
    """One wrk run of bench/soak.lua; its summary as a dict."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    script = str(ROOT / "bench" / "soak.lua")
    out = subprocess.run(
        [*args, "-s", script, base, "--", ISSUE, *secrets, *READ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    ).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("SOAK ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no summary:\n{out}")
    result = json.loads(line[5:])
    result["statuses"] = {int(k): v for k, v in result["statuses"].items()}
    return result


def soak(env, port, seconds, connections, warm_up):
    with run.Server(env, port) as server:
        cookie, token, code = form_secrets(server.base)
        shown_at = run.sh(run.PYTHON, "manage.py", "shell", "-c", code, env=env).split()[-1]
        secrets = (cookie, token, shown_at)
        # Workers load templates and fill their caches first: memory is measured after.
        first = drive(server.base, warm_up, connections, secrets)
        rss_before = server.worker_rss_kib()
        result = drive(server.base, seconds, connections, secrets)
        rss_after = server.worker_rss_kib()
    result.update(
        accepted=first["statuses"].get(302, 0) + result["statuses"].get(302, 0),
        stored=stored_comments(env),
        rss_before=rss_before,
        rss_after=rss_after,
        connections=connections,
    )
    return result


def checks(result, smoke=False):
    statuses = result["statuses"]
    server_errors = sum(v for k, v in statuses.items() if k >= 500)
    accepted, stored = result["accepted"], result["stored"]
    # wrk stops counting with requests still in flight, which the site may still
    # store: at most one per connection (each run) beyond those counted.
    in_flight = 2 * result["connections"]
    growth = max(
        ((after - before) / before for before, after in zip(
            result["rss_before"], result["rss_after"], strict=False)),
        default=0,
    )  # fmt: skip
    return [
        ("no 5xx responses", str(server_errors), server_errors == 0),
        ("no socket errors", str(result["socket_errors"]), result["socket_errors"] == 0),
        (
            "every accepted comment stored (± requests in flight at the end)",
            f"{accepted} accepted, {stored} stored",
            0 < accepted <= stored <= accepted + in_flight,
        ),
        ("worker RSS flat within 10%", f"{growth * 100:+.1f}%", growth <= 0.10 or smoke),
    ]


def report(label, result, seconds, connections, smoke=False):
    rows = checks(result, smoke)
    lines = [
        f"## {label}: {seconds} s at {connections} connections",
        "",
        f"- {result['requests']:,} requests ({result['requests'] / result['seconds']:.0f}/s), "
        f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms",
        "- responses: "
        + ", ".join(f"{k}: {v:,}" for k, v in sorted(result["statuses"].items())),
        f"- worker RSS KiB before {result['rss_before']}, after {result['rss_after']}",
        "",
        "| check | measured | met |",
        "|---|---|---|",
        *(f"| {name} | {value} | {'yes' if ok else '**no**'} |" for name, value, ok in rows),
        "",
    ]
    return "\n".join(lines), all(ok for _, _, ok in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument(
        "--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--port", type=int, default=18950)
    parser.add_argument("--smoke", action="store_true", help="5 seconds, 8 connections")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    if args.smoke:
        args.seconds, args.connections = 5, 8
    # Memory needs a long run to mean anything; a smoke run only reports it.
    workdir = Path(tempfile.mkdtemp(prefix="digests-soak-"))
    try:
        if args.postgres:
            database, label = run.recreate_postgres(args.postgres_url, "digests_soak"), "PostgreSQL"
        else:
            database, label = f"sqlite:///{workdir / 'db.sqlite3'}", "SQLite"
        env = run.build_site(workdir, database, "demo")
        env = soak_env(workdir, database) | {"CACHE_KEY_PREFIX": env["CACHE_KEY_PREFIX"]}
        started = time.monotonic()
        warm_up = 2 if args.smoke else 30
        result = soak(env, args.port, args.seconds, args.connections, warm_up)
        text, ok = report(label, result, args.seconds, args.connections, args.smoke)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(text)
    if not args.smoke:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        header = (
            "# Soak results\n\n"
            f"- {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit `{commit}`, "
            f"took {(time.monotonic() - started) / 60:.0f} min; `python bench/soak.py"
            f"{' --postgres' if args.postgres else ''} --seconds {args.seconds}`\n\n"
        )
        (ROOT / "bench" / "SOAK_RESULTS.md").write_text(header + text)
        print("wrote bench/SOAK_RESULTS.md")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
