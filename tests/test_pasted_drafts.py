"""Drafts as editors paste them (issue 17): one paragraph per line, Windows
line ends, non-breaking spaces, the link before the date, a sign-off after
the last paper. Every case reads exactly like the tidy blank-line draft."""

import io
import itertools
from datetime import date

import pytest
from django.core.management import call_command

from digests.drafts.export import issue_email_html, issue_markdown
from digests.drafts.parser import parse_draft
from digests.drafts.writer import ImportRefused, import_draft
from digests.editor import checklist
from digests.models import Issue

from .factories import IssueFactory, PaperFactory, SectionFactory
from .pasted_drafts import NBSP, demo, demo_as_pasted, demo_sections, paper_line, paragraphs

SECTION_COUNTS = [
    ("Large Language Models", 13),
    ("Computer Vision", 4),
    ("Other", 2),
    ("General Computational Efficiency", 2),
]


def shape(draft):
    """What an import takes from a draft, line numbers left out."""
    return (
        draft.intro,
        [
            (s.name, [(p.title, p.arxiv_id, p.arxiv_date, p.annotation) for p in s.papers])
            for s in draft.sections
        ],
        draft.closing_note,
        [(note.text, note.reason) for note in draft.skipped],
    )


def expected_shape():
    spec = demo()
    intro = "\n\n".join([spec["issue"]["title"], *paragraphs(spec["issue"]["intro"])])
    sections = [
        (
            name,
            [
                (
                    p["title"],
                    p["arxiv_id"],
                    p["arxiv_date"],
                    "\n\n".join(paragraphs(p["annotation"])),
                )
                for p in papers
            ],
        )
        for name, papers in demo_sections()
    ]
    return intro, sections, "\n\n".join(paragraphs(spec["issue"]["closing_note"])), []


# --- The parser -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"line_end": "\r\n"},
        {"nbsp": True},
        {"link_first": True},
        {"line_end": "\r\n", "nbsp": True, "link_first": True},
    ],
    ids=["one-per-line", "windows", "nbsp", "link-first", "all-at-once"],
)
def test_a_draft_pasted_without_blank_lines_reads_like_the_written_issue(options):
    text = demo_as_pasted(**options)
    assert "\n\n" not in text.replace("\r", "")  # no blank line anywhere
    draft = parse_draft(text)
    assert draft.format == "text"
    assert [(s.name, len(s.papers)) for s in draft.sections] == SECTION_COUNTS
    assert shape(draft) == expected_shape()


def test_single_line_breaks_and_blank_lines_give_the_same_draft():
    pasted = demo_as_pasted()
    lines = pasted.split("\n")
    spaced = lines[0]
    for before, line in itertools.pairwise(lines):  # items of one list stay together
        spaced += ("\n" if before.startswith("- ") and line.startswith("- ") else "\n\n") + line
    assert shape(parse_draft(spaced)) == shape(parse_draft(pasted))


def test_a_markdown_draft_without_blank_lines_reads_the_same():
    spec = demo()
    lines = [f"# {spec['issue']['title']}", *paragraphs(spec["issue"]["intro"])]
    for name, papers in demo_sections():
        lines.append(f"## {name}")
        for paper in papers:
            lines.append(f"### {paper_line(paper)}")
            lines.extend(paragraphs(paper["annotation"]))
    lines += ["## Closing note", *paragraphs(spec["issue"]["closing_note"])]
    draft = parse_draft("\n".join(lines))
    assert draft.format == "markdown"
    assert draft.title == spec["issue"]["title"]
    intro, sections, closing, skipped = expected_shape()
    assert shape(draft) == (intro.split("\n\n", 1)[1], sections, closing, skipped)


def test_wrapped_paragraphs_stay_whole_and_a_paper_named_mid_sentence_is_not_a_paper():
    text = (
        "Intro text wrapped by a plain editor at about seventy\n"
        "columns, one paragraph over two lines.\n"
        "\n"
        "Large Language Models\n"
        "\n"
        "Counting Tokens (5 Jul, https://arxiv.org/abs/2307.02486)\n"
        "An annotation that compares the paper with the one on\n"
        "Lost in the Middle (6 Jul, https://arxiv.org/abs/2307.03172)\n"
        "and finds them close.\n"
    )
    draft = parse_draft(text)
    assert draft.intro == (
        "Intro text wrapped by a plain editor at about seventy\n"
        "columns, one paragraph over two lines."
    )
    (paper,) = draft.papers
    assert paper.annotation.count("\n") == 2 and "\n\n" not in paper.annotation


def test_a_list_in_a_pasted_annotation_stays_a_list():
    text = (
        "Other\n"
        "Simple Music (8 Jun, https://arxiv.org/abs/2306.05284)\n"
        "Three things stand out in this paper, which we read twice over the weekend:\n"
        "- one model instead of a cascade\n"
        "- text or melody as the condition\n"
        "A last paragraph on what it means for the field.\n"
    )
    (paper,) = parse_draft(text).papers
    assert paper.annotation == (
        "Three things stand out in this paper, which we read twice over the weekend:\n\n"
        "- one model instead of a cascade\n"
        "- text or melody as the condition\n\n"
        "A last paragraph on what it means for the field."
    )


# --- The closing note ---------------------------------------------------------------

LAST = "Other\nSimple Music (8 Jun, https://arxiv.org/abs/2306.05284)\n"


def closing_of(text):
    draft = parse_draft(text)
    return draft.papers[-1].annotation, draft.closing_note, draft.closing


def test_a_sign_off_after_the_last_paper_becomes_the_closing_note_and_is_reported():
    annotation, closing, notes = closing_of(
        LAST + "One model, no cascade.\n"
        "It also conditions on melody.\n"
        "Thanks for reading! Next month we look at agents.\n"
        "You can support this magazine by sharing it with a friend.\n"
    )
    assert annotation == "One model, no cascade.\n\nIt also conditions on melody."
    assert closing == (
        "Thanks for reading! Next month we look at agents.\n\n"
        "You can support this magazine by sharing it with a friend."
    )
    assert [note.line for note in notes] == [5, 6]
    assert "Thanks for reading" in notes[0].reason and "closing note starts" in notes[0].reason


def test_the_first_paragraph_after_the_last_paper_always_stays_with_it():
    annotation, closing, notes = closing_of(LAST + "If you like music models, read this one.\n")
    assert annotation == "If you like music models, read this one."
    assert closing == "" and notes == []


def test_a_paragraph_about_the_paper_is_not_moved():
    annotation, closing, _ = closing_of(
        LAST + "One model, no cascade.\nThe authors release code and weights.\n"
    )
    assert annotation.endswith("code and weights.") and closing == ""


def test_a_thematic_break_or_a_heading_after_the_last_paper_starts_the_closing_note():
    annotation, closing, notes = closing_of(LAST + "One model.\n\n---\n\nSee you soon.\n")
    assert (annotation, closing) == ("One model.", "See you soon.")
    assert "thematic break" in notes[0].reason

    draft = parse_draft(
        "## Other\n### Simple Music (8 Jun, https://arxiv.org/abs/2306.05284)\nOne model.\n"
        "## A word before you go\nWe are moving to a new address.\n"
    )
    assert draft.papers[-1].annotation == "One model."
    assert draft.closing_note == "**A word before you go**\n\nWe are moving to a new address."
    assert [s.name for s in draft.sections] == ["Other"]


def test_a_short_title_before_the_sign_off_moves_with_it_and_a_plain_name_is_dropped():
    _, closing, _ = closing_of(LAST + "One model.\nMore on it.\nBefore you go\nPlease subscribe.\n")
    assert closing == "Before you go\n\nPlease subscribe."
    draft = parse_draft(
        "## Other\n### Simple Music (8 Jun, https://arxiv.org/abs/2306.05284)\nOne model.\n"
        "## Closing note\nThank you!\n"
    )
    assert draft.closing_note == "Thank you!"


