"""The draft parser on the messy shapes real drafts come in (no database needed)."""

from datetime import date

import pytest

from digests.drafts.dates import read_date
from digests.drafts.parser import (
    MAX_DRAFT_BYTES,
    DraftError,
    check_text,
    decode_draft,
    detect_format,
    parse_draft,
)

PLAIN = """\
Hello and welcome to the spring round-up. Most of what caught our eye
this time is about reading longer inputs.

A second paragraph of the intro, with *emphasis*.

Large Language Models

Reading Very Long Inputs Without Forgetting (6 Jul, https://arxiv.org/abs/2307.03172)
The first paragraph of the annotation explains the idea.

The second paragraph says why it matters.

Counting Tokens the Hard Way (Jul 5, arxiv.org/abs//2307.02486v2)
One short paragraph.

Computer Vision

Pictures at Any Size (https://arxiv.org/pdf/2307.06304v1.pdf, Jul 12)
Patches of different images packed into one sequence.
"""


def only_paper(line, *, section="Other", annotation="Some words."):
    draft = parse_draft(f"{section}\n\n{line}\n{annotation}\n")
    assert not draft.skipped, draft.skipped
    (paper,) = draft.papers
    return paper


# --- The plain-text shape -----------------------------------------------------------


def test_plain_text_draft_gives_intro_sections_papers_and_annotations():
    draft = parse_draft(PLAIN)
    assert draft.format == "text"
    assert draft.intro == (
        "Hello and welcome to the spring round-up. Most of what caught our eye\n"
        "this time is about reading longer inputs.\n\n"
        "A second paragraph of the intro, with *emphasis*."
    )
    assert [s.name for s in draft.sections] == ["Large Language Models", "Computer Vision"]
    first, second = draft.sections[0].papers
    assert (first.title, first.arxiv_id, first.arxiv_date) == (
        "Reading Very Long Inputs Without Forgetting",
        "2307.03172",
        date(2023, 7, 6),
    )
    assert first.annotation == (
        "The first paragraph of the annotation explains the idea.\n\n"
        "The second paragraph says why it matters."
    )
    assert (second.arxiv_id, second.version, second.arxiv_date) == (
        "2307.02486",
        2,
        date(2023, 7, 5),
    )
    (third,) = draft.sections[1].papers
    assert (third.arxiv_id, third.arxiv_date, third.line) == ("2307.06304", date(2023, 7, 12), 18)
    assert third.annotation == "Patches of different images packed into one sequence."
    assert draft.skipped == [] and draft.notes == []


@pytest.mark.parametrize(
    "inner",
    [
        "6 Jul, https://arxiv.org/abs/2307.03172",
        "Jul 6, https://arxiv.org/abs/2307.03172",
        "https://arxiv.org/abs/2307.03172, Jul 6",
        "https://arxiv.org/abs/2307.03172, 6 Jul",
        "6 July, https://arxiv.org/abs/2307.03172",
        "July 6, https://arxiv.org/abs/2307.03172",
        "July 6th, http://arxiv.org/abs/2307.03172",
        "6 Jul 2023, https://arxiv.org/abs/2307.03172",
        "Jul 6, 2023, https://arxiv.org/abs/2307.03172",
        "2023-07-06, https://arxiv.org/abs/2307.03172",
        "6 jul., https://arxiv.org/abs/2307.03172",
        "6 Jul, https://arxiv.org/abs//2307.03172",
        "6 Jul, http://arxiv.org/abs/2307.03172",
        "6 Jul, https://www.arxiv.org/abs/2307.03172",
        "6 Jul, arxiv.org/abs/2307.03172",
        "6 Jul, https://arxiv.org/pdf/2307.03172",
        "6 Jul, https://arxiv.org/pdf/2307.03172.pdf",
        "6 Jul, https://arxiv.org/pdf/2307.03172v3.pdf",
        "6 Jul, https://arxiv.org/abs/2307.03172v2",
        "6 Jul, arXiv:2307.03172",
        "6 Jul, arXiv 2307.03172",
        "6 Jul, 2307.03172v1",
        "6 Jul https://arxiv.org/abs/2307.03172",
        "6 Jul, <https://arxiv.org/abs/2307.03172>",
        "6 Jul, [arXiv](https://arxiv.org/abs/2307.03172)",
        "[6 Jul](https://arxiv.org/abs/2307.03172)",
        "6 Jul, PDF: https://arxiv.org/pdf/2307.03172",
    ],
)
def test_every_date_and_link_form_gives_the_same_paper(inner):
    paper = only_paper(f"Reading Very Long Inputs ({inner})")
    assert paper.title == "Reading Very Long Inputs"
    assert paper.arxiv_id == "2307.03172"
    assert paper.arxiv_date == date(2023, 7, 6)


