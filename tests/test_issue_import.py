"""import_draft() and the import_digest command: what lands in the database, and the report."""

import io
import sys
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from digests.drafts.parser import MAX_DRAFT_BYTES
from digests.drafts.writer import ImportRefused, import_draft
from digests.models import Issue, Paper, Section

from .factories import CommentFactory, IssueFactory, PaperFactory, SectionFactory
from .test_commands import snapshot

pytestmark = pytest.mark.django_db

DRAFT = """\
Our autumn picks lean towards models that read more and cost less.

A second intro paragraph.

large language models

Remembering the Middle of Long Prompts (6 Jul, https://arxiv.org/abs//2307.03172v2)
An annotation in two paragraphs.

Here is the second one.

Cheaper Training With Small Integers (https://arxiv.org/pdf/2306.11987.pdf, Jun 21)
Four-bit arithmetic, carefully.

Genomes

Very Long DNA Sequences (27 June, http://arxiv.org/abs/2306.15794)
Nucleotides one at a time.

Broken Entry (Jul 45, https://arxiv.org/abs/2307.00001)
This one has an impossible date.
"""


def run(*args, **kwargs):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out, **kwargs)
    return out.getvalue()


@pytest.fixture
def llm():
    return SectionFactory(name="Large Language Models", slug="large-language-models", position=1)


@pytest.fixture
def draft_file(tmp_path):
    path = tmp_path / "autumn.txt"
    path.write_text(DRAFT, encoding="utf-8")
    return path


def test_command_imports_a_plain_text_draft_and_reports_what_it_read(llm, draft_file):
    output = run("import_digest", str(draft_file), "--title", "Autumn Highlights 2023")

    issue = Issue.objects.get()
    assert (issue.title, issue.slug, issue.status) == (
        "Autumn Highlights 2023",
        "autumn-highlights-2023",
        Issue.Status.DRAFT,
    )
    assert issue.published_at is None and issue.state == "draft"
    assert issue.intro.startswith("Our autumn picks") and issue.intro_html.startswith("<p>")
    papers = list(issue.papers.in_issue_order())
    assert [(p.section.name, p.position, p.arxiv_id, p.arxiv_date) for p in papers] == [
        ("Large Language Models", 1, "2307.03172", date(2023, 7, 6)),
        ("Large Language Models", 2, "2306.11987", date(2023, 6, 21)),
        ("Genomes", 1, "2306.15794", date(2023, 6, 27)),
    ]
    assert papers[0].annotation == "An annotation in two paragraphs.\n\nHere is the second one."
    assert papers[0].annotation_html.count("<p>") == 2
    # The existing section was matched whatever its case; the new one was created after it.
    assert Section.objects.count() == 2
    genomes = Section.objects.get(name="Genomes")
    assert genomes.slug == "genomes" and genomes.position > llm.position

    assert "Created draft issue “Autumn Highlights 2023” (/autumn-highlights-2023/)" in output
    assert "from a plain-text draft" in output
    assert f"Intro: {len(issue.intro)} characters." in output
    assert "  Large Language Models: 2 papers\n" in output
    assert "  Genomes: 1 paper (new section)" in output
    assert "2307.03172   2023-07-06  Remembering the Middle of Long Prompts" in output
    assert "2306.11987   2023-06-21  Cheaper Training With Small Integers" in output
    assert "Skipped (1):\n  line 20: Broken Entry" in output
    assert "“Jul 45” is not a day of the calendar" in output
    assert "Nothing was published: the issue is a draft." in output


def test_markdown_title_is_used_when_no_title_is_given(tmp_path):
    path = tmp_path / "winter.md"
    path.write_text(
        "# Winter Highlights\n\nIntro.\n\n## Other\n\n### One (2 Jan, arxiv.org/abs/2312.17001)\n\n"
        "Text.\n"
    )
    output = run("import_digest", str(path))
    issue = Issue.objects.get()
    assert (issue.title, issue.slug) == ("Winter Highlights", "winter-highlights")
    assert issue.papers.get().arxiv_date == date(2024, 1, 2)
    assert "from a Markdown draft" in output


