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
from markdown_it.token import Token

from .arxiv.ids import ABS_URL, PDF_URL, InvalidArxivId, parse_arxiv_id

# What ends a sentence rather than a bare link: ``see https://arxiv.org/abs/2307.03172:``
# links the paper, not "2307.03172:". A closing bracket stays when the link opened it.
LINK_TRAILING_PUNCTUATION = ".,;:!?)]"
_CLOSING = {")": "(", "]": "["}


def split_trailing_punctuation(url):
    """(``url`` without the punctuation that ends the sentence around it, that punctuation)."""
    tail = ""
    while url and url[-1] in LINK_TRAILING_PUNCTUATION:
        last = url[-1]
        if last in _CLOSING and url.count(_CLOSING[last]) >= url.count(last):
            break  # balanced: https://en.wikipedia.org/wiki/Foo_(bar)
        tail, url = last + tail, url[:-1]
    return url, tail


def _strip_from_href(href, tail):
    """``href`` less ``tail``, character by character, as typed or percent-encoded."""
    for char in reversed(tail):
        encoded = f"%{ord(char):02X}"
        if href.endswith(char):
            href = href[:-1]
        elif href.upper().endswith(encoded):
            href = href[: -len(encoded)]
    return href


def linkify_trailing_punctuation(state):
    """A core rule after markdown-it's ``linkify``: punctuation that closes the
    sentence (``LINK_TRAILING_PUNCTUATION``) leaves a bare link for the text after it."""
    for block in state.tokens:
        children = block.children
        if block.type != "inline" or not children:
            continue
        index = 0
        while index + 2 < len(children):
            opening, text, closing = children[index : index + 3]
            if (
                opening.type == "link_open"
                and opening.markup == "linkify"
                and text.type == "text"
                and closing.type == "link_close"
            ):
                kept, tail = split_trailing_punctuation(text.content)
                if tail and kept:
                    text.content = kept
                    opening.attrSet("href", _strip_from_href(opening.attrGet("href"), tail))
                    after = Token("text", "", 0)
                    after.content = tail
                    children.insert(index + 3, after)
                index += 3
            else:
                index += 1


_renderer = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
_renderer.enable(["table", "strikethrough", "linkify"])
_renderer.core.ruler.after("linkify", "trailing_punctuation", linkify_trailing_punctuation)

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


# --- Links to papers the archive holds -------------------------------------------
# Annotations are rendered once, on save, and a linked paper may be published
# later: links to arXiv are pointed at the paper's page here, when a page is
# shown (``paper_links``), from the sanitised HTML ``sanitize`` wrote.

_ARXIV_LINK = re.compile(
    r'<a href="(?P<href>https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/[^"]+)"[^>]*>'
    r"(?P<inner>.*?)</a>",
    re.IGNORECASE | re.DOTALL,
)


def _linked_id(href):
    try:
        return parse_arxiv_id(unescape(href))
    except InvalidArxivId:
        return None


def linked_arxiv_ids(html):
    """The canonical ids of the arXiv papers ``html`` (rendered Markdown) links to."""
    if not html or "arxiv.org/" not in html:
        return set()
    found = (_linked_id(match["href"]) for match in _ARXIV_LINK.finditer(html))
    return {arxiv_id.identifier for arxiv_id in found if arxiv_id}


def _names_the_link(text):
    """Whether a link's text is only its address or an id (a bare link, ``arXiv:2307.03172``)."""
    text = text.strip()
    try:
        parse_arxiv_id(text)
    except InvalidArxivId:
        return False
    return True


def paper_links(html, held):
    """``html`` with each link to a paper in ``held`` ({arXiv id: (title, address)})
    leading to the paper's page: a bare link shows the title, a link the editor
    worded keeps its words; small arXiv and PDF links (the version linked, if
    any) follow. Links to other papers are left as they are."""
    if not html or not held:
        return html

    def replace(match):
        arxiv_id = _linked_id(match["href"])
        if arxiv_id is None or arxiv_id.identifier not in held:
            return match.group(0)
        title, address = held[arxiv_id.identifier]
        version = f"{arxiv_id.identifier}v{arxiv_id.version}" if arxiv_id.version else str(arxiv_id)
        inner = match["inner"]
        if _names_the_link(html_to_text(inner)):
            link = format_html('<a class="paper-ref" href="{}">{}</a>', address, title)
        else:
            link = format_html(
                '<a class="paper-ref" href="{}" title="{}">{}</a>', address, title, mark_safe(inner)
            )
        sources = format_html(
            '<span class="paper-ref__sources">(<a href="{}" rel="noopener">arXiv'
            '<span class="visually-hidden"> page for “{}”</span></a> · '
            '<a href="{}" rel="noopener">PDF<span class="visually-hidden"> of “{}”</span></a>)'
            "</span>",
            ABS_URL.format(version),
            title,
            PDF_URL.format(version),
            title,
        )
        return f"{link} {sources}"

    return mark_safe(_ARXIV_LINK.sub(replace, html))