@pytest.mark.parametrize(
    "line",
    [
        "Reading Very Long Inputs (6 Jul, https://arxiv.org/abs/2307.03172).",
        "[Reading Very Long Inputs](https://arxiv.org/abs/2307.03172) (6 Jul)",
        "**[Reading Very Long Inputs](https://arxiv.org/abs/2307.03172v2)** (Jul 6)",
        "Reading Very Long Inputs – (6 Jul, https://arxiv.org/abs/2307.03172)",
    ],
)
def test_paper_lines_with_markdown_links_or_trailing_punctuation(line):
    paper = only_paper(line)
    assert (paper.title, paper.arxiv_id, paper.arxiv_date) == (
        "Reading Very Long Inputs",
        "2307.03172",
        date(2023, 7, 6),
    )


def test_versions_are_kept_apart_from_the_id():
    assert only_paper("A (6 Jul, arxiv.org/abs/2307.03172v4)").version == 4
    assert only_paper("A (6 Jul, arxiv.org/abs/2307.03172)").version is None


def test_old_style_ids_are_read_too():
    paper = only_paper("An Old Result (3 Jan, https://arxiv.org/abs/hep-th/9901001)")
    assert (paper.arxiv_id, paper.arxiv_date) == ("hep-th/9901001", date(1999, 1, 3))


def test_titles_keep_their_own_parentheses():
    paper = only_paper("Patch n' Pack (NaViT): any aspect ratio (Jul 12, arxiv.org/abs/2307.06304)")
    assert paper.title == "Patch n' Pack (NaViT): any aspect ratio"


@pytest.mark.parametrize(
    ("written", "id_month", "expected"),
    [
        ("Jan 2", (2023, 12), date(2024, 1, 2)),  # a December id, a January date: next year
        ("2 January", (2023, 12), date(2024, 1, 2)),
        ("Dec 30", (2024, 1), date(2023, 12, 30)),  # a January id, a December date: last year
        ("Dec 30", (2023, 12), date(2023, 12, 30)),
        ("Jan 2", (2024, 1), date(2024, 1, 2)),
        ("Jun 30", (2023, 7), date(2023, 6, 30)),
        ("Feb 29", (2024, 2), date(2024, 2, 29)),
        ("Feb 29", (2023, 2), date(2024, 2, 29)),  # only a leap year has it
        ("Mar 1", (1999, 3), date(1999, 3, 1)),
        ("1 Mar 2022", (2023, 12), date(2022, 3, 1)),  # an explicit year always wins
    ],
)
def test_the_year_is_the_one_closest_to_the_id_month(written, id_month, expected):
    assert read_date(written, id_month) == expected


def test_year_inference_across_new_year_in_a_whole_draft():
    draft = parse_draft(
        "Other\n\n"
        "Late December Paper (Dec 31, arxiv.org/abs/2401.00001)\nText.\n\n"
        "Early January Paper (Jan 2, arxiv.org/abs/2312.17001)\nText.\n"
    )
    assert [p.arxiv_date for p in draft.papers] == [date(2023, 12, 31), date(2024, 1, 2)]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("Jul 45", "is not a day of the calendar"),
        ("Feb 30", "is not a day of the calendar"),
        ("31 Jun 2023", "is not a day of the calendar"),
        ("Juli 6", "is not a month"),
        ("6/7", "is not a date"),
        ("2023-13-01", "is not a month"),
    ],
)
def test_unreadable_dates_say_why(written, message):
    with pytest.raises(ValueError, match=message):
        read_date(written, (2023, 7))


