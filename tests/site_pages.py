"""One of every public page type, over realistic data, for the page-wide checks.

The accessibility, HTML-validity, layout and no-JavaScript tests all walk the
same pages, built here: the demo issue (21 papers in four sections, tags, an
introduction), an older issue so the archive and home have a list, approved
comments with a reply, and one annotation carrying the things that break
layouts (a long code block, a long unbroken address, a table).
"""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from digests.models import Issue, Paper

from .factories import CommentFactory, IssueFactory, PaperFactory, SectionFactory

DEMO_SLUG = "ai-research-highlights-june-july-2023"

STRESS_ANNOTATION = """\
A paper whose annotation quotes code and data, to keep layouts honest.

```python
def attention(query, key, value, mask=None, dropout=None, scale_by_the_square_root_of_dim=True):
    return softmax(query @ key.transpose(-2, -1) / math.sqrt(query.size(-1))) @ value
```

See https://example.org/a/very/long/address/that/never/breaks/by/itself/on/a/phone/screen/at/all
for the benchmark, and `a_rather_long_identifier_name_that_runs_on_and_on_without_spaces`.

| model | context | accuracy on the middle of the document | accuracy at the ends |
|-------|---------|----------------------------------------|----------------------|
| GPT-3.5-Turbo | 16k | 52.9 | 75.8 |
"""

# (name, what it shows): the page types every page-wide check covers.
PAGE_TYPES = (
    "home",
    "archive",
    "issue",
    "paper",
    "section",
    "tag_index",
    "tag",
    "browser",
    "search",
    "subscribe",
    "author",
    "not_found",
)


def build_site():
    """Create the data and return {page type: path} for every public page type."""
    call_command("load_demo", stdout=_Silent())
    demo = Issue.objects.get(slug=DEMO_SLUG)
    older = IssueFactory(
        title="AI Research Highlights, April–May 2023",
        slug="ai-research-highlights-april-may-2023",
        published_at=demo.published_at - timedelta(days=60),
    )
    section = SectionFactory(name="Large Language Models", slug="large-language-models")
    PaperFactory(
        issue=older,
        section=section,
        title="Quoting Code in an Annotation: A Layout Stress Test",
        arxiv_id="2305.00001",
        annotation=STRESS_ANNOTATION,
        tags=["long context", "efficiency"],
    )
    paper = demo.papers.order_by("section__position", "position").first()
    stress = Paper.objects.get(arxiv_id="2305.00001")
    stress.authors = f"{paper.author_list[0]}, Ada Lovelace"  # an author in two issues
    stress.save()
    first = CommentFactory(
        issue=demo,
        author_name="Grace",
        body="Thanks for the summary! The long-context papers were exactly what I needed.",
        created_at=timezone.now() - timedelta(hours=5),
    )
    CommentFactory(
        issue=demo,
        parent=first,
        in_reply_to=first,
        author_name="Lin",
        body="Agreed. https://arxiv.org/abs/2307.03172 is the one on the middle of the context.",
    )
    CommentFactory(issue=demo, paper=paper, author_name="Ada", body="A clear annotation.")
    tag = paper.tags.order_by("name").first()
    return {
        "home": "/",
        "archive": "/issues/",
        "issue": demo.get_absolute_url(),
        "paper": paper.get_absolute_url(),
        "stress_paper": stress.get_absolute_url(),
        "section": paper.section.get_absolute_url(),
        "tag_index": "/tags/",
        "tag": f"/tags/{tag.slug}/",
        "browser": "/papers/",
        "search": "/search/?q=language+models",
        "subscribe": "/subscribe/",
        "author": paper.author_records[0].get_absolute_url(),
        "not_found": "/no-such-page/",
    }


class _Silent:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass
