"""Tidy tags: case-insensitive names, rename and merge in the admin with the old
addresses answering 301, and tag suggestions for the paper forms."""

import importlib

import pytest
from django.apps import apps as global_apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from taggit.models import Tag

from digests import tags as tag_rules
from digests.models import Paper, TaggedPaper, TagRedirect

from .factories import PaperFactory

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:taggit_tag_changelist")


def tag_names(paper):
    return sorted(Paper.objects.get(pk=paper.pk).tags.names())


# --- One tag per name, whatever its case ---------------------------------------------------


def test_llm_and_LLM_are_one_tag(db):
    first = PaperFactory(tags=["llm"])
    second = PaperFactory(tags=["LLM"])
    assert Tag.objects.filter(name__iexact="llm").count() == 1
    assert tag_names(second) == ["llm"]
    assert tag_names(first) == ["llm"]


def test_the_database_refuses_a_case_duplicate(db):
    Tag.objects.create(name="llm", slug="llm")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="LLM", slug="llm-2")


def test_the_migration_merges_case_duplicates_already_stored(db):
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX digests_tag_name_ci")
    older = Tag.objects.create(name="llm", slug="llm")
    newer = Tag.objects.create(name="LLM", slug="llm-2")
    both = PaperFactory(tags=[])
    TaggedPaper.objects.create(content_object=both, tag=older)
    TaggedPaper.objects.create(content_object=both, tag=newer)
    only_newer = PaperFactory(tags=[])
    TaggedPaper.objects.create(content_object=only_newer, tag=newer)

    migration = importlib.import_module("digests.migrations.0007_tag_redirects")
    migration.merge_case_duplicates(global_apps, None)

    assert list(Tag.objects.values_list("name", flat=True)) == ["llm"]
    assert tag_names(both) == tag_names(only_newer) == ["llm"]
    assert TagRedirect.objects.get(old_slug="llm-2").tag == older


# --- Names and addresses that are not words -----------------------------------------------


def test_a_tag_without_letters_is_refused_in_the_admin(client, superuser):
    paper = PaperFactory()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:digests_paper_change", args=[paper.pk]),
        {
            "issue": paper.issue.pk,
            "section": paper.section.pk,
            "position": "1",
            "title": paper.title,
            "slug": paper.slug,
            "arxiv_id": paper.arxiv_id,
            "arxiv_date": "2023-07-03",
            "tags": "llm, 🤖, ++",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "A tag needs at least one letter or digit:" in html
    assert "“🤖”" in html and "“++”" in html


def test_a_stored_tag_with_an_empty_slug_never_breaks_a_page(client):
    paper = PaperFactory(tags=["llm"])
    paper.tags.add(Tag.objects.create(name="🤖", slug=""))
    for url in [
        paper.issue.get_absolute_url(),
        paper.get_absolute_url(),
        "/tags/",
        "/papers/",
        paper.section.get_absolute_url(),
    ]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("path", ["/tags/%00/", "/tags/a%00b/", "/tags/%01/feed/", "/tags/%7F/"])
def test_control_characters_in_a_tag_address_are_404(client, path):
    assert client.get(path).status_code == 404


# --- Rename -----------------------------------------------------------------------------


def change(client, tag, **data):
    url = reverse("admin:taggit_tag_change", args=[tag.pk])
    return client.post(url, {"name": tag.name, "slug": tag.slug, **data})


def test_rename_moves_the_address_and_the_old_one_redirects(client, superuser):
    paper = PaperFactory(tags=["llm"])
    tag = Tag.objects.get(name="llm")
    client.force_login(superuser)
    response = change(client, tag, name="Large language models")
    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.slug) == ("Large language models", "large-language-models")
    assert tag_names(paper) == ["Large language models"]

    client.logout()
    old = client.get("/tags/llm/?page=1")
    assert old.status_code == 301
    assert old["Location"] == "/tags/large-language-models/?page=1"
    assert client.get(old["Location"]).status_code == 200
    feed = client.get("/tags/llm/feed/")
    assert (feed.status_code, feed["Location"]) == (301, "/tags/large-language-models/feed/")


def test_two_renames_redirect_in_one_hop(db):
    PaperFactory(tags=["llm"])
    tag = Tag.objects.get(name="llm")
    tag_rules.rename_tag(tag, "language models")
    tag_rules.rename_tag(tag, "LLMs")
    redirects = dict(TagRedirect.objects.values_list("old_slug", "tag__slug"))
    assert redirects == {"llm": "llms", "language-models": "llms"}


