"""Generate a large, realistic, deterministic archive for benchmarks and scale tests.

    python manage.py generate_bulk --issues 1000 --papers-per-issue 25 --comments 500000 --seed 1

Everything is written with bulk_create in batches; signals do not fire, so the
page cache version is moved on once at the end.
"""

import itertools
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.functional import cached_property
from django.utils.text import slugify
from taggit.models import Tag

from digests.caching import version
from digests.comments.text import body_fingerprint
from digests.markup import html_to_text, render_markdown
from digests.models import Comment, Issue, Paper, Section, TaggedPaper
from digests.models.authors import sync_authors

SECTIONS = [
    "Large Language Models",
    "Computer Vision",
    "Reinforcement Learning",
    "Speech and Audio",
    "Other",
    "General Computational Efficiency",
]
TAGS = [
    "long context", "efficiency", "fine-tuning", "alignment", "diffusion", "evaluation",
    "quantization", "pruning", "distributed training", "vision transformers", "data quality",
    "retrieval", "memory", "open models", "generative models", "audio", "genomics", "medicine",
    "robustness", "synthetic data", "ranking", "architecture", "agents", "reasoning", "code",
    "multimodal", "benchmarks", "safety", "interpretability", "scaling laws", "tokenization",
    "sparsity", "mixture of experts", "state space models", "optimizers", "distillation",
    "speech", "robotics", "3d", "video", "graphs", "recommendation", "privacy", "federated",
    "compression", "inference", "hardware", "datasets", "theory", "math",
]  # fmt: skip
WORDS = [
    "model",
    "models",
    "training",
    "attention",
    "context",
    "token",
    "tokens",
    "layer",
    "layers",
    "parameter",
    "parameters",
    "scaling",
    "data",
    "dataset",
    "benchmark",
    "accuracy",
    "loss",
    "gradient",
    "memory",
    "compute",
    "efficient",
    "efficiency",
    "transformer",
    "transformers",
    "diffusion",
    "image",
    "images",
    "text",
    "language",
    "vision",
    "retrieval",
    "sparse",
    "dense",
    "fine-tuning",
    "pretraining",
    "alignment",
    "reward",
    "policy",
    "evaluation",
    "baseline",
    "results",
    "method",
    "approach",
    "simple",
    "strong",
    "robust",
    "faster",
    "cheaper",
    "larger",
    "smaller",
    "quality",
    "noise",
    "signal",
    "sequence",
    "sequences",
    "window",
    "inference",
    "latency",
    "throughput",
    "hardware",
    "GPU",
    "GPUs",
    "cluster",
    "distributed",
    "quantized",
    "pruned",
    "weights",
    "activations",
    "features",
    "representation",
    "representations",
    "objective",
    "experiments",
    "ablation",
]
SYLLABLES = (
    "ka", "lo", "mi", "ra", "ten", "vor", "qui", "sel", "dan", "bro",
    "fi", "zu", "pel", "tro", "gan", "ne", "os", "lu", "cha", "rim",
)  # fmt: skip
RARE_TERMS = 4000
FUNCTION_WORDS = [
    "the", "of", "and", "to", "a", "in", "is", "that", "for", "on", "with", "as", "by", "this",
    "we", "it", "are", "from", "be", "an", "at", "which", "or", "not", "their", "its", "can",
    "these", "our", "than", "into", "both", "more", "when", "how", "while", "also", "but",
    "each", "such", "all", "has", "have", "only", "over",
]  # fmt: skip
FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Claude",
    "John",
    "Margaret",
    "Yann",
    "Fei",
    "Andrew",
    "Daphne",
]
LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Shannon",
    "McCarthy",
    "Hamilton",
    "Li",
    "Ng",
    "Koller",
]


