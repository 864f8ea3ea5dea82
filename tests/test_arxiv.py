import pytest

from digests.arxiv.ids import InvalidArxivId, parse_arxiv_id


@pytest.mark.parametrize(
    ("text", "identifier", "version"),
    [
        ("2307.03172", "2307.03172", None),
        ("2307.03172v2", "2307.03172", 2),
        ("  2307.03172  ", "2307.03172", None),
        ("arXiv:2307.03172", "2307.03172", None),
        ("https://arxiv.org/abs//2306.11987", "2306.11987", None),
        ("https://arxiv.org/abs/2306.11987v3", "2306.11987", 3),
        ("http://arxiv.org/abs/2306.11987", "2306.11987", None),
        ("arxiv.org/pdf/2306.11987v1.pdf", "2306.11987", 1),
        ("https://arxiv.org/pdf/2306.11987", "2306.11987", None),
        ("https://www.arxiv.org/abs/2306.11987/", "2306.11987", None),
        ("https://export.arxiv.org/abs/2306.11987?context=cs", "2306.11987", None),
        ("https://arxiv.org/html/2307.03172v1#S2", "2307.03172", 1),
        ("0704.0001", "0704.0001", None),
        ("1412.9999", "1412.9999", None),
        ("1501.00001", "1501.00001", None),
        ("hep-th/9901001", "hep-th/9901001", None),
        ("hep-th/9901001v2", "hep-th/9901001", 2),
        ("math.GT/0309136", "math.GT/0309136", None),
        ("https://arxiv.org/abs/cond-mat/0102536", "cond-mat/0102536", None),
    ],
)
def test_every_form_an_editor_pastes_parses_to_the_canonical_id(text, identifier, version):
    parsed = parse_arxiv_id(text)
    assert parsed.identifier == identifier
    assert parsed.version == version


@pytest.mark.parametrize(
    ("text", "message_part"),
    [
        ("", "Enter an arXiv id"),
        ("   ", "Enter an arXiv id"),
        ("hello world", "is not an arXiv id"),
        ("2307.0317", "5 digits"),
        ("2307.031722", "is not an arXiv id"),
        ("1412.12345", "4 digits"),
        ("2313.03172", "no valid month"),
        ("2300.03172", "no valid month"),
        ("0703.0001", "April 2007"),
        ("hep-th/0801001", "March 2007"),
        ("2307.03172v0", "is not an arXiv id"),
        ("https://example.com/abs/2307.03172", "is not an arXiv id"),
        ("https://arxiv.org/list/cs.CL/recent", "is not an arXiv id"),
        ("2307.03172; DROP TABLE", "is not an arXiv id"),
        ("<script>2307.03172</script>", "is not an arXiv id"),
    ],
)
def test_garbage_is_refused_with_a_message_an_editor_can_act_on(text, message_part):
    with pytest.raises(InvalidArxivId) as error:
        parse_arxiv_id(text)
    assert message_part in str(error.value)


def test_an_overlong_paste_is_shortened_in_the_message():
    with pytest.raises(InvalidArxivId) as error:
        parse_arxiv_id("x" * 500)
    assert len(str(error.value)) < 250


@pytest.mark.parametrize(
    ("text", "year", "month"),
    [("2307.03172", 2023, 7), ("0704.0001", 2007, 4), ("hep-th/9901001", 1999, 1)],
)
def test_the_id_tells_when_the_paper_was_submitted(text, year, month):
    assert parse_arxiv_id(text).year_month == (year, month)
