"""Load benchmark: real gunicorn (config/gunicorn.conf.py), real wrk, ratios to a static file.

    python bench/run.py                 # full run: SQLite and PostgreSQL, demo and bulk size
    python bench/run.py --smoke         # a few seconds, small data: CI runs this

For each database and archive size it builds a fresh site in a temporary
folder, starts the production configuration under gunicorn, and drives wrk
over loopback at 16 and 64 connections against a static CSS file (the
ceiling) and the reader pages. Every figure is also given as a ratio to the
static file measured in the same run, because absolute numbers on a shared
machine drift. Results go to bench/RESULTS.md (full runs only).
"""

import argparse
import json
import os
import platform
import re
import shutil
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


def sh(*args, env, quiet=True, timeout=1800):
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=quiet, text=True, timeout=timeout
    )
    if result.returncode:
        raise SystemExit(f"failed: {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def site_env(var, database):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database,
        DIGESTS_VAR_DIR=str(var),
        STATIC_ROOT=str(var / "static"),
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        CACHE_KEY_PREFIX=f"bench-{uuid.uuid4().hex[:8]}",
        PAGE_CACHE="1",
        FRAGMENT_CACHE="1",
        GUNICORN_ACCESSLOG="",  # logging every request would measure the disk
        GUNICORN_MAX_REQUESTS="0",  # keep workers alive so memory growth shows
        GUNICORN_LOGLEVEL="warning",
    )
    return env


def build_site(var, database, size):
    env = site_env(var, database)
    manage = [PYTHON, "manage.py"]
    sh(*manage, "migrate", "--noinput", env=env)
    sh(*manage, "createcachetable", env=env)
    sh(*manage, "collectstatic", "--noinput", env=env)
    if SIZES[size] is None:
        sh(*manage, "load_demo", env=env)
    else:
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
        # The demo issue too, so the same page can be timed at both sizes.
        sh(*manage, "load_demo", env=env)
    return env


class Server:
    def __init__(self, env, port):
        self.env, self.port = env, port
        self.base = f"http://127.0.0.1:{port}"

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "config.wsgi",
                "-c",
                "config/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            cwd=ROOT,
            env=self.env,
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

    def worker_rss_kib(self):
        """Resident memory of each worker (children of the gunicorn master)."""
        out = subprocess.run(
            ["ps", "--ppid", str(self.process.pid), "-o", "rss="], capture_output=True, text=True
        ).stdout
        return [int(v) for v in out.split()]


