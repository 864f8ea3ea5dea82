"""Load benchmark: real gunicorn (config/gunicorn.conf.py), real wrk, ratios to a static file.

    python bench/run.py                 # full run: both setups, demo and bulk archives
    python bench/run.py --smoke         # a few seconds, small data: CI runs this

Two setups, the two a site runs as:

* ``embedded``: what ``make run`` serves, as it is: SQLite, the database
  cache, the content version in a file, development settings with DEBUG off,
  the access log on (into a file here instead of a terminal);
* ``production``: PostgreSQL and Redis with ``DJANGO_ENV=production``.

For each setup and archive size it builds a fresh site in a temporary folder,
starts gunicorn with the project's own configuration (gunicorn's stock
threaded workers), and drives wrk over loopback against a static CSS file
served by whitenoise through the same gunicorn (the ceiling) and the reader
pages. Each figure is the median of several runs and is also given as a
ratio to the static file measured in the same run: absolute numbers on a
shared machine drift, and how kept-alive connections happen to spread over
gunicorn's workers moves a single run. Results go to bench/RESULTS.md (full
runs only).
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
SECRET = "bench-" + uuid.uuid4().hex * 2

DEMO_ISSUE = "/issues/ai-research-highlights-june-july-2023/"
DEMO_PAGE = "demo issue, no cache, 1 reader"
SIZES = {
    "demo": None,  # the demo issue: 21 papers
    "bulk": {"issues": 1000, "papers": 25, "comments": 500_000},
    "smoke": {"issues": 8, "papers": 25, "comments": 4_000},
}
SETUPS = ("embedded", "production")
CACHED_PAGES = (
    "home", "issue", "paper", "tag", "browser, filtered", "search", "issues feed",
)  # fmt: skip
CONDITIONAL = "issue, conditional GET (304)"
UNCACHED = {  # page: the server's cache settings
    "issue, page cache off": {"PAGE_CACHE": "0", "FRAGMENT_CACHE": "1"},
    "issue, no cache at all": {"PAGE_CACHE": "0", "FRAGMENT_CACHE": "0"},
    "paper, no cache at all": {"PAGE_CACHE": "0", "FRAGMENT_CACHE": "0"},
}
# The issue's targets, as ratios to the static file (None: reported, no target).
TARGETS = {
    "embedded": {"cached": 0.5, "conditional": 0.6, "issue": 0.04, "paper": 0.05},
    "production": {"cached": 0.6, "conditional": None, "issue": 0.04, "paper": 0.05},
}
P99_TARGET_MS = 50  # production, cached pages at 16 connections


def sh(*args, env, quiet=True, timeout=1800):
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=quiet, text=True, timeout=timeout
    )
    if result.returncode:
        raise SystemExit(f"failed: {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def site_env(var, database, setup="production"):
    """The environment a site runs with, in ``var``, for one of SETUPS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_DEBUG="0",
        DIGESTS_VAR_DIR=str(var),
        DATABASE_URL=database,
        CACHE_KEY_PREFIX=f"bench-{uuid.uuid4().hex[:8]}",
        GUNICORN_MAX_REQUESTS="0",  # keep workers alive so memory growth shows
    )
    if setup == "production":
        env.update(
            DJANGO_ENV="production",
            SECRET_KEY=SECRET,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            STATIC_ROOT=str(var / "static"),
            SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
            REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
            GUNICORN_ACCESSLOG="",  # a proxy in front logs; this measures the app
            GUNICORN_LOGLEVEL="warning",
        )
    return env


def build_site(var, database, size, setup="production"):
    env = site_env(var, database, setup)
    manage = [PYTHON, "manage.py"]
    sh(*manage, "migrate", "--noinput", env=env)
    sh(*manage, "createcachetable", env=env)
    sh(*manage, "collectstatic", "--noinput", env=env)
    if SIZES[size] is not None:
        spec = SIZES[size]
        started = time.monotonic()
        sh(
            *manage, "generate_bulk",
            "--issues", str(spec["issues"]),
            "--papers-per-issue", str(spec["papers"]),
            "--comments", str(spec["comments"]),
            "--seed", "1",
            env=env,
        )  # fmt: skip
        print(f"  generated {size} archive in {time.monotonic() - started:.0f} s", flush=True)
    # The demo issue in every archive, so the same page can be timed at both sizes.
    sh(*manage, "load_demo", env=env)
    return env


