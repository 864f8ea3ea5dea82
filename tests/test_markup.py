import re
from html.parser import HTMLParser

import pytest

from digests.markup import ALLOWED_TAGS, html_to_text, render_markdown


def test_markdown_becomes_html():
    html = render_markdown(
        "Some *emphasis*, `code` and a [link](https://arxiv.org/abs/2307.03172)."
    )
    assert "<em>emphasis</em>" in html
    assert "<code>code</code>" in html
    assert '<a href="https://arxiv.org/abs/2307.03172" rel="noopener">link</a>' in html


def test_bare_urls_become_links():
    html = render_markdown("Compare https://arxiv.org/abs/2306.17563 for reranking.")
    assert '<a href="https://arxiv.org/abs/2306.17563"' in html


def test_empty_text_gives_empty_html():
    assert render_markdown("") == ""
    assert render_markdown("  \n ") == ""


class ElementCollector(HTMLParser):
    """Collects the live elements and attributes a browser would build from ``html``."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">click</a>',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](jav&#x09;ascript:alert(1))",
        "[click](jav\tascript:alert(1))",
        '<svg onload="alert(1)"></svg>',
        '<iframe src="https://evil.example"></iframe>',
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<p style="background:url(javascript:alert(1))">x</p>',
        "![x](https://evil.example/pixel.png)",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ],
)
def test_scripts_event_handlers_and_javascript_urls_never_survive(payload):
    html = render_markdown(f"Before {payload} after")
    elements = ElementCollector(html).elements
    for tag, attrs in elements:
        assert tag in ALLOWED_TAGS, f"<{tag}> survived"
        assert not any(name.startswith("on") for name in attrs), attrs
        assert "style" not in attrs and "src" not in attrs
        if "href" in attrs:
            # Browsers drop tabs and newlines from a URL before reading its scheme.
            href = re.sub(r"[\t\n\r]", "", attrs["href"]).strip()
            scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", href)
            assert scheme is None or scheme[1].lower() in {"http", "https", "mailto"}, href
    assert "Before" in html and "after" in html


def test_headings_in_an_annotation_sit_below_the_page_headings():
    html = render_markdown("# Big\n\n## Smaller\n\n### Smallest")
    assert "<h1" not in html and "<h2" not in html and "<h3" not in html
    assert "<h4>Big</h4>" in html
    assert "<h5>Smaller</h5>" in html
    assert "<h6>Smallest</h6>" in html


def test_plain_text_keeps_words_whole_across_inline_markup():
    html = render_markdown(
        "Wanda (pruning by **W**eights **and a**ctivations) uses `top`-k.\n\n"
        "- one item\n- two\n\nA [link](https://example.org)ed word.<br>Next"
    )
    text = html_to_text(html)
    assert "(pruning by Weights and activations) uses top-k." in text
    assert "one item two" in text  # list items and paragraphs still part words
    assert "A linked word." in text
    assert "uses top-k. one item" in text


@pytest.mark.django_db
def test_a_word_split_by_bold_letters_is_found_by_search(client):
    from digests.models import Paper

    from .factories import PaperFactory

    PaperFactory(title="Sparse Models", annotation="Pruning by **W**eights and **a**ctivations.")
    assert Paper.objects.get().annotation_text == "Pruning by Weights and activations."
    response = client.get("/search/", {"q": "weights activations"})
    assert [paper.title for paper in response.context["papers"]] == ["Sparse Models"]
