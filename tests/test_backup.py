"""Backups that restore: the content exported with dumpdata comes back whole into an
empty database, and search finds it again; every migration can be undone.

Each step runs manage.py in a subprocess, as docs/deployment.md tells an operator to.
"""

import json
import os
import shutil

import pytest

from .servers import manage

pytestmark = pytest.mark.slow

# docs/deployment.md's commands, exactly.
DUMP = [
    "dumpdata",
    "--natural-foreign",
    "--natural-primary",
    "--exclude=contenttypes",
    "--exclude=auth.permission",
    "--exclude=sessions",
    "--exclude=axes",
]

# Content that load_demo does not make: a reply, a held comment, a blocked
# term, an editor in the Editors group, a user's own permission, a renamed tag.
EXTRA = """
from django.contrib.auth.models import Group, Permission, User
from digests.models import BlockedTerm, Comment, Issue, Paper
issue = Issue.objects.get()
first = Comment.objects.filter(issue=issue).first()
Comment.objects.create(issue=issue, parent=first, author_name="Ada", author_email="ada@example.org",
    body="A reply, with ünïcode and <b>markup</b>", status="approved")
Comment.objects.create(issue=issue, author_name="Bob", author_email="bob@example.org",
    body="Held for a look", status="pending")
BlockedTerm.objects.create(term="casino")
editor = User.objects.create_user("grace", "grace@example.org", "a fine long passphrase",
    is_staff=True)
editor.groups.add(Group.objects.get_or_create(name="Editors")[0])
editor.user_permissions.add(Permission.objects.get(codename="change_comment"))
paper = Paper.objects.get(arxiv_id="2307.03172")
paper.tags.add("backup-check")
paper.annotation = "Restored *exactly*: quokka."
paper.save()
"""

# What a restore must bring back: counts of every model, and field values.
SNAPSHOT = """
import json
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client
from digests.models import Comment, Paper
counts = {
    m._meta.label: m._default_manager.count()
    for m in apps.get_models()
    if m._meta.app_label not in ("contenttypes", "sessions", "axes")
}
paper = Paper.objects.get(arxiv_id="2307.03172")
grace = User.objects.get(username="grace")
reader = Client(HTTP_HOST="localhost")
search = reader.get("/search/", {"q": "quokka"}).content.decode()
by_tag = reader.get("/search/", {"q": "backup-check"}).content.decode()
print(json.dumps({
    "counts": counts,
    "paper": [paper.title, paper.annotation, paper.annotation_html, paper.section.name,
              paper.issue.slug, sorted(paper.tags.names())],
    "reply": list(Comment.objects.filter(parent__isnull=False).values_list(
        "body", "parent__author_name", "status")),
    "grace": [grace.password, grace.is_staff, sorted(grace.groups.values_list("name", flat=True)),
              sorted(grace.user_permissions.values_list("codename", flat=True))],
    "search finds the annotation": paper.title in search,
    "search finds the tag": paper.title in by_tag,
}))
"""


def site_env(folder):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_", "REDIS"))}
    env.update(
        DIGESTS_VAR_DIR=str(folder),
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        SECRET_KEY="backup-test-" + "k" * 40,
        DJANGO_DEBUG="1",  # pages render without a collectstatic
    )
    return env


def snapshot(env, first=""):
    output = manage("shell", "-c", first + SNAPSHOT, env=env).stdout
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):
    """A migrated database holding the demo issue, built once and copied by each test."""
    folder = tmp_path_factory.mktemp("demo")
    env = site_env(folder)
    manage("migrate", "--noinput", env=env)
    manage("load_demo", env=env)
    return folder / "db.sqlite3"


def copy_of(database, folder):
    folder.mkdir()
    shutil.copyfile(database, folder / "db.sqlite3")
    return site_env(folder)


def test_dumpdata_backup_restores_everything_into_an_empty_database(tmp_path, demo_database):
    original = copy_of(demo_database, tmp_path / "original")
    before = snapshot(original, first=EXTRA)
    assert before["counts"]["digests.Paper"] >= 20 and before["counts"]["digests.Comment"] > 2
    assert before["search finds the annotation"] and before["search finds the tag"]

    backup = tmp_path / "backup.json.gz"
    manage(*DUMP, "-o", str(backup), env=original)

    restored = site_env(tmp_path / "restored")
    manage("migrate", "--noinput", env=restored)
    manage("loaddata", str(backup), env=restored)
    after = snapshot(restored)
    assert after == before  # search included: the index's triggers fired on load


def test_every_migration_can_be_undone_and_redone(tmp_path, demo_database):
    """digests to zero and back on a database holding content; nothing is irreversible."""
    env = copy_of(demo_database, tmp_path / "site")
    manage("migrate", "digests", "zero", "--noinput", env=env)
    plan = manage("showmigrations", "digests", env=env).stdout
    assert "[X]" not in plan and "[ ]" in plan
    manage("migrate", "--noinput", env=env)
    plan = manage("showmigrations", "digests", env=env).stdout
    assert "[ ]" not in plan
    manage("load_demo", env=env)  # the schema works again, search index included
    code = (
        "from django.test import Client; "
        "print('/papers/lost-in-the-middle-how-language-models-use-long-contexts/' in "
        "Client(HTTP_HOST='localhost')"
        ".get('/search/', {'q': 'middle'}).content.decode())"
    )
    assert manage("shell", "-c", code, env=env).stdout.strip().splitlines()[-1] == "True"
