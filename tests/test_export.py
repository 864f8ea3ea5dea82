"""Exporting an issue: Markdown that imports back to the same issue, and e-mail HTML."""

import io
from datetime import date
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from digests.drafts.export import issue_email_html, issue_markdown
from digests.drafts.writer import import_draft
from digests.models import Issue

from .factories import IssueFactory, PaperFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://digest.example.org"


@pytest.fixture
def issue():
    llm = SectionFactory(name="Large Language Models", slug="llm", position=1)
    vision = SectionFactory(name="Computer Vision", slug="cv", position=2)
    other = SectionFactory(name="Other", slug="other", position=3)
    issue = IssueFactory(
        title="Winter Highlights 2023–24",
        slug="winter-2023-24",
        intro="Two paragraphs of *intro*.\n\nThe second one has a [link](https://example.org).",
    )
    specs = [
        (vision, "Seeing in the Dark (Again)", "2312.17001", date(2024, 1, 2),
         "Sees things.\n\n- one point\n- another point\n\nA closing paragraph."),
        (llm, "Remembering the Middle", "2312.00042", date(2023, 12, 1),
         "Reads **long** prompts.\n\n#### A small heading\n\nAnd more text."),
        (llm, "Cheaper Training: 4 Bits", "2401.00123", date(2023, 12, 31), "Short note."),
        (other, "A Paper Without Annotation", "hep-th/9901001", date(1999, 1, 3), ""),
        (llm, "Counting Tokens, Slowly", "2312.05555", date(2023, 12, 9),
         "Line one\nline two of the same paragraph."),
    ]  # fmt: skip
    for position, (section, title, arxiv_id, day, annotation) in enumerate(specs, start=1):
        PaperFactory(
            issue=issue,
            section=section,
            position=position,
            title=title,
            arxiv_id=arxiv_id,
            arxiv_date=day,
            annotation=annotation,
        )
    return issue


def contents(issue):
    """Everything the round trip must keep, in the order readers see it."""
    return [
        (p.section.name, p.title, p.arxiv_id, p.arxiv_date, p.annotation.replace("\r\n", "\n"))
        for p in issue.papers.in_issue_order().select_related("section")
    ]


def test_markdown_export_has_the_importers_shape(issue):
    text = issue_markdown(issue)
    assert text.startswith("# Winter Highlights 2023–24\n\nTwo paragraphs of *intro*.")
    assert "## Large Language Models\n\n### Remembering the Middle (1 Dec 2023, " in text
    assert "https://arxiv.org/abs/2312.00042)\n\nReads **long** prompts." in text
    assert text.index("## Large Language Models") < text.index("## Computer Vision")
    assert text.index("## Computer Vision") < text.index("## Other")


def test_export_then_import_gives_the_same_issue(issue):
    report = import_draft(text=issue_markdown(issue), title="Winter Copy", filename="w.md")
    copy = Issue.objects.get(slug="winter-copy")
    assert report.created and copy.status == Issue.Status.DRAFT
    assert copy.intro == issue.intro
    assert contents(copy) == contents(issue)
    assert report.draft.skipped == [] and report.new_sections == []


def test_round_trip_keeps_windows_line_endings_readable(issue):
    paper = issue.papers.get(arxiv_id="2312.17001")
    paper.annotation = "First.\r\n\r\nSecond."
    paper.save()
    import_draft(text=issue_markdown(issue), title="Copy")
    copy = Issue.objects.get(slug="copy")
    assert copy.papers.get(arxiv_id="2312.17001").annotation == "First.\n\nSecond."


def test_demo_issue_round_trips():
    call_command("load_demo", stdout=io.StringIO())
    demo = Issue.objects.get()
    import_draft(text=issue_markdown(demo), title="Demo Copy")
    copy = Issue.objects.get(slug="demo-copy")
    assert copy.intro == demo.intro
    assert contents(copy) == contents(demo)
    assert len(contents(copy)) == 21


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.tags, self.attributes = [], [], set()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.update(name for name, _ in attrs)
        self.hrefs += [value for name, value in attrs if name in ("href", "src")]


