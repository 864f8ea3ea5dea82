from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = "Digest"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401  (connects the cache-version receivers)

        post_migrate.connect(repair_search_triggers, sender=self)


def repair_search_triggers(sender, using, verbosity=1, **kwargs):
    """SQLite loses a table's triggers when a migration rebuilds the table."""
    from django.db import connections

    from . import pagecache
    from .search_schema import ensure

    missing = ensure(connections[using])
    if missing:
        pagecache.bump()  # pages rendered while the index was incomplete
        if verbosity:
            print(f"Search index: restored {missing} trigger(s) and re-filled the index.")
