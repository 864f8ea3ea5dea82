"""SQL written in named parts, each holding the values of its own placeholders.

A search statement is a dozen sub-queries, each with its own values to bind.
Written as one string with one list of values, a value's place in the list
says which ``%s`` it fills, far from that ``%s``. Here each part is an
``Sql``: its text and its values together. ``sql()`` puts parts into a
template by name, and their values follow in the order the text reads, so a
part can move without its values being counted again.
"""

from functools import lru_cache
from string import Formatter
from typing import NamedTuple


class Sql(NamedTuple):
    """SQL text and the values of its ``%s`` placeholders, in order."""

    text: str
    params: tuple = ()


def sql(template, *params, **parts):
    """``template`` as an ``Sql``: its own ``%s`` take ``params`` in order, and each
    ``{name}`` is replaced by ``parts[name]``: an ``Sql``, whose values join at that
    place, or a str or int of SQL written in this package (never a reader's value)."""
    text, values, own = [], [], list(params)
    for literal, taken, name in pieces(template):
        text.append(literal)
        values += own[:taken]
        del own[:taken]
        if name is None:
            continue
        part = parts[name]
        if isinstance(part, Sql):
            text.append(part.text)
            values += part.params
        elif isinstance(part, str | int):
            text.append(str(part))
        else:
            raise TypeError(f"{{{name}}} is a {type(part).__name__}, not SQL.")
    if own:
        raise ValueError(f"{len(own)} values more than the template's %s.")
    return Sql("".join(text), tuple(values))


@lru_cache(maxsize=256)
def pieces(template):
    """``template`` as (text, its number of ``%s``, the name of the part after it
    or None), read once: a search composes some forty parts from the same few
    templates."""
    return tuple(
        (literal, literal.count("%s"), name) for literal, name, _, _ in Formatter().parse(template)
    )


def join(separator, parts):
    """The parts one after the other, ``separator`` between them."""
    parts = list(parts)
    return Sql(separator.join(part.text for part in parts), sum((p.params for p in parts), ()))


def cte(name, query, materialized=True):
    """``name AS MATERIALIZED (query)``, one set of a WITH clause. MATERIALIZED:
    the set is made once and read where named, never folded into a reader
    (SQLite and PostgreSQL would otherwise inline a set read once)."""
    keyword = "AS MATERIALIZED" if materialized else "AS"
    return sql("{name} {keyword} ({query})", name=name, keyword=keyword, query=query)


def with_ctes(ctes, body):
    """``WITH cte, cte... body``."""
    return sql("WITH {ctes} {body}", ctes=join(", ", ctes), body=body)


def ids_of(queryset):
    """``Sql`` selecting the ids of ``queryset``'s rows, for a part that needs them.

    ``sql_with_params()`` is the one public way Django gives a queryset's SQL
    with its values apart, ready to bind where a statement it cannot write
    (a WITH of FTS5 or tsvector sets) needs that set."""
    return Sql(*queryset.order_by().values("pk").query.sql_with_params())
