"""Search speed at 25,000 papers, measured in-process, on SQLite and PostgreSQL.

    python bench/search.py          # 1,000 issues x 25 papers; writes bench/SEARCH_RESULTS.md
    python bench/search.py --smoke    # 200 papers, a few seconds (CI runs this)

For each database it builds a fresh archive with ``generate_bulk`` (the index
is filled by the database triggers as rows arrive, as on a live site), then a
child process with Django set up runs a fixed list of queries:

* "search": what the search page asks the index for, i.e. the count and the
  first page of 20 ranked papers with their highlighted snippets;
* "page": the whole /search/ page through Django's test client, page cache
  off: filters, facets, matching issues, template.

Each query runs REPEAT times after a warm-up; the report gives medians and
90th percentiles, and the SQL query count of every page (which must be the
same for every query, whatever it matches).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

# Common words, rarer words, phrases, exclusions, alternatives, an author, a tag
# and combinations with filters; made-up terms come from generate_bulk's vocabulary.
QUERIES = [
    {"q": "attention"},
    {"q": "model training"},
    {"q": "sparse retrieval"},
    {"q": '"long context"'},
    {"q": "efficient -diffusion"},
    {"q": "quantized or pruned"},
    {"q": "turing"},
    {"q": "mixture of experts"},
    {"q": "latency throughput hardware"},
    {"q": "kalomi"},
    {"q": "gradient", "tag": "efficiency"},
    {"q": "benchmark", "order": "-date"},
    {"q": "ablation noise signal robust"},
    {"q": "nonexistentword"},
]
TARGET_MS = 20.0


def sh(args, env, timeout=3600):
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode:
        raise SystemExit(f"failed: {' '.join(args)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def site_env(var, database):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_DEBUG="0",
        DATABASE_URL=database,
        DIGESTS_VAR_DIR=str(var),
        STATIC_ROOT=str(var / "static"),
        PAGE_CACHE="0",
        REDIS_URL="",
    )
    return env


def build(env, issues):
    sh([PYTHON, "manage.py", "migrate", "--noinput"], env)
    sh([PYTHON, "manage.py", "createcachetable"], env)
    sh([PYTHON, "manage.py", "collectstatic", "--noinput"], env)
    started = time.monotonic()
    sh(
        [
            PYTHON, "manage.py", "generate_bulk", "--issues", str(issues),
            "--papers-per-issue", "25", "--comments", "0", "--seed", "1",
        ],
        env,
    )  # fmt: skip
    return time.monotonic() - started


def recreate_postgres(url, name):
    base = url.rsplit("/", 1)[0]
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True, capture_output=True)
    return f"{base}/{name}"


# --- The measuring child ------------------------------------------------------------


def measure(repeat):
    """Runs inside a child process with the site's environment; prints JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.http import QueryDict
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils.http import urlencode

    from digests.models import Paper
    from digests.search import engine
    from digests.search.filters import PaperFilter, filter_data

    setup_test_environment()  # lets the test client see the rendered context
    client = Client()
    rows = []
    for params in QUERIES:

        def run_search(params=params):
            # The query string as the view gets it: a plain dict is not valid for
            # the tag filter, which wants a list, and would time no search at all.
            data = filter_data(QueryDict(urlencode(params)))
            filterset = PaperFilter.published(data)
            query = filterset.search_query
            if filterset.ordering == "relevance":
                results = filterset.ranked()
                return results.count(), results[0:20]
            papers = filterset.qs
            page = engine.annotate_matches(list(papers.for_listing()[:20]), query)
            return papers.count(), page

        def run_page(params=params):
            response = client.get("/search/", params)
            assert response.status_code == 200, response.status_code
            return response

        run_search(), run_page()  # warm-up: caches, prepared plans
        search_times, page_times = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            count, _ = run_search()
            search_times.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            run_page()
            page_times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            run_page()
        rows.append(
            {
                "query": "&".join(f"{k}={v}" for k, v in params.items()),
                "matches": count,
                "search": search_times,
                "page": page_times,
                "sql": len(queries),
            }
        )
    print(json.dumps({"papers": Paper.objects.count(), "rows": rows}))


# --- Report -------------------------------------------------------------------------


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def table(label, data, built):
    rows = data["rows"]
    all_search = [t for row in rows for t in row["search"]]
    all_page = [t for row in rows for t in row["page"]]
    per_query_medians = [statistics.median(row["search"]) for row in rows]
    lines = [
        f"### {label}: {data['papers']:,} papers (archive built in {built:.0f} s)",
        "",
        "| query | matches | search p50 ms | search p90 ms | page p50 ms | SQL queries |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| `{row['query']}` | {row['matches']:,} | {statistics.median(row['search']):.1f} "
            f"| {pct(row['search'], 0.9):.1f} | {statistics.median(row['page']):.1f} "
            f"| {row['sql']} |"
        )
    median = statistics.median(all_search)
    lines += [
        "",
        f"- search, median of all runs: **{median:.1f} ms** "
        f"(target ≤ {TARGET_MS:.0f} ms: {'met' if median <= TARGET_MS else 'NOT met'}); "
        f"median of the per-query medians {statistics.median(per_query_medians):.1f} ms; "
        f"p90 {pct(all_search, 0.9):.1f} ms; worst query median {max(per_query_medians):.1f} ms",
        f"- whole search page, median: {statistics.median(all_page):.1f} ms",
        "- SQL queries per page: by the query's shape (no match skips fetching papers, "
        "a tag filter adds its validation, date order needs no ranking query), never by "
        "the archive's size: compare with the smoke run's counts",
        "",
    ]
    return "\n".join(lines), median


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="200 papers, no results file")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.smoke else 15)
    if args.measure:
        measure(repeat)
        return

    issues = 8 if args.smoke else 1000
    databases = [] if args.postgres_only else [("SQLite (FTS5)", None)]
    if not args.sqlite_only:
        databases.append(("PostgreSQL (tsvector + GIN)", args.postgres))
    sections, medians = [], {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as workdir:
        for label, url in databases:
            var = Path(workdir) / label.split()[0].lower()
            var.mkdir()
            if url:
                database = recreate_postgres(url, "digests_bench_search")
            else:
                database = f"sqlite:///{var / 'db.sqlite3'}"
            env = site_env(var, database)
            print(f"{label}: building {issues * 25:,} papers", flush=True)
            built = build(env, issues)
            out = sh([PYTHON, __file__, "--measure", "--repeat", str(repeat)], env)
            data = json.loads(out.strip().splitlines()[-1])
            text, medians[label] = table(label, data, built)
            print(text, flush=True)
            sections.append(text)

    if args.smoke:
        return
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    header = [
        "# Search benchmark results",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit}; "
        f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "- archive: `generate_bulk --issues 1000 --papers-per-issue 25 --comments 0 --seed 1` "
        "(Zipf-distributed vocabulary of ~4,100 terms; annotations ~100 words, abstracts ~70)",
        f"- each query {repeat} times after a warm-up; in-process, page cache off; "
        f"total run {time.monotonic() - started:.0f} s",
        "- regenerate: `make bench-search`",
        "",
    ]
    (ROOT / "bench" / "SEARCH_RESULTS.md").write_text("\n".join(header + sections))


if __name__ == "__main__":
    main()