def test_the_title_option_wins_over_the_markdown_title(tmp_path):
    path = tmp_path / "winter.md"
    path.write_text("# From the File\n\n## Other\n\n### One (2 Jan, 2312.17001)\n")
    run("import_digest", str(path), "--title", "From the Command")
    assert Issue.objects.get().title == "From the Command"


def test_a_title_is_required(draft_file):
    with pytest.raises(CommandError, match="Give the issue a title"):
        run("import_digest", str(draft_file))
    assert not Issue.objects.exists()


def test_reimport_updates_the_draft_in_place(llm, draft_file):
    run("import_digest", str(draft_file), "--title", "Autumn Highlights 2023")
    issue = Issue.objects.get()
    kept = issue.papers.get(arxiv_id="2307.03172")
    kept.tags.set(["long context"])
    kept.authors = "Ada Lovelace"
    kept.save()
    kept_slug = kept.slug

    changed = DRAFT.replace("Here is the second one.", "A rewritten second paragraph.")
    changed = changed.replace(
        "Cheaper Training With Small Integers (https://arxiv.org/pdf/2306.11987.pdf, Jun 21)\n"
        "Four-bit arithmetic, carefully.\n",
        "",
    )
    changed = changed.replace(
        "Genomes\n",
        "Genomes\n\nMusic From Text (8 Jun, arxiv.org/abs/2306.05284)\nNew entry.\n\n",
    )
    draft_file.write_text(changed)
    output = run("import_digest", str(draft_file), "--title", "Autumn Highlights 2023")

    assert Issue.objects.count() == 1
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT
    assert sorted(issue.papers.values_list("arxiv_id", flat=True)) == [
        "2306.05284",
        "2306.15794",
        "2307.03172",
    ]
    kept.refresh_from_db()
    assert kept.annotation.endswith("A rewritten second paragraph.")
    assert kept.slug == kept_slug and kept.authors == "Ada Lovelace"
    assert list(kept.tags.names()) == ["long context"]
    assert list(
        issue.papers.filter(section__name="Genomes").values_list("position", flat=True)
    ) == [
        1,
        2,
    ]
    assert not Paper.objects.filter(arxiv_id="2306.11987").exists()
    assert "Updated draft issue" in output
    assert "Remembering the Middle of Long Prompts  [Large Language Models; updated]" in output
    assert "Very Long DNA Sequences  [Genomes; updated]" in output  # it moved to position 2
    assert "Music From Text  [Genomes; added]" in output
    assert "Removed (no longer in the draft) (1):\n  2306.11987   Cheaper Training" in output


def test_reimporting_an_identical_draft_changes_nothing(llm, draft_file):
    run("import_digest", str(draft_file), "--title", "Autumn")
    before = snapshot()
    output = run("import_digest", str(draft_file), "--title", "Autumn")
    assert output.count("unchanged]") == 3
    rows, _tags = snapshot()
    # Only the issue's own updated_at moves; every paper row is as it was.
    assert [r for r in rows.split("}}") if '"digests.paper"' in r] == [
        r for r in before[0].split("}}") if '"digests.paper"' in r
    ]


@pytest.mark.parametrize("factory", [IssueFactory, IssueFactory.scheduled])
def test_published_or_scheduled_issues_are_never_touched(factory, draft_file):
    issue = factory(title="Autumn Highlights 2023", slug="autumn-highlights-2023")
    PaperFactory(issue=issue, arxiv_id="2301.00001")
    before = snapshot()
    with pytest.raises(CommandError, match=r"already (published|scheduled); an import never"):
        run("import_digest", str(draft_file), "--title", "Autumn Highlights 2023")
    assert snapshot() == before


