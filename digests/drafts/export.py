"""An issue as a file: Markdown the importer reads back, or HTML for a newsletter tool.

The Markdown has the shape ``parser.py`` reads (``# Title``, intro,
``## Section``, ``### Title (6 Jul 2023, https://arxiv.org/abs/…)``, the
annotation and a last ``## Closing note``), so export → import gives the
same issue back. The HTML is a self-contained e-mail body: its stylesheet inlined by css-inline,
absolute links to the site, the stored (already sanitised) annotation HTML.
"""

from urllib.parse import urljoin

import css_inline
import nh3
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .. import markup
from ..arxiv.ids import abs_url

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
FORMATS = {
    "md": ("text/markdown; charset=utf-8", "{slug}.md"),
    "html": ("text/html; charset=utf-8", "{slug}-email.html"),
}


def papers_by_section(issue):
    """[(section, [papers])] in the order the issue page shows them."""
    groups = []
    for paper in issue.papers.in_issue_order().select_related("section"):
        if not groups or groups[-1][0].pk != paper.section_id:
            groups.append((paper.section, []))
        groups[-1][1].append(paper)
    return groups


def draft_date(day):
    """“6 Jul 2023”: a form the importer reads, whatever the server's locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def text_block(value):
    return "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").split("\n")).strip()


def issue_markdown(issue):
    parts = [f"# {issue.title}"]
    if issue.intro.strip():
        parts.append(text_block(issue.intro))
    for section, papers in papers_by_section(issue):
        parts.append(f"## {section.name}")
        for paper in papers:
            parts.append(f"### {paper.title} ({draft_date(paper.arxiv_date)}, {paper.abs_url})")
            if paper.annotation.strip():
                parts.append(text_block(paper.annotation))
    if issue.closing_note.strip():
        # A heading after the last paper starts the closing note (drafts/closing.py).
        parts += ["## Closing note", text_block(issue.closing_note)]
    return "\n\n".join(parts) + "\n"


def site_url(path=""):
    return urljoin(settings.DIGESTS_SITE_URL.rstrip("/") + "/", path.lstrip("/"))


def absolute_links(html):
    """Stored HTML with every link made absolute: an e-mail has no page to be relative to."""
    if not html:
        return ""

    def absolute(tag, attribute, value):
        return site_url(value) if attribute == "href" and not _has_scheme(value) else value

    # Safe: sanitised again right here, with the site's own rules.
    return mark_safe(
        nh3.clean(
            html,
            tags=markup.ALLOWED_TAGS,
            attributes=markup.ALLOWED_ATTRIBUTES,
            url_schemes=markup.URL_SCHEMES,
            link_rel="noopener",
            attribute_filter=absolute,
        )
    )


def _has_scheme(url):
    return ":" in url.split("/", 1)[0]


# The stylesheet in the template goes into style="" attributes: mail programs
# drop <style> blocks. Made once; inlining is thread-safe.
INLINER = css_inline.CSSInliner(load_remote_stylesheets=False)


def issue_email_html(issue, *, unsubscribe_url=""):
    """The issue as one e-mail body, its CSS inlined. With ``unsubscribe_url``,
    the footer says why the reader gets it and links there."""
    sections = [
        (
            section,
            [
                {
                    "paper": paper,
                    "url": site_url(paper.get_absolute_url()),
                    "abs_url": abs_url(paper.arxiv_id),
                    "annotation_html": absolute_links(paper.annotation_html),
                }
                for paper in papers
            ],
        )
        for section, papers in papers_by_section(issue)
    ]
    html = render_to_string(
        "digests/export/issue_email.html",
        {
            "unsubscribe_url": unsubscribe_url,
            "issue": issue,
            "issue_url": site_url(issue.get_absolute_url()),
            "home_url": site_url("/"),
            "intro_html": absolute_links(issue.intro_html),
            "closing_note_html": absolute_links(issue.closing_note_html),
            "sections": sections,
            "site_name": settings.DIGESTS_SITE_NAME,
        },
    )
    return INLINER.inline(html)


def export(issue, fmt):
    """(body, content type, file name) for ``fmt`` ('md' or 'html')."""
    content_type, filename = FORMATS[fmt]
    body = issue_markdown(issue) if fmt == "md" else issue_email_html(issue)
    return body, content_type, filename.format(slug=issue.slug)
