"""Load the demo issue (June–July 2023) so a fresh site has something to read.

Idempotent and respectful of editors: if the demo issue already exists the
command changes nothing at all, even if an editor has since edited it.
"""

import tomllib
from datetime import UTC, datetime, time
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from digests.models import Comment, Issue, Paper, Section

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "highlights-2023-06-07.toml"


def read_demo(path=DEMO_FILE):
    with open(path, "rb") as handle:
        return tomllib.load(handle)


class Command(BaseCommand):
    help = "Create the demo issue with its sections and papers, unless it already exists."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEMO_FILE, help="Demo TOML file.")

    def handle(self, *args, file, **options):
        demo = read_demo(file)
        spec = demo["issue"]
        existing = Issue.objects.filter(slug=spec["slug"]).first()
        if existing:
            self.stdout.write(f"Demo issue already present: “{existing.title}”. Nothing changed.")
            return
        with transaction.atomic():
            issue = self._create(demo)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the demo issue “{issue.title}” with {issue.papers.count()} papers."
            )
        )

    def _create(self, demo):
        sections = {}
        for position, spec in enumerate(demo["sections"], start=1):
            section, _ = Section.objects.get_or_create(
                name=spec["name"],
                defaults={
                    "slug": spec["slug"],
                    "description": spec.get("description", ""),
                    "position": position,
                },
            )
            sections[spec["name"]] = section

        spec = demo["issue"]
        published_at = spec.get("published_at")
        if published_at is not None and not isinstance(published_at, datetime):
            published_at = datetime.combine(published_at, time(9), tzinfo=UTC)
        issue = Issue.objects.create(
            title=spec["title"],
            slug=spec["slug"],
            status=Issue.Status.PUBLISHED if published_at else Issue.Status.DRAFT,
            published_at=published_at,
            period_start=spec.get("period_start"),
            period_end=spec.get("period_end"),
            intro=spec.get("intro", "").strip(),
            closing_note=spec.get("closing_note", "").strip(),
        )
        positions = {}
        for spec in demo["papers"]:
            section = sections[spec["section"]]
            positions[section.pk] = positions.get(section.pk, 0) + 1
            paper = Paper.objects.create(
                issue=issue,
                section=section,
                position=positions[section.pk],
                title=spec["title"],
                arxiv_id=spec["arxiv_id"],
                arxiv_date=spec["arxiv_date"],
                authors=", ".join(spec.get("authors", [])),
                annotation=spec.get("annotation", "").strip(),
            )
            paper.tags.set(spec.get("tags", []))
        self._comments(issue, demo.get("comments", []))
        return issue

    def _comments(self, issue, specs):
        """Approved demo comments, written straight to the table: the rules are for readers."""
        created = []
        for spec in specs:
            target = created[spec["reply_to"] - 1] if spec.get("reply_to") else None
            thread = (target.parent or target) if target else None
            if thread:
                paper = thread.paper  # a reply lives in its thread
            elif spec.get("paper"):
                paper = issue.papers.get(arxiv_id=spec["paper"])
            else:
                paper = None
            comment = Comment(
                issue=issue,
                paper=paper,
                parent=thread,
                in_reply_to=target,
                author_name=spec["author"],
                author_email=spec["email"],
                is_editor=spec.get("editor", False),
                body=spec["body"].strip(),
                status=Comment.Status.APPROVED,
                created_at=spec["posted_at"],
            )
            comment.save()
            created.append(comment)
