"""Editor Markdown and reader plain text to safe HTML.

Editors write intros and annotations in Markdown; it is rendered once, when
the object is saved, and the stored HTML is what pages show. Raw HTML in the
Markdown is not passed through, and the result is sanitised again with nh3 so
that no script, event handler or ``javascript:`` URL can reach a reader even
if the renderer had a bug.
"""

import re
from html import unescape

import nh3
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
_renderer.enable(["table", "strikethrough", "linkify"])

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize(html):
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
    )


# Tags that end a line of text: a space in their place. Inline tags (strong,
# em, code, a, sub...) sit inside words and leave nothing: "**W**eights" is one word.
_BREAKING_TAG = re.compile(
    r"</?(?:p|br|hr|li|ul|ol|h[1-6]|blockquote|pre|table|thead|tbody|tr|td|th|div)\b[^>]*>",
    re.IGNORECASE,
)


def html_to_text(html):
    """The words of rendered HTML as plain text, for the search index and snippets."""
    if not html:
        return ""
    text = re.sub(r"<[^>]*>", "", _BREAKING_TAG.sub(" ", html))
    return " ".join(unescape(text).split())


def render_markdown(text):
    """Return sanitised HTML for ``text`` (Markdown); empty text gives ''."""
    if not text or not text.strip():
        return ""
    tokens = _renderer.parse(text)
    # Pages use h1-h3 for the issue, its sections and its papers; headings an
    # editor writes inside an annotation sit below them.
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 3, 6)}"
    html = _renderer.renderer.render(tokens, _renderer.options, {})
    return sanitize(html).strip()


# --- Reader comments: plain text, never HTML ---------------------------------------

_COMMENT_URL = re.compile(r"\bhttps?://[^\s<>\"'\x00-\x1f]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


def _link(url):
    # Trailing punctuation belongs to the sentence, unless it closes a bracket in the URL.
    tail = ""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        tail = url[-1] + tail
        url = url[:-1]
    anchor = format_html('<a href="{}" rel="nofollow ugc noopener">{}</a>', url, url)
    return anchor + escape(tail)


def render_comment(text):
    """Escaped text with line breaks kept and http(s) links made clickable."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    rendered = []
    for paragraph in paragraphs:
        pieces, position = [], 0
        for match in _COMMENT_URL.finditer(paragraph):
            pieces.append(escape(paragraph[position : match.start()]))
            pieces.append(_link(match.group(0)))
            position = match.end()
        pieces.append(escape(paragraph[position:]))
        html = "".join(pieces).strip().replace("\n", "<br>\n")
        rendered.append(f"<p>{html}</p>")
    return mark_safe("\n".join(rendered))  # every piece above is escaped or format_html
