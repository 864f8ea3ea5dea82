"""The Editors group, `add_editor`, and `ensure_editor` agreeing with them."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.urls import reverse

from digests.comments import rules
from digests.editor.roles import EDITORS_GROUP, ensure_editors_group
from digests.visibility import may_preview

from .factories import CommentFactory, IssueFactory, PaperFactory, UserFactory
from .servers import manage, project_env

pytestmark = pytest.mark.django_db

EXPECTED = {
    f"{action}_{model}"
    for action in ("add", "change", "delete", "view")
    for model in ("issue", "paper", "section", "comment", "blockedterm", "tag")
} | {"view_historicalissue", "view_historicalpaper"}


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def group_member(db):
    user = UserFactory(username="ada@example.org", is_staff=True)
    user.groups.add(ensure_editors_group())
    return user


def test_editors_group_has_exactly_the_editor_permissions():
    group = ensure_editors_group()
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert codenames == EXPECTED
    assert not group.permissions.filter(content_type__app_label="auth").exists()


def test_ensuring_the_group_keeps_permissions_added_by_hand():
    group = ensure_editors_group()
    extra = Permission.objects.get(codename="view_user")
    group.permissions.add(extra)
    ensure_editors_group()
    assert group.permissions.filter(pk=extra.pk).exists()


@pytest.mark.parametrize(
    "name",
    [
        "digests_issue",
        "digests_paper",
        "digests_section",
        "digests_comment",
        "digests_blockedterm",
        "taggit_tag",
    ],
)
def test_an_editor_opens_every_editorial_page(client, group_member, name):
    client.force_login(group_member)
    assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_an_editor_edits_and_reads_history(client, group_member):
    paper = PaperFactory()
    client.force_login(group_member)
    assert (
        client.get(reverse("admin:digests_issue_change", args=[paper.issue_id])).status_code == 200
    )
    assert client.get(reverse("admin:digests_paper_change", args=[paper.pk])).status_code == 200
    assert client.get(reverse("admin:digests_paper_history", args=[paper.pk])).status_code == 200
    comment = CommentFactory(issue=paper.issue)
    assert client.get(reverse("admin:digests_comment_change", args=[comment.pk])).status_code == 200


@pytest.mark.parametrize("name", ["auth_user", "auth_group"])
def test_an_editor_cannot_manage_accounts(client, group_member, name):
    client.force_login(group_member)
    assert client.get(reverse(f"admin:{name}_changelist")).status_code == 403
    assert client.get(reverse(f"admin:{name}_add")).status_code == 403


def test_group_members_preview_drafts_and_comment_as_editor(client, group_member):
    assert may_preview(group_member)
    assert rules.editor_for(group_member)
    draft = IssueFactory.draft(title="Private Draft")
    client.force_login(group_member)
    assert client.get(draft.get_absolute_url()).status_code == 200


# --- add_editor -----------------------------------------------------------------------------


def test_add_editor_creates_a_staff_editor_without_a_password(settings):
    settings.DIGESTS_SITE_URL = "https://digest.example.org/"
    output = run("add_editor", "Ada.Lovelace@Example.org", "--name", "Ada King Lovelace")
    user = get_user_model().objects.get(email="Ada.Lovelace@Example.org")
    assert user.username == "ada.lovelace@example.org"
    assert user.is_staff and user.is_active and not user.is_superuser
    assert (user.first_name, user.last_name) == ("Ada", "King Lovelace")
    assert not user.has_usable_password()
    assert list(user.groups.values_list("name", flat=True)) == [EDITORS_GROUP]
    assert user.has_perm("digests.change_issue") and not user.has_perm("auth.change_user")
    assert "python manage.py changepassword ada.lovelace@example.org" in output
    assert re.search(r"https://digest\.example\.org/admin/password/[^/\s]+/[^/\s]+/", output)


def test_the_printed_link_lets_the_editor_choose_a_password_once(client, settings):
    settings.DIGESTS_SITE_URL = "http://testserver"
    output = run("add_editor", "grace@example.org")
    link = re.search(r"http://testserver(/admin/password/\S+/)", output).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and b"new_password1" in form.content
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a fine long passphrase", "new_password2": "a fine long passphrase"},
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(email="grace@example.org")
    assert user.check_password("a fine long passphrase")
    client.logout()
    assert client.login(username="grace@example.org", password="a fine long passphrase")
    assert client.get(reverse("admin:digests_issue_changelist")).status_code == 200
    # The link was for one use.
    client.logout()
    again = client.get(link, follow=True)
    assert b"new_password1" not in again.content


@pytest.mark.parametrize("again", ["grace@example.org", "GRACE@example.org"])
def test_add_editor_refuses_a_duplicate(again):
    run("add_editor", "grace@example.org", "--name", "Grace Hopper")
    with pytest.raises(CommandError, match="already exists"):
        run("add_editor", again, "--name", "Someone Else")
    user = get_user_model().objects.get()
    assert user.first_name == "Grace"


@pytest.mark.parametrize("email", ["not-an-email", "grace@", "@example.org", "a b@example.org"])
def test_add_editor_refuses_a_bad_address(email):
    with pytest.raises(CommandError, match="is not a valid e-mail address"):
        run("add_editor", email)
    assert not get_user_model().objects.exists()


def test_add_editor_exits_non_zero_with_a_message(tmp_path):
    env = project_env(DIGESTS_VAR_DIR=str(tmp_path))
    result = manage("add_editor", "not-an-email", env=env, check=False)
    assert result.returncode != 0
    assert "“not-an-email” is not a valid e-mail address." in result.stderr
    assert "Traceback" not in result.stderr


# --- ensure_editor ------------------------------------------------------------------------------


def test_ensure_editor_puts_the_demo_editor_in_the_editors_group(monkeypatch):
    for name in ("DJANGO_SUPERUSER_USERNAME", "DJANGO_SUPERUSER_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    run("ensure_editor")
    user = get_user_model().objects.get(username="editor")
    assert user.groups.filter(name=EDITORS_GROUP).exists()


def test_ensure_editor_adds_an_existing_superuser_to_the_group(superuser):
    run("ensure_editor")
    assert superuser.groups.filter(name=EDITORS_GROUP).exists()


# --- the migration ----------------------------------------------------------------------------


def test_the_group_exists_on_a_fresh_database_and_the_migration_reverses(tmp_path):
    """A brand-new SQLite file, migrated from nothing: no post_migrate has run yet
    when the group is made, so this proves the migration creates the permissions."""
    env = project_env(DIGESTS_VAR_DIR=str(tmp_path))
    show = (
        "from django.contrib.auth.models import Group;"
        "g = Group.objects.filter(name='Editors').first();"
        "print(sorted(g.permissions.values_list('codename', flat=True)) if g else 'none')"
    )

    def editors():
        return manage("shell", "-c", show, env=env).stdout.strip().splitlines()[-1]

    manage("migrate", "--noinput", "-v0", env=env)
    assert editors() == str(sorted(EXPECTED))
    manage("migrate", "digests", "0005", "--noinput", "-v0", env=env)
    assert editors() == "none"
    manage("migrate", "--noinput", "-v0", env=env)
    assert editors() == str(sorted(EXPECTED))