class Server:
    def __init__(self, env, port):
        self.env, self.port = env, port
        self.base = f"http://127.0.0.1:{port}"

    def __enter__(self):
        self.log = open(Path(self.env["DIGESTS_VAR_DIR"]) / f"gunicorn-{self.port}.log", "a")
        self.process = subprocess.Popen(
            [GUNICORN, "config.wsgi", "-c", "config/gunicorn.conf.py"],
            cwd=ROOT,
            env={**self.env, "PORT": str(self.port)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/robots.txt", timeout=2)
                return self
            except OSError:
                time.sleep(0.3)
        self.process.kill()
        raise SystemExit("gunicorn did not start")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()

    def worker_rss_kib(self):
        """Resident memory of each worker (children of the gunicorn master)."""
        out = subprocess.run(
            ["ps", "--ppid", str(self.process.pid), "-o", "rss="], capture_output=True, text=True
        ).stdout
        return [int(v) for v in out.split()]


def discover_urls(env):
    """The pages to measure, found in the site's own data."""
    static_root = Path(env["DIGESTS_VAR_DIR"]) / "static"
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    code = (
        "from digests.models import Issue;"
        "i = Issue.objects.published().newest_first().first();"
        "p = i.papers.in_issue_order().first();"
        "t = p.tags.first();"
        "print(i.get_absolute_url(), p.get_absolute_url(), t.slug, p.section.slug)"
    )
    issue, paper, tag, section = sh(PYTHON, "manage.py", "shell", "-c", code, env=env).split()[-4:]
    return {
        "static CSS (ceiling)": "/static/" + manifest["paths"]["css/site.css"],
        "home": "/",
        "issue": issue,
        "paper": paper,
        "tag": f"/tags/{tag}/",
        "browser, filtered": f"/papers/?section={section}&tag={tag}",
        "search": "/search/?q=attention+model",
        "issues feed": "/feed/",
    }


WRK_LINE = re.compile(r"Requests/sec:\s+([\d.]+)")
LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
ERRORS = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
TOTAL = re.compile(r"(\d+) requests in")


def wrk(url, connections, seconds, headers=()):
    threads = min(2, connections)  # wrk wants a connection per thread at least
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    args += ["--timeout", "10s"]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = {p: float(v) * scale[u] for p, v, u in LATENCY.findall(out)}
    sockets = SOCKET_ERRORS.search(out)
    return {
        "rps": float(WRK_LINE.search(out)[1]),
        "p50": latency.get("50"),
        "p99": latency.get("99"),
        "errors": int(ERRORS.search(out)[1]) if ERRORS.search(out) else 0,
        "socket_errors": sum(map(int, sockets.groups())) if sockets else 0,
        "requests": int(TOTAL.search(out)[1]),
    }


def timed(url, connections, seconds, repeats, headers=()):
    """The median of ``repeats`` timed runs, each after an untimed one a quarter
    as long (every worker and thread has served the page before the clock
    starts); errors are summed over all runs, the spread of req/s kept."""
    runs = []
    for _ in range(repeats):
        wrk(url, connections, max(1, seconds // 4), headers)
        runs.append(wrk(url, connections, seconds, headers))
    middle = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
    return {
        **middle,
        "p99": statistics.median(r["p99"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
        "spread": (min(r["rps"] for r in runs), max(r["rps"] for r in runs)),
        "runs": len(runs),
    }


def etag_of(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers["ETag"]


def measure(server, urls, connections, seconds, repeats):
    rows = []
    for conns in connections:
        for name, path in urls.items():
            url = server.base + path
            urllib.request.urlopen(url, timeout=30).read()  # rendered once, stored
            rows.append({"page": name, "connections": conns, **timed(url, conns, seconds, repeats)})
            print(f"  {name:<24} c={conns:<3} {rows[-1]['rps']:8.0f} req/s", flush=True)
        issue = server.base + urls["issue"]
        conditional = [f"If-None-Match: {etag_of(issue)}"]
        result = timed(issue, conns, seconds, repeats, conditional)
        rows.append({"page": CONDITIONAL, "connections": conns, **result})
        print(f"  {'issue, 304':<24} c={conns:<3} {result['rps']:8.0f} req/s", flush=True)
    return rows


def measure_uncached(env, urls, port, conns, seconds, repeats):
    """Pages rendered on every request, each server with its own static ceiling."""
    rows = []
    for page, cache_settings in UNCACHED.items():
        path = urls[page.split(",")[0]]
        # Same cache prefix as the cached server, so its fragments are there to use.
        with Server({**env, **cache_settings}, port) as plain:
            static = timed(plain.base + urls["static CSS (ceiling)"], conns, seconds, repeats)
            result = timed(plain.base + path, conns, seconds, repeats)
            rows.append({"page": page, "connections": conns, "static_rps": static["rps"], **result})
            print(f"  {page:<24} c={conns:<3} {result['rps']:8.0f} req/s", flush=True)
            if page == "issue, no cache at all":
                # The same page at both sizes, one reader at a time: what a
                # larger archive alone does to a page's latency.
                demo = timed(plain.base + DEMO_ISSUE, 1, seconds, 1)
                rows.append({"page": DEMO_PAGE, "connections": 1, **demo})
                print(f"  {DEMO_PAGE:<24} c=1   {demo['p50']:8.1f} ms p50", flush=True)
    return rows


def run_setup(setup, database_url, sizes, connections, seconds, repeats, port, workdir):
    results = {}
    for size in sizes:
        var = Path(tempfile.mkdtemp(prefix=f"bench-{setup}-{size}-", dir=workdir))
        if setup == "production":
            database = recreate_postgres(database_url, f"digests_bench_{size}")
        else:
            database = f"sqlite:///{var / 'db.sqlite3'}"
        print(f"{setup} / {size}: building", flush=True)
        env = build_site(var, database, size, setup)
        urls = discover_urls(env)
        with Server(env, port) as server:
            rows = measure(server, urls, connections, seconds, repeats)
            rss_before = server.worker_rss_kib()
            soak = wrk(server.base + urls["issue"], connections[0], max(seconds * 4, 4))
            for path in list(urls.values())[1:]:
                wrk(server.base + path, connections[0], max(seconds, 1))
            rss_after = server.worker_rss_kib()
        rows += measure_uncached(env, urls, port + 1, connections[0], seconds, repeats)
        results[size] = {
            "rows": rows,
            "memory": {"before": rss_before, "after": rss_after, "requests": soak["requests"]},
        }
    return results


def recreate_postgres(url, name):
    base = url.rsplit("/", 1)[0]
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True, capture_output=True)
    return f"{base}/{name}"


def ratio(row, ceiling):
    static = row.get("static_rps") or ceiling.get(row["connections"])
    return row["rps"] / static if static else None


def ratio_table(rows):
    ceiling = {r["connections"]: r["rps"] for r in rows if r["page"].startswith("static CSS")}
    lines = [
        "| page | conns | req/s (median) | spread of runs | × static | p50 ms | p99 ms "
        "| non-2xx/3xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        x = ratio(r, ceiling)
        low, high = r["spread"]
        lines.append(
            f"| {r['page']} | {r['connections']} | {r['rps']:.0f} | {low:.0f}–{high:.0f} "
            f"| {f'{x:.2f}' if x is not None else '–'} | {r['p50']:.1f} | {r['p99']:.1f} "
            f"| {r['errors'] + r['socket_errors']} |"
        )
    return "\n".join(lines)


def targets(results):
    """The issue's targets, each checked against the figures."""
    checks = []
    for setup, sizes in results.items():
        goal = TARGETS[setup]
        for size, data in sizes.items():
            rows = data["rows"]
            ceiling = {r["connections"]: r["rps"] for r in rows if r["page"].startswith("static")}
            cached = [r for r in rows if r["page"] in CACHED_PAGES]
            worst = min(cached, key=lambda r: ratio(r, ceiling))
            conditional = [r for r in rows if r["page"] == CONDITIONAL]
            cond = min(conditional, key=lambda r: ratio(r, ceiling))
            issue = next(r for r in rows if r["page"] == "issue, no cache at all")
            paper = next(r for r in rows if r["page"] == "paper, no cache at all")
            p99 = max(r["p99"] for r in cached if r["connections"] == 16)
            errors = sum(r["errors"] + r["socket_errors"] for r in rows)
            mem = data["memory"]
            growth = max(
                ((after - before) / before for before, after in zip(
                    mem["before"], mem["after"], strict=False)),
                default=0,
            )  # fmt: skip

            w, c = ratio(worst, ceiling), ratio(cond, ceiling)
            i, p = ratio(issue, ceiling), ratio(paper, ceiling)
            rows_ = [
                (f"cached pages ≥ {goal['cached']}× static (worst page)",
                 f"{w:.2f}× ({worst['page']}, c={worst['connections']})", w >= goal["cached"]),
                (f"conditional GET ≥ {goal['conditional']}× static"
                 if goal["conditional"] else "conditional GET (no target)", f"{c:.2f}×",
                 c >= goal["conditional"] if goal["conditional"] else None),
                (f"issue, no cache at all ≥ {goal['issue']}× static", f"{i:.3f}×",
                 i >= goal["issue"]),
                (f"paper, no cache at all ≥ {goal['paper']}× static", f"{p:.3f}×",
                 p >= goal["paper"]),
            ]  # fmt: skip
            if setup == "production":
                rows_.append((f"p99 of cached pages ≤ {P99_TARGET_MS} ms at 16 conns",
                              f"{p99:.1f} ms", p99 <= P99_TARGET_MS))  # fmt: skip
            rows_ += [
                ("zero non-2xx/3xx", str(errors), errors == 0),
                ("worker RSS flat within 10%",
                 f"{growth * 100:+.1f}% over {mem['requests']:,}+ requests", growth <= 0.10),
            ]  # fmt: skip
            checks += [(setup, size, *row) for row in rows_]
        if "demo" in sizes and "bulk" in sizes:
            demo, bulk = (
                next(r["p50"] for r in sizes[s]["rows"] if r["page"] == DEMO_PAGE)
                for s in ("demo", "bulk")
            )
            checks.append((setup, "bulk vs demo", f"{DEMO_PAGE}: p50 within 1.5×",
                           f"{bulk / demo:.2f}×", bulk / demo <= 1.5))  # fmt: skip
    return checks


def write_results(results, args, elapsed):
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    with open("/proc/cpuinfo") as cpuinfo:
        cpu = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
            platform.processor(),
        )
    out = [
        "# Benchmark results",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit `{commit}`; "
        f"took {elapsed / 60:.0f} min",
        f"- machine: {os.cpu_count()} CPUs ({cpu}), "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}",
        "- gunicorn with config/gunicorn.conf.py (stock gthread workers: "
        f"{os.cpu_count() * 2 + 1} workers × 4 threads); "
        f"wrk -t2, {args.seconds} s per run after {max(1, args.seconds // 4)} s not counted, "
        f"median of {args.repeats} runs; loopback; wrk shares the cores with the server",
        "- setups: **embedded** = `make run` as it is (SQLite, database cache, content "
        "version in a file, access log on); **production** = PostgreSQL + Redis, "
        "`DJANGO_ENV=production`, access log off",
        "- bulk archive: `generate_bulk --issues 1000 --papers-per-issue 25 "
        "--comments 500000 --seed 1`",
        "",
        "## Targets",
        "",
        "| setup | size | target | measured | met |",
        "|---|---|---|---|---|",
    ]
    for setup, size, target, value, met in targets(results):
        verdict = "–" if met is None else "yes" if met else "**no**"
        out.append(f"| {setup} | {size} | {target} | {value} | {verdict} |")
    for setup, sizes in results.items():
        for size, data in sizes.items():
            out += ["", f"## {setup}, {size} archive", "", ratio_table(data["rows"])]
            mem = data["memory"]
            out += [
                "",
                "Rows “no cache at all” and “page cache off” come from a second server "
                "with those settings; their ratio is to the static file measured on that "
                "server in the same run.",
                "",
                f"Worker RSS (KiB) before: {mem['before']}, after {mem['requests']:,}+ more "
                f"requests: {mem['after']}",
            ]
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(out) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="small data, short runs (CI)")
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per figure (median)")
    parser.add_argument("--setups", default=",".join(SETUPS))
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--port", type=int, default=18900)
    parser.add_argument("--sizes", default="demo,bulk", help="demo and/or bulk")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    if args.smoke:
        args.seconds, args.repeats = 1, 1
    sizes = ["smoke"] if args.smoke else args.sizes.split(",")
    connections = [16] if args.smoke else [16, 64]
    setups = ["embedded"] if args.smoke else args.setups.split(",")
    workdir = tempfile.mkdtemp(prefix="digests-bench-")
    started = time.monotonic()
    results = {}
    try:
        for setup in setups:
            results[setup] = run_setup(
                setup, args.postgres_url, sizes, connections, args.seconds, args.repeats,
                args.port, workdir,
            )  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    errors = sum(
        r["errors"] + r["socket_errors"]
        for d in results.values()
        for s in d.values()
        for r in s["rows"]
    )
    if args.smoke:
        print(f"smoke benchmark: {errors} non-2xx/3xx or socket errors")
        raise SystemExit(1 if errors else 0)
    write_results(results, args, time.monotonic() - started)
    print("wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()