def test_a_paper_with_reader_comments_is_not_deleted_by_a_reimport(draft_file):
    issue = IssueFactory.draft(title="Autumn", slug="autumn")
    discussed = PaperFactory(issue=issue, arxiv_id="2301.00001", title="Discussed")
    CommentFactory(issue=issue, paper=discussed)
    before = snapshot()
    with pytest.raises(CommandError, match="readers have commented on it"):
        run("import_digest", str(draft_file), "--title", "Autumn")
    assert snapshot() == before


def test_dry_run_reports_but_changes_nothing(llm, draft_file):
    before = snapshot()
    output = run("import_digest", str(draft_file), "--title", "Autumn", "--dry-run")
    assert output.startswith("Would have created draft issue “Autumn”")
    assert "Genomes: 1 paper (new section)" in output
    assert snapshot() == before


def test_draft_from_standard_input(monkeypatch, llm):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DRAFT.encode())))
    run("import_digest", "-", "--title", "From Stdin")
    assert Issue.objects.get().papers.count() == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Café notes (6 Jul, 2307.03172)".encode("latin-1"), "is not UTF-8 text"),
        (b"a" * (MAX_DRAFT_BYTES + 1), "drafts may be at most 1,048,576 bytes"),
        (b"Other\n\nOne (6 Jul, 2307.03172)\n\x00\x01\x02", "control character"),
        (b"Just a shopping list.\n\nMilk, eggs.\n", "No papers found in the draft"),
        (
            b"Other\n\nOne (Jul 45, arxiv.org/abs/2307.03172)\nText.\n",
            r"No papers found.*closest was line 3: .One \(Jul 45, arxiv.org/abs/2307.03172\). "
            r"\(.Jul 45. is not a day",
        ),
        (b"", "No papers found"),
    ],
)
def test_bad_files_get_a_clear_error_and_create_nothing(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    before = snapshot()
    with pytest.raises(CommandError, match=message):
        run("import_digest", str(path), "--title", "Bad")
    assert snapshot() == before


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*No such file"):
        run("import_digest", str(tmp_path / "nope.txt"), "--title", "X")


def test_a_field_too_long_rolls_everything_back(llm):
    text = DRAFT + "\nNew Section\n\n" + "T" * 301 + " (6 Jul, arxiv.org/abs/2307.09999)\nText.\n"
    before = snapshot()
    with pytest.raises(ImportRefused, match=r"Line 25: title: Ensure this value has at most 300"):
        import_draft(text=text, title="Too Long")
    assert snapshot() == before  # no issue, no papers, no new sections


def test_an_issue_title_too_long_is_refused():
    with pytest.raises(ImportRefused, match="at most 200 characters"):
        import_draft(text=DRAFT, title="A" * 201)
    assert not Issue.objects.exists()


def test_sections_are_reported_in_the_site_order_with_a_note(llm):
    SectionFactory(name="Vision", slug="vision", position=0)
    report = import_draft(
        text="LLM\n\nLarge Language Models\n\nOne (6 Jul, 2307.03172)\nA.\n\n"
        "Vision\n\nTwo (7 Jul, 2307.03170)\nB.\n",
        title="Order",
    )
    assert [name for name, _, _ in report.sections] == ["Vision", "Large Language Models"]
    assert report.reordered_sections
    assert "shown in the site's section order" in "\n".join(report.lines())


def test_a_first_line_repeating_the_title_is_not_part_of_the_intro():
    text = "Autumn  Highlights\n\nThe real intro.\n\nOther\n\nOne (6 Jul, 2307.03172)\nA.\n"
    report = import_draft(text=text, title="Autumn Highlights")
    assert report.issue.intro == "The real intro."
    assert "line 1: Autumn  Highlights (the issue's title: left out of the intro)" in "\n".join(
        report.lines()
    )
    import_draft(text=text, title="Something Else")
    assert Issue.objects.get(slug="something-else").intro.startswith("Autumn  Highlights")