# --- What gets skipped, and why -------------------------------------------------------


def test_a_paper_with_a_bad_date_is_skipped_with_its_annotation():
    draft = parse_draft(
        "Other\n\n"
        "Good One (6 Jul, arxiv.org/abs/2307.03172)\nKept.\n\n"
        "Bad Date (Jul 45, arxiv.org/abs/2307.02486)\nThis annotation goes with it.\n\n"
        "Another paragraph of it.\n\n"
        "Good Two (7 Jul, arxiv.org/abs/2307.03170)\nAlso kept.\n"
    )
    assert [p.title for p in draft.papers] == ["Good One", "Good Two"]
    assert draft.papers[0].annotation == "Kept."
    (skipped,) = draft.skipped
    assert skipped.line == 6
    assert skipped.text.startswith("Bad Date")
    assert "not a day of the calendar" in skipped.reason


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("No Date Here (https://arxiv.org/abs/2307.03172)", "no date"),
        ("Bad Id (6 Jul, https://arxiv.org/abs/2313.03172)", "no valid month"),
        ("Elsewhere (6 Jul, https://openreview.net/forum?id=abc)", "is not an arXiv link"),
        ("Odd Date (Jul 45, https://arxiv.org/abs/2307.03172)", "not a day of the calendar"),
    ],
)
def test_refused_paper_lines_are_reported(line, reason):
    draft = parse_draft(f"Other\n\nFine (6 Jul, arxiv.org/abs/2307.00001)\nOk.\n\n{line}\nWords.\n")
    assert [p.title for p in draft.papers] == ["Fine"]
    assert draft.papers[0].annotation == "Ok."
    (skipped,) = draft.skipped
    assert reason in skipped.reason and skipped.line == 6


def test_the_same_paper_twice_is_skipped_the_second_time():
    draft = parse_draft(
        "Other\n\nFirst (6 Jul, arxiv.org/abs/2307.03172)\nA.\n\n"
        "Again (6 Jul, https://arxiv.org/pdf/2307.03172v2)\nB.\n"
    )
    assert [p.title for p in draft.papers] == ["First"]
    assert draft.skipped[0].reason == "the same paper as line 3"


def test_text_between_a_section_heading_and_its_first_paper_is_reported():
    draft = parse_draft(
        "Vision\n\nA short preface to the section.\n\n"
        "Seeing (6 Jul, arxiv.org/abs/2307.03172)\nA.\n"
    )
    # "Vision" is not followed by a paper, so it is intro; the preface too.
    assert draft.intro.startswith("Vision")
    assert draft.papers[0].title == "Seeing"
    assert draft.notes[0].reason.startswith("no section heading before it")
    assert draft.sections[0].name == "Other"


def test_prose_in_a_section_before_any_paper_is_skipped():
    draft = parse_draft(
        "## Vision\n\nA short preface to the section.\n\nMore of it.\n\n"
        "### Seeing (6 Jul, arxiv.org/abs/2307.03172)\nA.\n"
    )
    assert draft.papers[0].title == "Seeing"
    (skipped,) = draft.skipped
    assert (skipped.line, skipped.reason) == (
        3,
        "text between a section heading and its first paper",
    )


def test_annotations_that_mention_links_stay_annotations():
    draft = parse_draft(
        "Other\n\n"
        "Main Paper (6 Jul, arxiv.org/abs/2307.03172)\n"
        "Compare the follow-up (https://arxiv.org/abs/2307.09999).\n\n"
        "Code is on GitHub (https://github.com/example/project)\n\n"
        "See the companion work (see arxiv.org/abs/2307.08888)\n"
    )
    (paper,) = draft.papers
    assert "github.com/example/project" in paper.annotation
    assert "companion work" in paper.annotation
    assert draft.skipped == []


