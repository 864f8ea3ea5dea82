"""Import a digest draft (plain text or Markdown) as a draft issue, and say what was read."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from digests.drafts.parser import FORMATS, MAX_DRAFT_BYTES, DraftError, decode_draft
from digests.drafts.writer import ImportRefused, import_draft


class Command(BaseCommand):
    help = (
        "Turn a digest draft (plain text or Markdown) into a draft issue with sections, papers, "
        "annotations and intro. Importing the same title again updates that draft. "
        "Nothing is published."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The draft file (.txt, .md), or - to read standard input.")
        parser.add_argument(
            "--title", help="The issue's title (a Markdown draft may give it as “# Title”)."
        )
        parser.add_argument(
            "--format", choices=FORMATS, help="Force a format instead of detecting it."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be imported; change nothing."
        )

    def handle(self, *args, path, title, format, dry_run, **options):
        data = self._read(path)
        try:
            text = decode_draft(data, name=f"“{path}”")
            report = import_draft(
                text=text, title=title, filename=path, format=format, dry_run=dry_run
            )
        except (DraftError, ImportRefused) as error:
            raise CommandError(str(error)) from None
        lines = report.lines()
        self.stdout.write(self.style.SUCCESS(lines[0]))
        for line in lines[1:]:
            self.stdout.write(line)

    def _read(self, path):
        if path == "-":
            return sys.stdin.buffer.read(MAX_DRAFT_BYTES + 1)
        try:
            with Path(path).open("rb") as handle:
                return handle.read(MAX_DRAFT_BYTES + 1)  # enough to know it is too big
        except OSError as error:
            raise CommandError(f"Cannot read “{path}”: {error.strerror}.") from None