def test_email_html_is_self_contained_with_absolute_links(issue, settings):
    settings.DIGESTS_SITE_URL = SITE + "/"
    paper = issue.papers.get(arxiv_id="2312.00042")
    paper.annotation = (
        "See [the other paper](/papers/elsewhere/) and [a site](https://example.org/x).\n\n"
        "<script>alert(1)</script> [bad](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    paper.save()
    page = issue_email_html(issue)
    parser = Links()
    parser.feed(page)
    assert page.startswith("<!DOCTYPE html>")
    # The annotation's raw HTML shows as text; none of it is markup.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not {"script", "img", "table", "iframe"} & set(parser.tags)
    assert parser.attributes <= {
        "href", "style", "class", "rel", "lang", "charset", "name", "content"
    }
    assert parser.hrefs and all(h.startswith(("https://", "http://")) for h in parser.hrefs)
    assert f"{SITE}/issues/winter-2023-24/" in parser.hrefs
    assert f"{SITE}/papers/elsewhere/" in parser.hrefs
    assert "https://example.org/x" in parser.hrefs
    for each in issue.papers.all():
        assert f"{SITE}{each.get_absolute_url()}" in parser.hrefs
        assert each.abs_url in parser.hrefs
        assert each.title.replace("'", "&#x27;") in page
    assert "<em>intro</em>" in page  # the stored, sanitised intro HTML
    assert page.index("Large Language Models") < page.index("Computer Vision")
    assert "link" not in parser.tags and "style" not in parser.tags  # styles are inline


def admin_export(client, issue, fmt):
    return client.get(reverse("admin:digests_issue_export", args=[issue.pk, fmt]))


def test_change_page_offers_both_downloads(client, editor, issue):
    client.force_login(editor)
    page = client.get(reverse("admin:digests_issue_change", args=[issue.pk])).content.decode()
    assert reverse("admin:digests_issue_export", args=[issue.pk, "md"]) in page
    assert reverse("admin:digests_issue_export", args=[issue.pk, "html"]) in page
    assert "Export Markdown" in page and "Export e-mail HTML" in page


@pytest.mark.parametrize(
    ("fmt", "content_type", "filename"),
    [
        ("md", "text/markdown; charset=utf-8", "winter-2023-24.md"),
        ("html", "text/html; charset=utf-8", "winter-2023-24-email.html"),
    ],
)
def test_downloads_are_private_never_cached_attachments(client, editor, issue, fmt, content_type,
                                                        filename):  # fmt: skip
    client.force_login(editor)
    response = admin_export(client, issue, fmt)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    body = response.content.decode()
    expected = issue_markdown(issue) if fmt == "md" else issue_email_html(issue)
    assert body == expected


def test_drafts_can_be_exported_too(client, editor):
    draft = IssueFactory.draft(title="Not Yet", slug="not-yet")
    PaperFactory(issue=draft, title="Coming Soon")
    client.force_login(editor)
    assert "Coming Soon" in admin_export(client, draft, "md").content.decode()


def test_downloads_need_staff_with_view_permission(client, issue):
    assert admin_export(client, issue, "md").status_code == 302  # to the login page
    client.force_login(UserFactory(username="intern", is_staff=True))
    assert admin_export(client, issue, "md").status_code == 403
    client.force_login(UserFactory(username="reader"))
    assert admin_export(client, issue, "html").status_code == 302


def test_viewers_may_export(client, issue):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_issue"))
    client.force_login(viewer)
    assert admin_export(client, issue, "html").status_code == 200


def test_unknown_format_or_issue_is_404(client, editor, issue):
    client.force_login(editor)
    assert admin_export(client, issue, "pdf").status_code == 404
    missing = reverse("admin:digests_issue_export", args=[999999, "md"])
    assert client.get(missing).status_code in (302, 404)  # the admin redirects missing objects


def test_export_command_prints_markdown_and_writes_html(issue, tmp_path):
    out = io.StringIO()
    call_command("export_digest", "winter-2023-24", stdout=out)
    assert out.getvalue() == issue_markdown(issue)
    target = tmp_path / "issue.html"
    call_command(
        "export_digest", "winter-2023-24", "--format", "html", "--output", str(target),
        stderr=io.StringIO(),
    )  # fmt: skip
    assert target.read_text(encoding="utf-8") == issue_email_html(issue)


def test_export_command_unknown_slug(db):
    with pytest.raises(CommandError, match="No issue with the slug “nope”"):
        call_command("export_digest", "nope")