def test_a_line_that_is_not_alone_is_not_a_section():
    draft = parse_draft(
        "Other\n\n"
        "Main Paper (6 Jul, arxiv.org/abs/2307.03172)\n"
        "A first paragraph.\n\n"
        "Worth a look, really.\n\n"
        "Next Paper (7 Jul, arxiv.org/abs/2307.03170)\nMore.\n"
    )
    assert [s.name for s in draft.sections] == ["Other"]
    assert draft.papers[0].annotation == "A first paragraph.\n\nWorth a look, really."


def test_heading_directly_above_its_first_paper_and_papers_without_annotations():
    draft = parse_draft(
        "Intro line.\n\n"
        "Other\n"
        "One (6 Jul, arxiv.org/abs/2307.03172)\n"
        "Two (7 Jul, arxiv.org/abs/2307.03170)\n"
        "Annotation of two.\n"
    )
    assert [s.name for s in draft.sections] == ["Other"]
    one, two = draft.papers
    assert (one.annotation, two.annotation) == ("", "Annotation of two.")


def test_same_section_twice_is_one_section_matched_case_insensitively():
    draft = parse_draft(
        "Other\n\nOne (6 Jul, arxiv.org/abs/2307.03172)\nA.\n\n"
        "Vision\n\nTwo (7 Jul, arxiv.org/abs/2307.03170)\nB.\n\n"
        "OTHER\n\nThree (8 Jul, arxiv.org/abs/2307.03171)\nC.\n"
    )
    assert [(s.name, [p.title for p in s.papers]) for s in draft.sections] == [
        ("Other", ["One", "Three"]),
        ("Vision", ["Two"]),
    ]


def test_numbered_and_bulleted_paper_lines():
    draft = parse_draft(
        "Other\n\n1. One (6 Jul, arxiv.org/abs/2307.03172)\nA.\n\n"
        "- Two (7 Jul, arxiv.org/abs/2307.03170)\nB.\n"
    )
    assert [p.title for p in draft.papers] == ["One", "Two"]


def test_windows_line_endings_and_a_byte_order_mark():
    draft = parse_draft(
        "\ufeffIntro.\r\n\r\nOther\r\n\r\nOne (6 Jul, arxiv.org/abs/2307.03172)\r\nA.\r\n"
    )
    assert draft.intro == "Intro."
    assert draft.papers[0].annotation == "A."


def test_text_without_papers_gives_an_empty_draft():
    draft = parse_draft("Just some notes.\n\nNothing else here.\n")
    assert draft.papers == [] and draft.intro.startswith("Just some notes.")


# --- Markdown ----------------------------------------------------------------------

MARKDOWN = """\
# Spring Highlights 2024

Welcome! This issue is *short*.

## Large Language Models

### Reading Very Long Inputs (Jan 2, https://arxiv.org/abs/2312.17001)

First paragraph with a [link](https://example.org).

- a list item
- another

#### A small heading inside the annotation

```python
# a comment in code, not a title
## nor a section
```

**Counting Tokens** (3 Jan 2024, arxiv.org/abs/2401.00123)

Bold-line paper.

## Computer Vision

### Pictures at Any Size (https://arxiv.org/abs/2401.00456v2, 5 January)

Vision text.

### A Heading Without a Link

This annotation goes with the refused heading.
"""


