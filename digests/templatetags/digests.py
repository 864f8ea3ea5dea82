import datetime
import itertools
import json
import logging
import operator
from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlencode

import jinja2
from django import template
from django.template import defaultfilters
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.timesince import timesince

from .. import structured_data
from ..markup import paper_links, render_comment
from ..models.base import url_for

register = template.Library()
log = logging.getLogger(__name__)


@register.filter
def authors_short(paper, shown=3):
    """“A, B, C and 4 others” for cards; the paper page lists everyone."""
    names = paper.author_list
    if len(names) <= shown + 1:
        return ", ".join(names)
    rest = len(names) - shown
    return format_lazy("{} and {} others", ", ".join(names[:shown]), rest)


@register.filter
def author_links(paper, shown=None):
    """The paper's authors, each linking to their page (/authors/<slug>/), in
    order: all of them, or the first ``shown`` and “and N others” on cards."""
    authors = paper.author_records
    rest = 0
    if shown is not None and len(authors) > shown + 1:
        authors, rest = authors[:shown], len(authors) - shown
    pairs = ((author.get_absolute_url(), author.name) for author in authors)
    links = format_html_join(", ", '<a href="{}">{}</a>', pairs)
    return format_html("{} and {} others", links, rest) if rest else links


@register.simple_tag(takes_context=True)
def page_query(context, number):
    """The current query string with ``page`` set to ``number`` (filters are kept)."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()


@register.filter
def comment_html(text):
    return render_comment(text)


@register.filter
def with_paper_links(html, held=None):
    """Rendered Markdown whose arXiv links to papers in ``held`` lead to their
    pages on the site (``models.links.attach_paper_links`` finds them)."""
    return paper_links(html, held) if held else html


RELATIVE_TIME_SPAN = timedelta(days=30)  # older moments are shown as dates


@register.filter
def relative_time(moment, now=None):
    """“just now”, “5 minutes ago”, “3 days ago”, then the date itself."""
    now = now or timezone.now()
    delta = now - moment
    if delta < timedelta(minutes=1):
        return "just now"
    if delta < RELATIVE_TIME_SPAN:
        return f"{timesince(moment, now, depth=1)} ago"
    return date_format(timezone.localtime(moment), "j M Y")


@register.filter
def iso_datetime(moment):
    """A ``<time datetime>`` value: ISO 8601 to the second, in the site's time zone.

    (Django's ``date:"c"`` keeps microseconds, which HTML does not allow.)"""
    if not moment:
        return ""
    return timezone.localtime(moment).isoformat(timespec="seconds")


_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def jsonld(context, kind, item=None):
    """A <script type="application/ld+json"> block (data, never executed)."""
    request = context["request"]
    builder = getattr(structured_data, kind)
    data = (
        builder(item, request.build_absolute_uri)
        if item is not None
        else builder(request.build_absolute_uri)
    )
    payload = json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """This page's address without tracking or filter noise (page numbers kept)."""
    request = context["request"]
    kept = {
        k: v for k, v in request.GET.items() if k in ("page", "comments") and v not in ("", "1")
    }
    query = ("?" + urlencode(kept)) if kept else ""
    return request.build_absolute_uri(request.path) + query


@register.filter
def tag_url(tag):
    return url_for("digests:tag", tag.slug)


# --- Jinja2 -------------------------------------------------------------------------


def regroup(items, attribute):
    """Django's {% regroup %}: runs of consecutive items with equal ``attribute``
    as (grouper, list) pairs. (Jinja2's own ``groupby`` sorts first.)"""
    key = operator.attrgetter(attribute)
    return [(grouper, list(group)) for grouper, group in itertools.groupby(items, key)]


def jinja2_environment(**options):
    """The Jinja2 environment of the site's hot templates (templates/jinja2/):
    the same filters as the Django templates, Django's own where they exist."""
    # A missing variable or attribute is empty, as in Django's templates.
    env = jinja2.Environment(**{**options, "undefined": jinja2.ChainableUndefined})
    env.globals.update(fragment=jinja2_fragment, static=static, url=url, useful_urls=useful_urls)
    env.filters.update(
        author_links=author_links,
        authors_short=authors_short,
        comment_html=comment_html,
        date=jinja2_date,
        iso_datetime=iso_datetime,
        linebreaks=defaultfilters.linebreaks_filter,
        pluralize=defaultfilters.pluralize,
        regroup=regroup,
        relative_time=relative_time,
        tag_url=tag_url,
        with_paper_links=with_paper_links,
    )
    # Compiled now, when a worker warms up (digests/web/warmup.py builds every
    # template engine), rather than while the first reader of a page waits.
    for name in env.list_templates(extensions=["jinja"]):
        try:
            env.get_template(name)
        except jinja2.TemplateError as error:  # that page fails, not every page
            log.error("template %s does not load: %s", name, error)
    return env


def jinja2_date(value, arg=None):
    """Django's ``date`` filter as Django's templates apply it, to a moment
    in the current time zone. A day (not a moment) is formatted once per
    format and language: a page shows dozens, from a few distinct days."""
    if type(value) is datetime.date:
        return _formatted_day(value, arg, translation.get_language())
    return defaultfilters.date(timezone.template_localtime(value), arg)


@lru_cache(maxsize=4096)
def _formatted_day(day, arg, language):
    return defaultfilters.date(day, arg)


@jinja2.pass_context
def jinja2_fragment(context, fragments, item, **extra):
    """One item's cached HTML from a ``caching.fragments.Fragments`` of the page."""
    return fragments.html(context.get_all(), item, **extra)


def url(name, *args):
    return reverse(name, args=args)


def useful_urls(paper):
    """(where the Useful form posts, where the script asks for counts): a global of
    its own, as the card's template names a variable ``url``."""
    return reverse("digests:paper_useful", args=[paper.slug]), reverse("digests:useful_counts")


@register.simple_tag(takes_context=True)
def jinja(context, template_name):
    """The Jinja2 template ``template_name`` rendered with this page's variables."""
    template = get_template(template_name, using="jinja2")
    return mark_safe(template.render(context.flatten()))
