"""Snippets and highlighted titles made in Python (digests/search/snippets.py): they must
mark what each database's index matched, and never let a paper's HTML through."""

import pytest

from digests.search import snippets
from digests.search.query import parse_query
from digests.search.snippets import ELLIPSIS, MARK_END, MARK_START, POSTGRES, SQLITE, Highlighter

BOTH = pytest.mark.parametrize("language", [SQLITE, POSTGRES], ids=["sqlite", "postgresql"])


def marked(text):
    """The marked words of a marker's output, in order."""
    words, rest = [], text
    while MARK_START in rest:
        start = rest.index(MARK_START) + 1
        end = rest.index(MARK_END, start)
        words.append(rest[start:end])
        rest = rest[end + 1 :]
    return words


def highlighter(text, language):
    return Highlighter(parse_query(text), language)


@BOTH
def test_other_forms_of_a_word_are_marked_as_the_index_stems_them(language):
    marker = highlighter("models pruning", language)
    text = "A model is pruned; pruning models helps. Modelling too, modern not."
    assert marked(marker.snippet(text)) == ["model", "pruned", "pruning", "models", "Modelling"]


def test_a_phrase_is_marked_only_where_its_words_follow_each_other():
    marker = highlighter('"in-context learning"', SQLITE)
    text = "Learning in context is not in-context learning, nor In Context Learning."
    assert marked(marker.snippet(text)) == ["in-context learning", "In Context Learning"]
    # "in" is a stop word to PostgreSQL: its query is "context" then "learning".
    marker = highlighter('"in-context learning"', POSTGRES)
    assert marked(marker.snippet(text)) == ["context learning", "Context Learning"]


@BOTH
def test_excluded_words_are_never_marked(language):
    marker = highlighter("pruning -vision", language)
    assert marked(marker.snippet("Pruning for vision models.")) == ["Pruning"]


@BOTH
def test_words_of_every_alternative_are_marked(language):
    marker = highlighter("quantization or pruning", language)
    assert marked(marker.snippet("Quantization beats pruning.")) == ["Quantization", "pruning"]


def test_postgresql_never_marks_stop_words_it_leaves_out_of_queries():
    marker = highlighter("mixture of experts", POSTGRES)
    assert marked(marker.snippet("A mixture of experts, of course.")) == ["mixture", "experts"]
    # SQLite's index has no stop words: "of" matched there, so it is marked.
    marker = highlighter("mixture of experts", SQLITE)
    assert marked(marker.snippet("A mixture of experts.")) == ["mixture", "of", "experts"]


def test_a_phrase_steps_over_a_stop_word_on_postgresql():
    marker = highlighter('"mixture of experts"', POSTGRES)
    assert marked(marker.snippet("Sparse mixture of experts.")) == ["mixture of experts"]


def test_sqlite_folds_accents_as_fts5_does():
    marker = highlighter("naive cafe", SQLITE)
    assert marked(marker.snippet("A naïve model at the café.")) == ["naïve", "café"]


@BOTH
def test_a_long_text_is_cut_around_the_matches_with_ellipses(language):
    text = " ".join(f"filler{n}" for n in range(200))
    text = text.replace("filler100", "sparsity").replace("filler110", "sparsity")
    snippet = highlighter("sparsity", language).snippet(text)
    assert snippet.startswith(ELLIPSIS) and snippet.endswith(ELLIPSIS)
    assert marked(snippet) == ["sparsity", "sparsity"]
    assert len(snippet.split()) <= snippets.SNIPPET_WORDS + 1


@BOTH
def test_without_a_match_the_snippet_is_the_opening_words(language):
    marker = highlighter("zeppelin", language)
    text = " ".join(f"word{n}" for n in range(100))
    snippet = marker.snippet(text)
    assert snippet.startswith("word0 word1") and snippet.endswith(ELLIPSIS)
    assert MARK_START not in snippet
    assert marker.snippet("Short text.") == "Short text."
    assert marker.snippet("") == ""


@BOTH
def test_a_title_is_marked_whole_or_not_at_all(language):
    marker = highlighter("pruning", language)
    assert marker.title("Pruning Large Networks, then Pruning Again") == (
        f"{MARK_START}Pruning{MARK_END} Large Networks, then {MARK_START}Pruning{MARK_END} Again"
    )
    assert marker.title("Scaling Laws") is None


def test_paper_text_is_escaped_and_markers_in_it_are_dropped():
    marker = highlighter("escaping", SQLITE)
    text = f"<b>Escaping</b> {MARK_START}&{MARK_END} <script>alert(1)</script>"
    html = snippets.highlighted(marker.snippet(text))
    assert (
        html
        == "&lt;b&gt;<mark>Escaping</mark>&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;"
    )


def test_the_annotation_snippet_wins_unless_only_the_abstract_matches():
    class Paper:
        title = "Scaling Laws"
        annotation_text = "About sparsity."
        abstract = "We prune networks."

    query = parse_query("pruning")
    [paper] = snippets.annotate_matches([Paper()], query, SQLITE)
    assert paper.snippet_html == "We <mark>prune</mark> networks."
    assert paper.title_html == "Scaling Laws"
    query = parse_query("sparsity or pruning")
    [paper] = snippets.annotate_matches([Paper()], query, SQLITE)
    assert paper.snippet_html == "About <mark>sparsity</mark>."