# --- Nothing found ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "lacks"),
    [
        ("Lost in the Middle, 6 Jul, https://arxiv.org/abs/2307.03172", "not in brackets"),
        ("Lost in the Middle (6 Jul, https://example.org/lost)", "not an arXiv link"),
        ("Lost in the Middle (https://arxiv.org/abs/2307.03172, 45 Jul)", "not a day"),
    ],
)
def test_when_no_paper_is_found_the_message_says_what_was_looked_for_and_quotes_the_closest(
    line, lacks
):
    text = f"Our summer issue.\nLarge Language Models\n{line}\nAn annotation.\n"
    with pytest.raises(ImportRefused) as refused:
        import_draft(text=text, title="Summer")
    message = str(refused.value)
    assert "a line of its own per paper" in message
    assert "Blank lines between paragraphs are optional" in message
    assert f"line 3: “{line}”" in message
    assert lacks in message


# --- Into the database --------------------------------------------------------------


@pytest.mark.django_db
def test_importing_the_pasted_demo_fills_title_slug_period_and_closing_note():
    report = import_draft(text=demo_as_pasted(line_end="\r\n", nbsp=True))
    issue = report.issue
    spec = demo()["issue"]
    assert issue.title == spec["title"]
    assert issue.slug == "ai-research-highlights-june-july-2023"
    assert (issue.period_start, issue.period_end) == (date(2023, 6, 7), date(2023, 7, 12))
    assert report.period_filled
    assert issue.intro == "\n\n".join(paragraphs(spec["intro"]))
    assert issue.closing_note == "\n\n".join(paragraphs(spec["closing_note"]))
    assert "See you in September!" in issue.closing_note_html
    papers = list(issue.papers.in_issue_order().select_related("section"))
    expected = [(name, p["arxiv_id"]) for name, group in demo_sections() for p in group]
    assert [(p.section.name, p.arxiv_id) for p in papers] == expected
    text = "\n".join(report.lines())
    assert "Closing note: 2 line(s)" in text
    assert "Period: 7 Jun 2023 to 12 Jul 2023 (from the papers' arXiv dates)." in text
    assert checklist.for_issue(issue).period_missing is False


@pytest.mark.django_db
def test_a_period_the_editor_set_is_kept_and_a_reimport_without_a_note_keeps_the_note():
    issue = IssueFactory.draft(
        title="Summer",
        slug="summer",
        period_start=date(2023, 6, 1),
        period_end=date(2023, 7, 31),
        closing_note="Typed in the admin.",
    )
    report = import_draft(text=LAST + "One model.\n", title="Summer")
    issue.refresh_from_db()
    assert not report.period_filled
    assert (issue.period_start, issue.period_end) == (date(2023, 6, 1), date(2023, 7, 31))
    assert issue.closing_note == "Typed in the admin."


@pytest.mark.django_db
def test_the_markdown_export_imports_back_to_the_same_issue_with_its_closing_note():
    issue = import_draft(text=demo_as_pasted()).issue
    exported = issue_markdown(issue)
    assert exported.rstrip().endswith(issue.closing_note.split("\n\n")[-1])
    report = import_draft(text=exported, filename="issue.md")
    assert report.issue.pk == issue.pk and not report.created
    assert {paper.change for paper in report.papers} == {"unchanged"}
    again = Issue.objects.get(pk=issue.pk)
    assert (again.title, again.intro, again.closing_note) == (
        issue.title,
        issue.intro,
        issue.closing_note,
    )


@pytest.mark.django_db
def test_the_closing_note_is_in_the_email_export_the_feed_and_the_page_before_the_comments(
    client,
):
    section = SectionFactory(name="Other")
    issue = IssueFactory(closing_note="Thanks for reading, *friends*.", intro="Hello.")
    PaperFactory(issue=issue, section=section, annotation="About the paper.")
    note = "Thanks for reading, <em>friends</em>."
    assert note in issue_email_html(issue)
    escaped = "Thanks for reading, &lt;em&gt;friends&lt;/em&gt;."
    assert escaped in client.get("/feed/atom/").content.decode()
    page = client.get(issue.get_absolute_url()).content.decode()
    assert note in page
    assert page.index("About the paper.") < page.index(note) < page.index('id="comments"')


