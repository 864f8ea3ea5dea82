"""The Preview of Markdown fields in the editor's forms: rendered by the server
through the site's sanitiser, for editors only, and never a 500."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from digests.editor.preview import MAX_MARKDOWN_CHARS

from .factories import IssueFactory, PaperFactory, UserFactory

pytestmark = pytest.mark.django_db
PREVIEW = reverse("admin:digests_issue_markdown_preview")


@pytest.fixture
def signed_in(client, editor):
    client.force_login(editor)
    return client


def test_the_preview_is_the_sanitised_html_readers_would_get(signed_in):
    text = (
        "Models skip the *middle*.\n\n<script>alert(1)</script>\n\n"
        '[click](javascript:alert(1)) <img src=x onerror="alert(1)">\n\n## A heading'
    )
    response = signed_in.post(PREVIEW, {"text": text})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "<em>middle</em>" in html
    assert "<h5>A heading</h5>" in html  # headings sit below the page's own, as on the site
    # What is not allowed stays as visible text, never as markup.
    for unsafe in ("<script", 'href="javascript', "<img"):
        assert unsafe not in html


def test_empty_text_previews_as_nothing(signed_in):
    response = signed_in.post(PREVIEW, {"text": "  \n"})
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize(
    "data",
    [{}, {"body": "x"}, {"text": "x" * (MAX_MARKDOWN_CHARS + 1)}, {"text": "nul \x00 byte"}],
    ids=["nothing", "wrong-field", "too-long", "nul"],
)
def test_bad_input_is_400(signed_in, data):
    response = signed_in.post(PREVIEW, data)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def test_only_post(signed_in):
    assert signed_in.get(PREVIEW, {"text": "*x*"}).status_code == 405


def test_readers_and_anonymous_visitors_get_no_preview(client):
    response = client.post(PREVIEW, {"text": "*x*"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(UserFactory(is_staff=False))
    response = client.post(PREVIEW, {"text": "*x*"})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_who_may_not_write_get_403(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_issue"))
    client.force_login(viewer)
    assert client.post(PREVIEW, {"text": "*x*"}).status_code == 403


def test_the_preview_is_csrf_protected(editor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(PREVIEW, {"text": "*x*"}).status_code == 403


def test_every_markdown_field_has_a_preview_button(signed_in):
    issue = IssueFactory.draft()
    paper = PaperFactory(issue=issue)
    page = signed_in.get(reverse("admin:digests_issue_change", args=[issue.pk])).content.decode()
    for name in ("intro", "closing_note", "papers-0-annotation", "papers-__prefix__-annotation"):
        assert f'name="{name}"' in page
    # Intro, closing note, the saved row, the extra row and the template for "Add another".
    assert page.count(f'data-markdown-preview="{PREVIEW}"') == 5
    assert "js/markdown-preview" in page
    page = signed_in.get(reverse("admin:digests_paper_change", args=[paper.pk])).content.decode()
    assert page.count(f'data-markdown-preview="{PREVIEW}"') == 1
