"""Highlighted titles and snippets for search results, made in Python.

The page shows 20 papers whose title, annotation and abstract it has already
fetched, so marking the matches here costs a fraction of a millisecond,
where asking the database again (FTS5 ``snippet()``, PostgreSQL
``ts_headline``) cost a second full-text query per page. To mark what the
index matched, words are compared the way each database compares them:

* SQLite's FTS5 ``porter unicode61 remove_diacritics 2`` tokenizer: the
  original Porter stemmer, accents folded, no stop words;
* PostgreSQL's ``english`` configuration: the Snowball English stemmer and its
  stop words (which a query skips, so they are never marked).

Only words that start with the same letter as a query word's stem can share
its stem (stemmers change endings), so few words of a page are stemmed at all.
"""

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass

import Stemmer
from django.utils.html import escape
from django.utils.safestring import mark_safe

# Markers around matched words; ``highlighted`` escapes the text and then
# turns them into <mark>, so no HTML from a paper reaches a page.
MARK_START, MARK_END = "\x02", "\x03"
ELLIPSIS = "…"
SNIPPET_WORDS = 32

_WORD = re.compile(r"\w+")
_NEXT_WORD = re.compile(r"\W*(\w+)")
_OPENING = re.compile(rf"\W*(?:\w+\W+){{0,{SNIPPET_WORDS - 1}}}\w+")

# PostgreSQL's english.stop (the Snowball list): words its english
# configuration leaves out of documents and queries alike.
POSTGRES_STOP_WORDS = frozenset(
    """\
    i me my myself we our ours ourselves you your yours yourself yourselves he him
    his himself she her hers herself it its itself they them their theirs themselves
    what which who whom this that these those am is are was were be been being have
    has had having do does did doing a an the and but if or because as until while of
    at by for with about against between into through during before after above below
    to from up down in out on off over under again further then once here there when
    where why how all any both each few more most other some such no nor not only own
    same so than too very s t can will just don should now
    """.split()  # noqa: SIM905 (a list of 127 quoted words reads worse)
)


def _fold(word):
    """Lower case without accents, as FTS5's remove_diacritics folds them."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True)
class Language:
    """How one database turns a word into the key it indexes."""

    stemmer: str
    fold_accents: bool
    stop_words: frozenset = frozenset()

    def normal(self, word):
        if self.fold_accents and not word.isascii():
            return _fold(word)
        return word.lower()


SQLITE = Language(stemmer="porter", fold_accents=True)
POSTGRES = Language(stemmer="english", fold_accents=False, stop_words=POSTGRES_STOP_WORDS)


def annotate_matches(papers, query, language):
    """Give each paper ``title_html`` and ``snippet_html`` with the matches
    marked: the annotation's snippet, unless only the abstract holds a match."""
    if not query:
        return papers
    marker = Highlighter(query, language)
    for paper in papers:
        title = marker.title(paper.title)
        snippet = marker.snippet(paper.annotation_text)
        if MARK_START not in snippet:
            abstract = marker.snippet(paper.abstract)
            if MARK_START in abstract or not snippet:
                snippet = abstract
        paper.title_html = highlighted(title) if title else escape(paper.title)
        paper.snippet_html = highlighted(snippet) if snippet else ""
    return papers


def highlighted(text):
    """Text with markers to safe HTML with <mark> around the matches."""
    html = escape(text or "")
    html = html.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    # A snippet may cut a match in two: never leave a <mark> open.
    if html.count("<mark>") > html.count("</mark>"):
        html += "</mark>"
    return mark_safe(html)


