"""Write an issue as Markdown (the importer's shape) or as e-mail-ready HTML."""

from django.core.management.base import BaseCommand, CommandError

from digests.drafts.export import FORMATS, export
from digests.models import Issue


class Command(BaseCommand):
    help = "Print an issue as Markdown (re-importable) or as HTML for a newsletter tool."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The issue's slug, as in /issues/<slug>/.")
        parser.add_argument("--format", choices=sorted(FORMATS), default="md")
        parser.add_argument("--output", "-o", help="Write to this file instead of the screen.")

    def handle(self, *args, slug, format, output, **options):
        issue = Issue.objects.filter(slug=slug).first()
        if issue is None:
            raise CommandError(f"No issue with the slug “{slug}”.")
        body, _, _ = export(issue, format)
        if output:
            try:
                with open(output, "w", encoding="utf-8") as handle:
                    handle.write(body)
            except OSError as error:
                raise CommandError(f"Cannot write “{output}”: {error.strerror}.") from None
            self.stderr.write(f"Wrote {output}.")
        else:
            self.stdout.write(body, ending="")
