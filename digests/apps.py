from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = "Digest"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        # Receivers: what moves the page cache's content version on, and tags
        # taking back an address a redirect held.
        from . import tags  # noqa: F401
        from .caching import signals  # noqa: F401
        from .newsletter import signals as newsletter_signals  # noqa: F401
        from .newsletter import webhooks  # noqa: F401  (bounce and complaint reports)

        post_migrate.connect(repair_search_triggers, sender=self)


def repair_search_triggers(sender, using, verbosity=1, **kwargs):
    """SQLite loses a table's triggers when a migration rebuilds the table."""
    from django.db import connections

    from .caching import version
    from .search.schema import ensure

    missing = ensure(connections[using])
    if missing:
        version.bump()  # pages rendered while the index was incomplete
        if verbosity:
            print(f"Search index: restored {missing} trigger(s) and re-filled the index.")
