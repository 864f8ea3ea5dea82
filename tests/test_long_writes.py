"""A large import never stops the site (the attack suite's long-write probe).

On SQLite a transaction that writes locks out every other writer: comment
posts, and the database cache that a page missing from the cache writes to,
as /healthz does. An import of 5,000 papers used to hold that lock for 42 s,
during which /healthz answered 503 and a comment waited 36 s. Here real
gunicorn serves the demo site while ``import_digest`` writes 5,000 papers
beside it, and readers keep asking.
"""

import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from .servers import ROOT, demo_site, gunicorn
from .test_processes import ISSUE, SECRET, Reader

PAPERS = 5000
SECTIONS = 10
WORST_ALLOWED_SECONDS = 2.0


def large_draft(papers=PAPERS):
    """A plain-text draft as an editor pastes one, 500 papers per section."""
    lines = ["An enormous issue, to see whether the site keeps answering.", ""]
    per_section = papers // SECTIONS
    for section in range(SECTIONS):
        lines += [f"Bulk Section {section + 1}", ""]
        for n in range(per_section):
            number = section * per_section + n
            lines += [
                f"Paper number {number} on efficient attention "
                f"(6 Jul, https://arxiv.org/abs/2307.{10000 + number:05d})",
                "",
                f"Annotation {number}: what the paper does and why it *matters*.",
                "",
            ]
    return "\n".join(lines)


def timed(request_function):
    started = time.monotonic()
    try:
        status = request_function()
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        status = f"failed: {error}"
    return status, time.monotonic() - started


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        return response.status


@pytest.mark.slow
def test_readers_keep_being_answered_while_5000_papers_are_imported(tmp_path):
    var = tmp_path / "site"
    var.mkdir()
    env = demo_site(var, SECRET)
    draft = tmp_path / "huge.txt"
    draft.write_text(large_draft())

    worst = {"healthz": 0.0, "page not in the cache": 0.0, "comment post": 0.0}
    answers = {name: [] for name in worst}
    with gunicorn(env, workers=2) as base:
        importer = subprocess.Popen(
            [sys.executable, "manage.py", "import_digest", str(draft), "--title", "Huge"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        stop = threading.Event()

        def keep_asking(name, ask):
            while not stop.is_set():
                status, seconds = timed(ask)
                answers[name].append(status)
                worst[name] = max(worst[name], seconds)
                time.sleep(0.05)

        counter = iter(range(10**6))
        readers = [
            threading.Thread(
                target=keep_asking, args=("healthz", lambda: fetch(base + "/healthz"))
            ),
            threading.Thread(
                target=keep_asking,
                args=("page not in the cache", lambda: fetch(f"{base}{ISSUE}?n={next(counter)}")),
            ),
            threading.Thread(
                target=keep_asking,
                args=(
                    "comment post",
                    lambda: Reader(base).post_comment(
                        f"Posted during the import {next(counter)}",
                        email=f"r{next(counter)}@example.org",
                    )[0],
                ),
            ),
        ]
        for reader in readers:
            reader.start()
        try:
            out, err = importer.communicate(timeout=600)
        finally:
            stop.set()
            for reader in readers:
                reader.join(timeout=120)

    assert importer.returncode == 0, err
    assert f"Papers ({PAPERS})" in out
    for name, statuses in answers.items():
        assert len(statuses) >= 3, f"{name} was asked only {len(statuses)} times"
        assert all(status in (200, 429) for status in statuses), (name, statuses)
    assert 200 in answers["comment post"]  # the first post landed; later ones hit the 15 s limit
    assert max(worst.values()) < WORST_ALLOWED_SECONDS, worst


@pytest.mark.django_db
@pytest.mark.parametrize("existing", [False, True], ids=["new issue", "existing draft"])
def test_an_import_that_fails_in_a_later_batch_changes_nothing(monkeypatch, existing):
    from django.db import IntegrityError

    from digests.drafts import writer
    from digests.models import Issue, Paper, Section

    monkeypatch.setattr(writer, "PAUSE_BETWEEN_BATCHES", 0)
    if existing:
        writer.import_draft(text=large_draft(papers=10), title="Huge")
    before = (
        list(Issue.objects.values_list("title", "intro", "slug")),
        sorted(Paper.objects.values_list("arxiv_id", "title", "annotation")),
        sorted(Section.objects.values_list("name", flat=True)),
    )
    calls = []
    real = writer.bulk_create_with_history

    def second_batch_conflicts(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise IntegrityError("UNIQUE constraint failed: digests_paper.slug")
        return real(*args, **kwargs)

    monkeypatch.setattr(writer, "bulk_create_with_history", second_batch_conflicts)
    draft = large_draft(papers=1200).replace("An enormous issue", "A changed intro")
    with pytest.raises(writer.ImportRefused, match="import the draft again"):
        writer.import_draft(text=draft, title="Huge")
    assert len(calls) == 2  # the first batch of 500 was written, then taken back
    after = (
        list(Issue.objects.values_list("title", "intro", "slug")),
        sorted(Paper.objects.values_list("arxiv_id", "title", "annotation")),
        sorted(Section.objects.values_list("name", flat=True)),
    )
    assert after == before