def discover_urls(server, env):
    """The pages to measure, found on the running site itself."""
    manifest = json.loads((Path(env["STATIC_ROOT"]) / "staticfiles.json").read_text())
    css = "/static/" + manifest["paths"]["css/site.css"]
    code = (
        "from digests.models import Issue, Paper;"
        "i = Issue.objects.published().newest_first().first();"
        "p = i.papers.in_issue_order().first();"
        "t = p.tags.first();"
        "print(i.get_absolute_url(), p.get_absolute_url(), t.slug, p.section.slug)"
    )
    out = sh(PYTHON, "manage.py", "shell", "-c", code, env=env).split()
    issue, paper, tag, section = out[-4:]
    return {
        "static CSS (ceiling)": css,
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


def etag_of(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers["ETag"]


def warm_up(seconds):
    """Not counted: a quarter of a run's time, so that every worker and thread has
    served the page (its own copy, its connections) before the timed run starts."""
    return max(1, seconds // 4)


def measure(server, urls, connections, seconds):
    rows = []
    for conns in connections:
        for name, path in urls.items():
            url = server.base + path
            urllib.request.urlopen(url, timeout=30).read()  # rendered once, stored
            wrk(url, conns, warm_up(seconds))
            rows.append({"page": name, "connections": conns, **wrk(url, conns, seconds)})
            print(f"  {name:<22} c={conns:<3} {rows[-1]['rps']:8.0f} req/s", flush=True)
        issue = server.base + urls["issue"]
        conditional = [f"If-None-Match: {etag_of(issue)}"]
        wrk(issue, conns, warm_up(seconds), headers=conditional)
        result = wrk(issue, conns, seconds, headers=conditional)
        rows.append({"page": "issue, conditional GET (304)", "connections": conns, **result})
        print(f"  {'issue, 304':<22} c={conns:<3} {result['rps']:8.0f} req/s", flush=True)
    return rows


def run_database(label, database_url, sizes, connections, seconds, port, workdir):
    results = {}
    for size in sizes:
        var = Path(tempfile.mkdtemp(prefix=f"bench-{label}-{size}-", dir=workdir))
        if database_url.startswith("postgres"):
            database = recreate_postgres(database_url, f"digests_bench_{size}")
        else:
            database = f"sqlite:///{var / 'db.sqlite3'}"
        print(f"{label} / {size}: building", flush=True)
        env = build_site(var, database, size)
        with Server(env, port) as server:
            urls = discover_urls(server, env)
            rows = measure(server, urls, connections, seconds)
            rss_before = server.worker_rss_kib()
            soak = wrk(server.base + urls["issue"], connections[0], max(seconds * 4, 4))
            for path in list(urls.values())[1:]:
                wrk(server.base + path, connections[0], max(seconds, 1))
            rss_after = server.worker_rss_kib()
        # The page rendered on every request: with its cards and comments from the
        # fragment cache (what a page-cache miss after an edit elsewhere costs),
        # then with no cache at all (a cold start).
        for page, fragment_cache in (
            ("issue, page cache off", True),
            ("issue, no cache at all", False),
        ):
            # Same cache prefix as the site above, so its fragments are there to use.
            plain_env = {**env, "PAGE_CACHE": "0", "FRAGMENT_CACHE": str(int(fragment_cache))}
            with Server(plain_env, port + 1) as plain:
                wrk(plain.base + urls["issue"], connections[0], warm_up(seconds))
                uncached = wrk(plain.base + urls["issue"], connections[0], seconds)
                uncached.update(page=page, connections=connections[0])
                rows.append(uncached)
                print(f"  {page:<22} c={connections[0]:<3} {uncached['rps']:8.0f} req/s")
                if not fragment_cache:
                    # The same page at both sizes, one reader at a time: what a
                    # larger archive alone does to a page's latency.
                    demo = wrk(plain.base + DEMO_ISSUE, 1, seconds)
                    demo.update(page=DEMO_PAGE, connections=1)
                    rows.append(demo)
                    print(f"  {DEMO_PAGE:<22} c=1   {demo['p50']:8.1f} ms p50")
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


def ratio_table(rows):
    ceiling = {r["connections"]: r for r in rows if r["page"].startswith("static CSS")}
    lines = [
        "| page | conns | req/s | × static | p50 ms | p99 ms | non-2xx/3xx |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        static = ceiling.get(r["connections"])
        ratio = f"{r['rps'] / static['rps']:.2f}" if static else "–"
        lines.append(
            f"| {r['page']} | {r['connections']} | {r['rps']:.0f} | {ratio} "
            f"| {r['p50']:.1f} | {r['p99']:.1f} | {r['errors'] + r['socket_errors']} |"
        )
    return "\n".join(lines)


def p50(sizes, size, page):
    return next(r["p50"] for r in sizes[size]["rows"] if r["page"] == page)


def targets(results):
    """The issue's targets, each checked against the figures."""
    checks = []
    for db, sizes in results.items():
        for size, data in sizes.items():
            rows = data["rows"]
            ceiling = {r["connections"]: r["rps"] for r in rows if r["page"].startswith("static")}
            cached = [
                r
                for r in rows
                if not r["page"].startswith(("static", "issue, c", "issue, p", "issue, n", "demo"))
            ]
            worst = min(r["rps"] / ceiling[r["connections"]] for r in cached)
            cond = [r for r in rows if r["page"].startswith("issue, conditional")]
            worst_cond = min(r["rps"] / ceiling[r["connections"]] for r in cond)
            plain = next(r for r in rows if r["page"] == "issue, page cache off")
            cold = next(r for r in rows if r["page"] == "issue, no cache at all")
            p99 = max(r["p99"] for r in cached if r["connections"] == 16)
            errors = sum(r["errors"] + r["socket_errors"] for r in rows)
            mem = data["memory"]
            growth = (
                max(
                    (after - before) / before
                    for before, after in zip(mem["before"], mem["after"], strict=False)
                )
                if mem["before"]
                else 0
            )
            checks += [
                (db, size, "cached pages ≥ 0.7× static", f"{worst:.2f}×", worst >= 0.7),
                (db, size, "conditional GET ≥ 0.8× static", f"{worst_cond:.2f}×",
                 worst_cond >= 0.8),
                (db, size, "uncached issue ≥ 0.25× static (page cache off, fragments cached)",
                 f"{plain['rps'] / ceiling[plain['connections']]:.2f}×",
                 plain["rps"] / ceiling[plain["connections"]] >= 0.25),
                (db, size, "uncached issue ≥ 0.25× static (no cache at all)",
                 f"{cold['rps'] / ceiling[cold['connections']]:.2f}×",
                 cold["rps"] / ceiling[cold["connections"]] >= 0.25),
                (db, size, "p99 of cached pages ≤ 50 ms at 16 conns", f"{p99:.1f} ms", p99 <= 50),
                (db, size, "zero non-2xx/3xx", str(errors), errors == 0),
                (db, size, "worker RSS flat within 10%",
                 f"{growth * 100:+.1f}% over {mem['requests']:,}+ requests", growth <= 0.10),
            ]  # fmt: skip
        if "demo" in sizes and "bulk" in sizes:
            for page in (DEMO_PAGE,):
                ratio = p50(sizes, "bulk", page) / p50(sizes, "demo", page)
                checks.append(
                    (db, "bulk vs demo", f"{page}: p50 within 1.5×", f"{ratio:.2f}×", ratio <= 1.5)
                )
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
        f"- gunicorn with config/gunicorn.conf.py (production settings, Redis cache), "
        f"wrk -t2, {args.seconds} s per run after {warm_up(args.seconds)} s not counted, "
        "loopback; wrk shares the 2 cores with the server",
        "- bulk archive: `generate_bulk --issues 1000 --papers-per-issue 25 "
        "--comments 500000 --seed 1`",
        "",
        "## Targets",
        "",
        "| database | size | target | measured | met |",
        "|---|---|---|---|---|",
    ]
    for db, size, target, value, met in targets(results):
        out.append(f"| {db} | {size} | {target} | {value} | {'yes' if met else '**no**'} |")
    for db, sizes in results.items():
        for size, data in sizes.items():
            out += ["", f"## {db}, {size} archive", "", ratio_table(data["rows"])]
            mem = data["memory"]
            out += [
                "",
                f"Worker RSS (KiB) before: {mem['before']}, after {mem['requests']:,}+ more "
                f"requests: {mem['after']}",
            ]
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(out) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="small data, short runs (CI)")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--databases", default="sqlite,postgres")
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
        args.seconds = 1
    sizes = ["smoke"] if args.smoke else args.sizes.split(",")
    connections = [16] if args.smoke else [16, 64]
    databases = ["sqlite"] if args.smoke else args.databases.split(",")
    workdir = tempfile.mkdtemp(prefix="digests-bench-")
    started = time.monotonic()
    results = {}
    try:
        for db in databases:
            url = "sqlite" if db == "sqlite" else args.postgres_url
            results[db] = run_database(
                db, url, sizes, connections, args.seconds, args.port, workdir
            )
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