@pytest.mark.django_db
def test_the_closing_note_is_sanitised_like_the_intro():
    issue = IssueFactory(closing_note="Bye <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<script" not in issue.closing_note_html
    assert 'href="javascript' not in issue.closing_note_html


@pytest.mark.django_db
def test_the_import_command_reads_a_pasted_file_with_windows_line_ends(tmp_path):
    path = tmp_path / "pasted.txt"
    path.write_bytes(demo_as_pasted(line_end="\r\n", nbsp=True).encode("utf-8"))
    call_command("import_digest", str(path), stdout=io.StringIO())
    issue = Issue.objects.get(slug="ai-research-highlights-june-july-2023")
    assert issue.papers.count() == 21 and issue.closing_note


@pytest.mark.django_db
def test_an_issue_saved_from_a_title_with_a_dash_keeps_every_word_in_its_slug():
    issue = Issue.objects.create(title="Highlights, June–July 2023")
    assert issue.slug == "highlights-june-july-2023"


# --- The checklist's announced count --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("intro", "warned"),
    [
        ("This month: 24 highlights from arXiv.", "24 highlights"),
        ("Twenty-one new papers this month.", None),
        ("We read 2 papers.", "2 papers"),
        ("No count given here.", None),
    ],
)
def test_the_checklist_warns_when_the_intro_announces_another_number_of_papers(intro, warned):
    section = SectionFactory()
    issue = IssueFactory.draft(intro=intro)
    for number in range(21):
        PaperFactory(issue=issue, section=section, arxiv_id=f"2307.{number:05d}")
    found = checklist.for_issue(issue)
    assert (found.announced[1] if found.announced else None) == warned
    assert found.warning_count >= (1 if warned else 0)


def test_nbsp_helper_is_a_real_non_breaking_space():
    # The fixture must hold what browsers copy, or the nbsp case tests nothing.
    assert NBSP == "\xa0" and NBSP in demo_as_pasted(nbsp=True)


@pytest.mark.django_db
def test_the_issue_page_in_the_admin_shows_the_announced_count_warning(client, editor):
    section = SectionFactory()
    issue = IssueFactory.draft(intro="Our 24 highlights of the month.")
    PaperFactory(issue=issue, section=section)
    client.force_login(editor)
    html = client.get(f"/admin/digests/issue/{issue.pk}/change/").content.decode()
    start = html.index('data-check="announced"')
    item = html[start : html.index("</li>", start)]
    assert "announces “24 highlights”" in item and "the issue has 1 paper." in item
    issue.intro = "Our one highlight of the month."
    issue.save()
    html = client.get(f"/admin/digests/issue/{issue.pk}/change/").content.decode()
    assert 'data-check="announced"' not in html


# --- Shapes found in review -----------------------------------------------------------


def test_a_paper_line_wrapped_inside_its_brackets_is_joined_back():
    text = (
        "Research Highlights June 2023\n\n"
        "Language models\n\n"
        "Lost in the Middle: How Language Models Use Long Contexts (6 Jul,\n"
        "https://arxiv.org/abs/2307.03172)\n\n"
        "The authors show that models do not use long contexts\n"
        "well.\n"
    )
    draft = parse_draft(text)
    (paper,) = draft.papers
    assert (paper.arxiv_id, paper.line) == ("2307.03172", 5)
    assert draft.sections[0].name == "Language models"
    assert paper.annotation == "The authors show that models do not use long contexts\nwell."


def test_an_annotation_sentence_that_ends_by_citing_a_paper_stays_annotation():
    sentence = (
        "A successor to the transformer that trains in parallel; the authors find it wins "
        "at 2.7B and above, which echoes Lost in the Middle (6 Jul, "
        "https://arxiv.org/abs/2307.03172)."
    )
    draft = parse_draft(f"{LAST}{sentence}\n")
    (paper,) = draft.papers
    assert paper.annotation == sentence


