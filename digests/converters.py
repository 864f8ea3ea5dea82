"""URL converters."""


class TagSlugConverter:
    """Tag slugs may be Unicode (django-taggit keeps letters of any script), but
    never contain a slash or a control character (NUL breaks PostgreSQL)."""

    regex = r"[^/\x00-\x1f\x7f]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value