class Progress:
    """A one-line progress bar on stderr (plain lines when not a terminal)."""

    def __init__(self, label, total, stream):
        self.label, self.total, self.stream = label, max(total, 1), stream
        self.done, self.started, self.shown = 0, time.monotonic(), -1

    def advance(self, count):
        self.done += count
        percent = int(100 * self.done / self.total)
        if percent == self.shown:
            return
        self.shown = percent
        bar = "#" * (percent // 4) + "-" * (25 - percent // 4)
        elapsed = time.monotonic() - self.started
        line = f"{self.label:<9} [{bar}] {percent:3d}% {self.done:,}/{self.total:,} {elapsed:5.1f}s"
        if self.stream.isatty():
            self.stream.write("\r" + line)
            if self.done >= self.total:
                self.stream.write("\n")
        elif percent % 25 == 0 or self.done >= self.total:
            self.stream.write(line + "\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Create a deterministic bulk archive (issues, papers, tags, comments) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--issues", type=int, default=1000)
        parser.add_argument("--papers-per-issue", type=int, default=25)
        parser.add_argument("--comments", type=int, default=500_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, issues, papers_per_issue, comments, seed, batch_size, **options):
        if issues < 1 or papers_per_issue < 1 or comments < 0:
            raise CommandError("--issues and --papers-per-issue must be at least 1.")
        if Issue.objects.filter(slug__startswith="bulk-").exists():
            raise CommandError("A bulk archive already exists here; use a fresh database.")
        self.seed = seed
        self.random = random.Random(seed)
        self.batch = batch_size
        started = time.monotonic()
        with transaction.atomic():
            sections = self._sections()
            tags = self._tags()
            issue_list = self._issues(issues)
            papers = self._papers(issue_list, sections, papers_per_issue)
            self._tag_papers(papers, tags)
            self._authors(papers)
            self._comments(issue_list, papers, comments)
        with connection.cursor() as cursor:
            # Fresh statistics, so the query planner knows the tables' real shape.
            # On PostgreSQL also VACUUM: the search triggers rewrote every paper
            # row as its tags arrived, and the GIN indexes' pending lists hold
            # every new entry until a vacuum merges them (searches scan them).
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        version.bump()
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {issues:,} issues, {len(papers):,} papers and {comments:,} comments "
                f"in {time.monotonic() - started:.0f} s."
            )
        )

    # --- pieces -------------------------------------------------------------------
    @cached_property
    def _vocabulary(self):
        """Function words, then the field's common words, then thousands of rarer
        made-up terms, drawn with Zipf's law as real prose is: a few words are
        everywhere, most are rare. Searches then meet realistic document
        frequencies, not the same 100 words in every paper."""
        rng = random.Random(self.seed)
        terms = FUNCTION_WORDS + list(WORDS)
        seen = set(terms)
        while len(terms) < len(FUNCTION_WORDS) + len(WORDS) + RARE_TERMS:
            term = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            if term not in seen:
                seen.add(term)
                terms.append(term)
        weights = itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(terms)))
        return terms, list(weights)

    def _words(self, count):
        terms, cumulative = self._vocabulary
        return " ".join(self.random.choices(terms, cum_weights=cumulative, k=count))

    def _sentence(self, low=8, high=20):
        text = self._words(self.random.randint(low, high))
        return text[0].upper() + text[1:] + "."

    def _paragraph(self, sentences):
        return " ".join(self._sentence() for _ in range(sentences))

    def _sections(self):
        result = []
        for position, name in enumerate(SECTIONS, start=1):
            section, _ = Section.objects.get_or_create(
                name=name, defaults={"slug": slugify(name), "position": position}
            )
            result.append(section)
        return result

    def _tags(self):
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=TAGS)}
        Tag.objects.bulk_create(
            [Tag(name=name, slug=slugify(name)) for name in TAGS if name not in existing],
            ignore_conflicts=True,
        )
        return list(Tag.objects.filter(name__in=TAGS).order_by("name"))

    def _issues(self, count):
        progress = Progress("issues", count, sys.stderr)
        newest = datetime(2026, 11, 1, 9, tzinfo=UTC)
        rows = []
        for n in range(count):
            published = newest - timedelta(weeks=n)
            intro = f"{self._paragraph(3)}\n\n{self._paragraph(2)}"
            rows.append(
                Issue(
                    title=f"Research Highlights No. {count - n}, week of {published:%d %B %Y}",
                    slug=f"bulk-{count - n:05d}",
                    status=Issue.Status.PUBLISHED,
                    published_at=published,
                    period_start=(published - timedelta(days=7)).date(),
                    period_end=(published - timedelta(days=1)).date(),
                    intro=intro,
                    intro_html=(intro_html := render_markdown(intro)),
                    intro_text=html_to_text(intro_html),
                )
            )
        created = []
        for start in range(0, len(rows), self.batch):
            created += Issue.objects.bulk_create(rows[start : start + self.batch])
            progress.advance(len(rows[start : start + self.batch]))
        return created

    def _papers(self, issues, sections, per_issue):
        progress = Progress("papers", len(issues) * per_issue, sys.stderr)
        numbers = {}
        rows = []
        for issue in issues:
            positions = {}
            for n in range(per_issue):
                section = sections[self.random.randrange(len(sections))]
                positions[section.pk] = positions.get(section.pk, 0) + 1
                day = issue.period_start + timedelta(days=self.random.randrange(7))
                yymm = f"{day:%y%m}"
                numbers[yymm] = numbers.get(yymm, 0) + 1
                digits = 5 if day.year >= 2015 else 4
                title = self._sentence(5, 12).rstrip(".").title()
                annotation = f"{self._paragraph(4)}\n\n{self._paragraph(3)}"
                authors = ", ".join(
                    f"{self.random.choice(FIRST)} {self.random.choice(LAST)}"
                    for _ in range(self.random.randint(1, 9))
                )
                rows.append(
                    Paper(
                        issue=issue,
                        section=section,
                        position=positions[section.pk],
                        title=title,
                        slug=f"{slugify(title)[:80]}-{issue.pk}-{n}",
                        arxiv_id=f"{yymm}.{numbers[yymm]:0{digits}d}",
                        arxiv_date=day,
                        authors=authors,
                        abstract=self._paragraph(5),
                        annotation=annotation,
                        annotation_html=(annotation_html := render_markdown(annotation)),
                        annotation_text=html_to_text(annotation_html),
                    )
                )
        created = []
        for start in range(0, len(rows), self.batch):
            created += Paper.objects.bulk_create(rows[start : start + self.batch])
            progress.advance(len(rows[start : start + self.batch]))
        return created

    def _tag_papers(self, papers, tags):
        rows = [
            TaggedPaper(content_object=paper, tag=tag)
            for paper in papers
            for tag in self.random.sample(tags, self.random.randint(2, 4))
        ]
        progress = Progress("tags", len(rows), sys.stderr)
        for start in range(0, len(rows), self.batch * 5):
            TaggedPaper.objects.bulk_create(rows[start : start + self.batch * 5])
            progress.advance(len(rows[start : start + self.batch * 5]))

    def _authors(self, papers):
        """Authors and authorships from the papers' author lines, in bulk
        (``sync_authors`` works through them 500 papers at a time)."""
        progress = Progress("authors", len(papers), sys.stderr)
        for start in range(0, len(papers), self.batch):
            sync_authors(papers[start : start + self.batch])
            progress.advance(len(papers[start : start + self.batch]))

    def _comments(self, issues, papers, total):
        """Spread ``total`` comments evenly over issues: threads first, then replies."""
        if not total:
            return
        progress = Progress("comments", total, sys.stderr)
        by_issue = {}
        for paper in papers:
            by_issue.setdefault(paper.issue_id, []).append(paper)
        per_issue = [
            total // len(issues) + (1 if i < total % len(issues) else 0) for i in range(len(issues))
        ]
        counter = 0
        for issue, count in zip(issues, per_issue, strict=True):
            threads = count - count // 3
            roots = []
            for n in range(threads):
                counter += 1
                on_paper = self.random.random() < 0.3
                roots.append(
                    self._comment(
                        issue,
                        self.random.choice(by_issue[issue.pk]) if on_paper else None,
                        counter,
                        n,
                    )
                )
            roots = Comment.objects.bulk_create(roots, batch_size=self.batch)
            replies = []
            for n in range(count - threads):
                counter += 1
                parent = self.random.choice(roots)
                reply = self._comment(issue, parent.paper, counter, threads + n)
                reply.parent = parent
                reply.in_reply_to = parent
                replies.append(reply)
            Comment.objects.bulk_create(replies, batch_size=self.batch)
            progress.advance(count)

    def _comment(self, issue, paper, counter, n):
        body = f"{self._paragraph(self.random.randint(1, 3))} (#{counter})"
        roll = self.random.random()
        status = "approved" if roll < 0.95 else "pending" if roll < 0.99 else "spam"
        return Comment(
            issue=issue,
            paper=paper,
            author_name=f"{self.random.choice(FIRST)} {self.random.choice(LAST)[0]}.",
            author_email=f"reader{self.random.randrange(20_000)}@example.org",
            body=body,
            body_hash=body_fingerprint(body),
            status=status,
            created_at=issue.published_at + timedelta(minutes=n * 7 + 1),
        )
