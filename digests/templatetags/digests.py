from django import template
from django.utils.text import format_lazy

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