def test_section_names_may_end_with_a_colon_and_captions_or_links_are_not_sections():
    draft = parse_draft(
        "Language Models:\n"
        "Lost in the Middle (6 Jul, https://arxiv.org/abs/2307.03172)\n"
        "Models do not use the middle of their context.\n"
        "Code: github.com/nelson-liu/lost-in-the-middle\n"
        "LongNet (5 Jul, https://arxiv.org/abs/2307.02486)\n"
        "A billion tokens, in principle.\n"
        "Computer Vision:\n"
        "SDXL (4 Jul, https://arxiv.org/abs/2307.01952)\n"
        "Bigger images.\n"
    )
    assert [(s.name, len(s.papers)) for s in draft.sections] == [
        ("Language Models", 2),
        ("Computer Vision", 1),
    ]
    assert draft.papers[0].annotation.endswith("Code: github.com/nelson-liu/lost-in-the-middle")


def test_a_paper_line_whose_link_was_lost_in_the_copy_is_reported_not_glued_on():
    draft = parse_draft(LAST + "One model.\nPaper Linked Away (6 Jul, arXiv)\nIts annotation.\n")
    assert draft.papers[-1].annotation == "One model."
    (skipped,) = draft.skipped
    assert skipped.line == 4 and "without its arXiv link" in skipped.reason
    with pytest.raises(ImportRefused, match=r"closest was line 2: .Linked Away .*link is missing"):
        import_draft(text="Other\nLinked Away (6 Jul, arXiv)\nWords.\n", title="X")


@pytest.mark.parametrize(
    "paragraph",
    [
        "If you liked Lost in the Middle above, read this one next: it explains why.",
        "We will look at the follow-up work in the next issue.",
        "Thank you to the authors for releasing the code and weights.",
        "Best results come with the largest model.",
    ],
)
def test_a_paragraph_about_the_last_paper_stays_with_it(paragraph):
    annotation, closing, notes = closing_of(f"{LAST}One model, no cascade.\n{paragraph}\n")
    assert annotation == f"One model, no cascade.\n\n{paragraph}"
    assert (closing, notes) == ("", [])


@pytest.mark.parametrize(
    ("tail", "note"),
    [
        (
            "That's all for this month, folks! Have a great summer.\n"
            "If you enjoyed this issue, share it with a friend.\n",
            "That's all for this month, folks! Have a great summer.\n\n"
            "If you enjoyed this issue, share it with a friend.",
        ),
        ("Cheers,\nAnna\n", "Cheers,\n\nAnna"),
        (
            "As always, this month was a busy one.\nThanks for reading!\n",
            "As always, this month was a busy one.\n\nThanks for reading!",
        ),
    ],
)
def test_common_sign_offs_move_whole(tail, note):
    annotation, closing, _ = closing_of(f"{LAST}One model.\nMore on it.\n{tail}")
    assert (annotation, closing) == ("One model.\n\nMore on it.", note)


@pytest.mark.django_db
def test_an_export_whose_last_annotation_speaks_to_readers_imports_back_the_same():
    section = SectionFactory(name="Other")
    issue = IssueFactory.draft(
        title="Round trip", slug="round-trip", closing_note="See you in September!"
    )
    annotation = (
        "One model.\n\nIf you enjoyed this issue's music papers, subscribe to the tag feed."
    )
    PaperFactory(issue=issue, section=section, annotation=annotation)
    report = import_draft(text=issue_markdown(issue), filename="issue.md")
    assert report.issue.pk == issue.pk
    assert {paper.change for paper in report.papers} == {"unchanged"}
    issue.refresh_from_db()
    assert issue.papers.get().annotation == annotation
    assert issue.closing_note == "See you in September!"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("intro", "warned"),
    [
        ("We skimmed 300 papers this month; here are our 21 highlights.", None),
        ("One paper stood out this month. Below are our 21 highlights.", None),
        ("Two papers from Meta dominate; here are 24 highlights.", "24 highlights"),
    ],
)
def test_the_announced_count_agrees_when_any_count_matches(intro, warned):
    section = SectionFactory()
    issue = IssueFactory.draft(intro=intro)
    for number in range(21):
        PaperFactory(issue=issue, section=section, arxiv_id=f"2307.{number:05d}")
    found = checklist.for_issue(issue).announced
    assert (found[1] if found else None) == warned
