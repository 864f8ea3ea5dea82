"""Rebuild the full-text index from the papers and issues as stored.

Triggers keep the index current, so this is for repairs: after restoring a
backup taken without the index, or after changing the index's definition.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from digests.caching import version
from digests.models import Issue, Paper
from digests.search import engine as search


class Command(BaseCommand):
    help = "Rebuild the full-text search index of papers and issues."

    def handle(self, *args, **options):
        with transaction.atomic():
            search.rebuild_index()
        version.bump()  # cached search pages were answered from the old index
        self.stdout.write(
            f"Indexed {Paper.objects.count()} papers and {Issue.objects.count()} issues."
        )