class Highlighter:
    """Marks the words of a ``query.Query`` in texts, as the index matched them."""

    def __init__(self, query, language):
        self.language = language
        self.stemmer = Stemmer.Stemmer(language.stemmer)
        # Each term is a tuple of stems; None stands for a stop word, which a
        # phrase steps over (PostgreSQL keeps its place) and a lone word never marks.
        self.terms = []
        for group in query.groups:
            for words in group.include:
                term = [self._stem(word) for word in words]
                while term and term[0] is None:
                    term.pop(0)
                while term and term[-1] is None:
                    term.pop()
                if term and tuple(term) not in self.terms:
                    self.terms.append(tuple(term))
        # Stemmers change endings only: a word can share a stem only if it
        # starts as the stem does (its second letter may be a y the stem made i).
        self.prefixes = set()
        for term in self.terms:
            self.prefixes.add(term[0][:2])
            if term[0][1:2] == "i":
                self.prefixes.add(term[0][0] + "y")
        pattern = "|".join(re.escape(prefix) for prefix in sorted(self.prefixes))
        pattern = rf"\b(?:{pattern})\w*"
        if language.fold_accents:
            pattern += r"|\b\w*[^\W\x00-\x7f]\w*"  # an accent may hide the prefix
        self.pattern = re.compile(pattern, re.IGNORECASE)

    def _candidates(self, text):
        """The words of ``text`` that start like a term's first stem."""
        lower = text.lower()
        if len(lower) != len(text) or (self.language.fold_accents and not text.isascii()):
            yield from self.pattern.finditer(text)  # rare, and slower
            return
        starts = set()
        for prefix in self.prefixes:  # str.find runs far faster than a regex scan
            at = lower.find(prefix)
            while at != -1:
                if not at or not _is_word_char(lower[at - 1]):
                    starts.add(at)
                at = lower.find(prefix, at + 1)
        for at in sorted(starts):
            yield _WORD.match(text, at)

    def _stem(self, word):
        normal = self.language.normal(word)
        if normal in self.language.stop_words:
            return None
        return self.stemmer.stemWord(normal)

    def spans(self, text):
        """(start, end) offsets of every term found in ``text``, in order."""
        found, position = [], 0
        for candidate in self._candidates(text):
            if candidate.start() < position:
                continue  # inside a phrase already found
            first = self._stem(candidate.group())
            for term in self.terms:
                if term[0] != first:
                    continue
                end = candidate.end()
                for stem in term[1:]:
                    word = _NEXT_WORD.match(text, end)
                    if not word or (stem is not None and self._stem(word.group(1)) != stem):
                        break
                    end = word.end()
                else:
                    found.append((candidate.start(), end))
                    position = end
                    break
        return found

    def title(self, text):
        """The whole text with every match marked, or None when nothing matched."""
        text = _clean(text)
        spans = self.spans(text)
        return _marked(text, spans, 0, len(text)) if spans else None

    def snippet(self, text, size=SNIPPET_WORDS):
        """About ``size`` words around the most matches, with "…" where text
        was cut; the opening words when nothing matched; "" for no text."""
        text = _clean(text).strip()
        spans = self.spans(text)
        if not spans:
            opening = _OPENING.match(text)
            if not opening:
                return ""
            if not _WORD.search(text, opening.end()):
                return text  # short enough to show whole
            return opening.group().strip() + ELLIPSIS
        # The match followed by the most others within about ``size`` words,
        # shown from a few words before it; only the words near it are counted.
        reach = size * 8
        anchor = max(
            (start for start, _ in spans),
            key=lambda at: (sum(1 for start, _ in spans if at <= start < at + reach), -at),
        )
        low = max(0, anchor - reach)
        words = [word.start() for word in _WORD.finditer(text, low, anchor + 2 * reach)]
        if low:
            words = words[1:]  # the first may be the end of a word cut in two
        first = max(0, bisect_left(words, anchor) - size // 4)
        begin = words[first]
        end = _WORD.match(text, words[min(len(words), first + size) - 1]).end()
        end = max([end] + [stop for start, stop in spans if begin <= start < end])
        # Whole at either end when nothing was cut there (punctuation included).
        begin = begin if _WORD.search(text, 0, begin) else 0
        end = end if _WORD.search(text, end) else len(text)
        return (
            (ELLIPSIS if begin else "")
            + _marked(text, spans, begin, end)
            + (ELLIPSIS if end < len(text) else "")
        )


def _marked(text, spans, begin, end):
    """text[begin:end] with the spans inside it between markers."""
    out, position = [], begin
    for start, stop in spans:
        if begin <= start and stop <= end:
            out += [text[position:start], MARK_START, text[start:stop], MARK_END]
            position = stop
    out.append(text[position:end])
    return "".join(out)


def _is_word_char(char):
    return char.isalnum() or char == "_"


def _clean(text):
    return (text or "").replace(MARK_START, "").replace(MARK_END, "")