def test_renaming_to_an_existing_name_is_refused_with_advice(client, superuser):
    PaperFactory(tags=["llm", "vision"])
    vision = Tag.objects.get(name="vision")
    client.force_login(superuser)
    response = change(client, vision, name="LLM")
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert "Merge selected tags" in response.content.decode()
    vision.refresh_from_db()
    assert vision.name == "vision"


def test_a_new_tag_takes_back_an_address_left_by_a_rename(client, db):
    PaperFactory(tags=["llm"])
    tag_rules.rename_tag(Tag.objects.get(name="llm"), "language models")
    PaperFactory(tags=["llm"])  # a new tag with the old address
    assert not TagRedirect.objects.filter(old_slug="llm").exists()
    assert client.get("/tags/llm/").status_code == 200


# --- Merge ------------------------------------------------------------------------------


def test_merge_action_asks_which_tag_to_keep_then_merges(client, superuser):
    both = PaperFactory(tags=["llm", "language models"])
    one = PaperFactory(tags=["language models"])
    PaperFactory(tags=["vision"])
    llm, lm = Tag.objects.get(name="llm"), Tag.objects.get(name="language models")
    client.force_login(superuser)
    ask = client.post(CHANGELIST, {"action": "merge_selected", "_selected_action": [llm.pk, lm.pk]})
    assert ask.status_code == 200
    assert "Keep this tag" in ask.content.decode()

    done = client.post(
        CHANGELIST,
        {"action": "merge_selected", "_selected_action": [llm.pk, lm.pk], "apply": "1",
         "target": llm.pk},
    )  # fmt: skip
    assert done.status_code == 302
    assert tag_names(both) == tag_names(one) == ["llm"]
    assert not Tag.objects.filter(pk=lm.pk).exists()
    client.logout()
    response = client.get("/tags/language-models/")
    assert (response.status_code, response["Location"]) == (301, "/tags/llm/")
    assert len(client.get("/tags/llm/").context["papers"]) == 2


def test_merge_without_a_choice_is_a_400_that_keeps_the_question(client, superuser):
    PaperFactory(tags=["a1", "b2"])
    ids = list(Tag.objects.values_list("pk", flat=True))
    client.force_login(superuser)
    response = client.post(
        CHANGELIST, {"action": "merge_selected", "_selected_action": ids, "apply": "1"}
    )
    assert response.status_code == 400
    assert "Choose the tag the others are merged into." in response.content.decode()
    assert Tag.objects.count() == 2


def test_merge_needs_two_tags(client, superuser):
    PaperFactory(tags=["alone"])
    client.force_login(superuser)
    tag = Tag.objects.get()
    response = client.post(
        CHANGELIST, {"action": "merge_selected", "_selected_action": [tag.pk]}, follow=True
    )
    assert "Select at least two tags to merge." in response.content.decode()


def test_search_follows_a_merge(client, db):
    paper = PaperFactory(title="Plain Title", tags=["zeppelins"])
    PaperFactory(tags=["airships"])
    tag_rules.merge_tags([Tag.objects.get(name="zeppelins")], Tag.objects.get(name="airships"))
    found = client.get(reverse("digests:search"), {"q": "airships"}).context["papers"]
    assert paper.pk in [p.pk for p in found]
    assert client.get(reverse("digests:search"), {"q": "zeppelins"}).context["papers"] == []


# --- Suggestions ----------------------------------------------------------------------


def test_suggestions_start_with_what_was_typed(client, editor):
    PaperFactory(tags=["llm", "long context", "all about llms", "vision"])
    client.force_login(editor)
    url = reverse("admin:taggit_tag_suggest")
    assert client.get(url, {"q": "L"}).json()["tags"] == [
        "llm",
        "long context",
        "all about llms",
    ]
    assert client.get(url, {"q": "  "}).json() == {"tags": []}
    assert client.get(url, {"q": "x" * 5000}).status_code == 200


def test_suggestions_are_for_editors_only(client, staff_without_permission):
    url = reverse("admin:taggit_tag_suggest")
    assert client.get(url, {"q": "l"}).status_code == 302  # to the sign-in page
    client.force_login(staff_without_permission)
    assert client.get(url, {"q": "l"}).status_code == 403


def test_paper_forms_load_the_autocomplete(client, editor):
    paper = PaperFactory()
    client.force_login(editor)
    for url in (
        reverse("admin:digests_paper_change", args=[paper.pk]),
        reverse("admin:digests_issue_change", args=[paper.issue.pk]),
    ):
        html = client.get(url).content.decode()
        assert "js/tag-autocomplete.js" in html
        assert f'data-tag-suggest="{reverse("admin:taggit_tag_suggest")}"' in html
