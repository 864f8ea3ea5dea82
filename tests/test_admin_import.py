"""The admin's "Import a draft" page and the export buttons on an issue's change page."""

import html

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from digests.drafts.parser import MAX_DRAFT_BYTES
from digests.models import Issue, Section

from .factories import IssueFactory, PaperFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:digests_issue_import")
DRAFT = """\
A short intro for the test issue.

Other

Small Models, Big Ideas (6 Jul, https://arxiv.org/abs/2307.03172)
What the paper shows.

Wrong Date (Jul 45, https://arxiv.org/abs/2307.00001)
Skipped.
"""


def post(client, **data):
    return client.post(IMPORT_URL, {"title": "", "text": "", "format": "", **data})


def test_issue_list_links_to_the_import_page(client, editor):
    client.force_login(editor)
    page = client.get(reverse("admin:digests_issue_changelist")).content.decode()
    assert f'href="{IMPORT_URL}"' in page and "Import a draft" in page


def test_staff_without_the_rights_get_no_link_and_a_403(client):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_issue", "change_issue", "add_issue"])
    )
    client.force_login(viewer)
    page = client.get(reverse("admin:digests_issue_changelist")).content.decode()
    assert IMPORT_URL not in page
    assert client.get(IMPORT_URL).status_code == 403
    assert post(client, title="Sneaky", text=DRAFT).status_code == 403
    assert not Issue.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = post(client, title="Anon", text=DRAFT)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Issue.objects.exists()


def test_the_import_page_explains_the_shape(client, editor):
    client.force_login(editor)
    response = client.get(IMPORT_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "Title (6 Jul, https://arxiv.org/abs/2307.03172)" in page
    assert "Cache-Control" in response and "no-store" in response["Cache-Control"]


def test_pasting_a_draft_creates_a_draft_issue_and_shows_the_report(client, editor):
    client.force_login(editor)
    response = post(client, title="Pasted Issue", text=DRAFT)
    assert response.status_code == 200
    issue = Issue.objects.get()
    assert (issue.title, issue.status) == ("Pasted Issue", Issue.Status.DRAFT)
    assert issue.papers.get().title == "Small Models, Big Ideas"
    page = html.unescape(response.content.decode())
    assert "Created the draft issue" in page and "Nothing was published" in page
    assert reverse("admin:digests_issue_change", args=[issue.pk]) in page
    assert "2307.03172" in page and "6 Jul 2023" in page
    assert "Other: 1 paper" in page and "(new section)" in page
    assert "Skipped (1)" in page and "“Jul 45” is not a day of the calendar" in page
    assert f"{len(issue.intro)} characters" in page


def test_uploading_a_markdown_file_uses_its_title(client, editor):
    client.force_login(editor)
    upload = SimpleUploadedFile(
        "winter.md",
        b"# Winter Issue\n\n## Other\n\n### One (Jan 2, arxiv.org/abs/2312.17001)\n\nText.\n",
        content_type="text/markdown",
    )
    response = post(client, draft_file=upload)
    assert response.status_code == 200
    issue = Issue.objects.get()
    assert issue.title == "Winter Issue"
    assert str(issue.papers.get().arxiv_date) == "2024-01-02"


def test_importing_again_updates_the_same_draft(client, editor):
    client.force_login(editor)
    post(client, title="Twice", text=DRAFT)
    response = post(client, title="Twice", text=DRAFT.replace("What the paper", "What it"))
    assert response.status_code == 200
    assert "Updated the draft issue" in response.content.decode()
    assert Issue.objects.count() == 1
    assert Issue.objects.get().papers.get().annotation == "What it shows."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "Nothing", "text": "Only words.\n\nNo papers at all.\n"}, "No papers found"),
        ({"title": "", "text": DRAFT}, "Give the issue a title"),
        ({"title": "Empty", "text": "   \n"}, "Choose a draft file or paste"),
        ({"title": "Odd", "text": DRAFT, "format": "docx"}, "Select a valid choice"),
    ],
)
def test_bad_input_answers_400_and_keeps_the_pasted_text(client, editor, data, message):
    client.force_login(editor)
    response = post(client, **data)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page
    assert "Nothing was changed" in page
    if data["text"].strip():
        assert data["text"].split("\n")[0] in page  # the textarea still holds the draft
    assert not Issue.objects.exists() and not Section.objects.exists()


def test_pasted_text_is_kept_escaped(client, editor):
    client.force_login(editor)
    text = "<script>alert(1)</script>\n\nNo papers.\n"
    response = post(client, title="Escape", text=text)
    assert response.status_code == 400
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_published_issue_is_refused_with_400(client, editor):
    issue = IssueFactory(title="Already Out", slug="already-out")
    PaperFactory(issue=issue, title="Original")
    client.force_login(editor)
    response = post(client, title="Already Out", text=DRAFT)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "is already published; an import never changes" in page
    assert "A short intro for the test issue." in page
    assert list(issue.papers.values_list("title", flat=True)) == ["Original"]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("latin.txt", "Café".encode("latin-1")), "is not UTF-8 text"),
        (SimpleUploadedFile("big.txt", b"a" * (MAX_DRAFT_BYTES + 1)), "drafts may be at most"),
        (SimpleUploadedFile("data.bin", b"GIF89a\x01\x00\x01\x00\x00"), "control character"),
    ],
)
def test_bad_files_answer_400(client, editor, upload, message):
    client.force_login(editor)
    response = post(client, title="File", draft_file=upload)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not Issue.objects.exists()


def test_a_file_alone_is_enough(client, editor):
    client.force_login(editor)
    upload = SimpleUploadedFile("d.md", b"# Only A File\n\n" + DRAFT.encode())
    response = client.post(IMPORT_URL, {"draft_file": upload})  # no other field at all
    assert response.status_code == 200
    assert Issue.objects.get().title == "Only A File"


def test_a_title_without_letters_is_refused(client, editor):
    client.force_login(editor)
    response = post(client, title="!!! ???", text=DRAFT)
    assert response.status_code == 400
    assert "has no letters or digits" in html.unescape(response.content.decode())
    assert not Issue.objects.exists()


def test_a_file_and_pasted_text_together_are_refused(client, editor):
    client.force_login(editor)
    upload = SimpleUploadedFile("d.txt", DRAFT.encode())
    response = post(client, title="Both", text=DRAFT, draft_file=upload)
    assert response.status_code == 400
    assert "not both" in response.content.decode()
    assert not Issue.objects.exists()
