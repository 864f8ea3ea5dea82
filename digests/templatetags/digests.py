from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.timesince import timesince

from ..markup import render_comment

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


@register.filter
def comment_html(text):
    return render_comment(text)


@register.filter
def relative_time(moment, now=None):
    """“just now”, “5 minutes ago”, “3 days ago”, then the date itself."""
    now = now or timezone.now()
    delta = now - moment
    if delta < timedelta(minutes=1):
        return "just now"
    if delta < timedelta(days=30):
        return f"{timesince(moment, now, depth=1)} ago"
    return date_format(timezone.localtime(moment), "j M Y")
