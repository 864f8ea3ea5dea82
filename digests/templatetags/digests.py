import json
from datetime import timedelta
from urllib.parse import urlencode

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.timesince import timesince

from .. import structured_data
from ..markup import render_comment
from ..models.base import url_for

register = template.Library()


@register.filter
def authors_short(paper, shown=3):
    """“A, B, C and 4 others” for cards; the paper page lists everyone."""
    names = paper.author_list
    if len(names) <= shown + 1:
        return ", ".join(names)
    rest = len(names) - shown
    return format_lazy("{} and {} others", ", ".join(names[:shown]), rest)


@register.simple_tag(takes_context=True)
def page_query(context, number):
    """The current query string with ``page`` set to ``number`` (filters are kept)."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def fragment(context, fragments, item, **extra):
    """One item's cached HTML from a ``digests.fragments.Fragments`` in the context."""
    return fragments.html(context, item, **extra)


@register.filter
def comment_html(text):
    return render_comment(text)


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
