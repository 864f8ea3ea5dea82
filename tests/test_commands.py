import csv
import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command

from digests.models import Issue, Paper, Section

pytestmark = pytest.mark.django_db

SHARED_CSV = Path(__file__).resolve().parents[2] / "shared" / "demo" / "highlights-2023-06-07.csv"


def run(*args, **kwargs):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out, **kwargs)
    return out.getvalue()


def snapshot():
    """Every stored row of the content models, timestamps included."""
    rows = [*Section.objects.all(), *Issue.objects.all(), *Paper.objects.all()]
    tags = sorted((p.pk, t.name) for p in Paper.objects.all() for t in p.tags.all())
    return serializers.serialize("json", rows), tags


def test_load_demo_builds_the_june_july_issue_in_order():
    output = run("load_demo")
    assert "with 21 papers" in output
    issue = Issue.objects.get()
    assert issue.title == "AI Research Highlights, June–July 2023"
    assert issue.state == "published"
    assert issue.intro_html.startswith("<p>")
    papers = list(issue.papers.in_issue_order())
    assert len(papers) == 21
    assert [s.name for s in Section.objects.all()] == [
        "Large Language Models",
        "Computer Vision",
        "Other",
        "General Computational Efficiency",
    ]
    assert papers[0].arxiv_id == "2307.03172"
    assert papers[-1].title.startswith("ZeRO++")
    for paper in papers:
        assert paper.annotation_html, paper.title
        assert paper.tags.exists(), paper.title
        assert paper.author_list, paper.title


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="shared/demo is not beside this checkout")
def test_demo_facts_match_the_shared_list_exactly():
    run("load_demo")
    with open(SHARED_CSV, newline="") as handle:
        expected = [
            (row["section"], row["title"], row["date"], row["arxiv_id"])
            for row in csv.DictReader(handle)
        ]
    actual = [
        (p.section.name, p.title, p.arxiv_date.isoformat(), p.arxiv_id)
        for p in Paper.objects.in_issue_order().select_related("section")
    ]
    assert actual == expected


def test_load_demo_twice_changes_nothing():
    run("load_demo")
    before = snapshot()
    output = run("load_demo")
    assert "Nothing changed" in output
    assert snapshot() == before


def test_load_demo_leaves_an_editors_changes_alone():
    run("load_demo")
    paper = Paper.objects.get(arxiv_id="2307.03172")
    paper.annotation = "My own words now."
    paper.save()
    Paper.objects.get(arxiv_id="2306.10209").delete()
    run("load_demo")
    assert Paper.objects.get(arxiv_id="2307.03172").annotation == "My own words now."
    assert not Paper.objects.filter(arxiv_id="2306.10209").exists()


def test_ensure_editor_generates_a_password_once(monkeypatch):
    for name in (
        "DJANGO_SUPERUSER_USERNAME",
        "DJANGO_SUPERUSER_PASSWORD",
        "DJANGO_SUPERUSER_EMAIL",
    ):
        monkeypatch.delenv(name, raising=False)
    first = run("ensure_editor")
    assert "“editor” with password: " in first
    password = first.split("with password: ")[1].split()[0]
    user = get_user_model().objects.get(username="editor")
    assert user.is_superuser and user.check_password(password)
    second = run("ensure_editor")
    assert password not in second
    assert "as “editor”" in second
    assert get_user_model().objects.count() == 1


def test_ensure_editor_uses_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "chief")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long passphrase here")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "chief@example.org")
    output = run("ensure_editor")
    assert "a long passphrase here" not in output
    assert "DJANGO_SUPERUSER_PASSWORD" in output
    user = get_user_model().objects.get(username="chief")
    assert user.check_password("a long passphrase here") and user.email == "chief@example.org"


def test_demo_has_a_reader_discussion_with_an_editor_reply():
    from digests.models import Comment

    run("load_demo")
    issue = Issue.objects.get()
    assert Comment.objects.public().filter(issue=issue, paper__isnull=True).count() == 4
    editor_reply = Comment.objects.get(is_editor=True)
    assert "billion" in editor_reply.in_reply_to.body
    assert Comment.objects.filter(paper__arxiv_id="2306.11695").count() == 1