def test_markdown_draft_reads_title_sections_bold_and_heading_papers():
    draft = parse_draft(MARKDOWN, filename="spring.md")
    assert draft.format == "markdown"
    assert draft.title == "Spring Highlights 2024"
    assert draft.intro == "Welcome! This issue is *short*."
    assert [s.name for s in draft.sections] == ["Large Language Models", "Computer Vision"]
    first, bold = draft.sections[0].papers
    assert (first.title, first.arxiv_date) == ("Reading Very Long Inputs", date(2024, 1, 2))
    assert first.annotation.startswith("First paragraph with a [link](https://example.org).")
    assert "#### A small heading inside the annotation" in first.annotation
    assert "# a comment in code, not a title\n## nor a section\n```" in first.annotation
    assert (bold.title, bold.arxiv_id, bold.annotation) == (
        "Counting Tokens",
        "2401.00123",
        "Bold-line paper.",
    )
    (vision,) = draft.sections[1].papers
    assert (vision.arxiv_id, vision.version, vision.arxiv_date) == (
        "2401.00456",
        2,
        date(2024, 1, 5),
    )
    assert vision.annotation == "Vision text."
    (skipped,) = draft.skipped
    assert skipped.text == "### A Heading Without a Link"
    assert "needs “(date, arXiv link)”" in skipped.reason


def test_bold_around_the_whole_paper_line():
    draft = parse_draft("## Other\n\n**One (6 Jul, arxiv.org/abs/2307.03172)**\n\nA.\n")
    assert draft.papers[0].title == "One"


def test_markdown_without_section_headings_uses_bare_lines():
    draft = parse_draft(
        "# Title\n\nIntro.\n\nOther\n\n### One (6 Jul, arxiv.org/abs/2307.03172)\nA.\n"
    )
    assert [s.name for s in draft.sections] == ["Other"]
    assert draft.intro == "Intro."


def test_markdown_with_section_headings_does_not_guess_bare_ones():
    draft = parse_draft(
        "## Other\n\n### One (6 Jul, arxiv.org/abs/2307.03172)\nA.\n\nLooks Like A Heading\n\n"
        "### Two (7 Jul, arxiv.org/abs/2307.03170)\nB.\n"
    )
    assert [s.name for s in draft.sections] == ["Other"]
    assert draft.papers[0].annotation == "A.\n\nLooks Like A Heading"


def test_a_title_after_the_intro_is_just_text():
    draft = parse_draft("Intro first.\n\n# Not the title\n\n## S\n\n### One (6 Jul, 2307.03172)\n")
    assert draft.title == ""
    assert "# Not the title" in draft.intro


@pytest.mark.parametrize(
    ("text", "filename", "expected"),
    [
        ("plain words", "draft.md", "markdown"),
        ("plain words", "DRAFT.MARKDOWN", "markdown"),
        ("plain words", "draft.txt", "text"),
        ("plain words", None, "text"),
        ("intro\n\n## Section\n", "draft.txt", "markdown"),
        ("intro\n\n### One (6 Jul, 2307.03172)\n", None, "markdown"),
        ("intro\n\n**One** (6 Jul, 2307.03172)\n", None, "markdown"),
        ("```\n## inside a fence\n```\n", None, "text"),
        ("#hashtag is not a heading\n", None, "text"),
    ],
)
def test_format_is_detected_by_extension_or_content(text, filename, expected):
    assert detect_format(text, filename) == expected


def test_format_can_be_forced():
    assert parse_draft("## Other\n", format="text").format == "text"
    with pytest.raises(DraftError, match="Unknown format"):
        parse_draft("x", format="docx")


# --- Bytes --------------------------------------------------------------------------


def test_decode_refuses_what_is_not_utf8():
    with pytest.raises(DraftError, match="not UTF-8 text"):
        decode_draft("Caf\u00e9 (6 Jul, 2307.03172)".encode("latin-1"), name="“x.txt”")


def test_decode_refuses_binary_garbage_with_the_line():
    with pytest.raises(DraftError, match=r"control character \(U\+0000\) on line 2"):
        decode_draft(b"fine\nbad\x00bytes\n")


def test_decode_refuses_drafts_over_the_cap():
    with pytest.raises(DraftError, match="at most 1,048,576 bytes"):
        decode_draft(b"a" * (MAX_DRAFT_BYTES + 1))
    with pytest.raises(DraftError, match="larger than"):
        check_text("é" * (MAX_DRAFT_BYTES // 2 + 1))


def test_decode_accepts_a_byte_order_mark_and_tabs():
    assert decode_draft("\ufeffa\tb\n".encode()) == "a\tb\n"
