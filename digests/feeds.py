"""RSS 2.0, Atom 1.0 and JSON Feed 1.1 for issues, papers, sections, tags and comments.

One base class says how an item becomes an entry; subclasses only choose
the items. Every format is a subclass made by ``formats()``.
"""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed, rfc3339_date
from django.utils.http import http_date

from .comments.text import clean_text
from .markup import render_comment
from .models import Comment, Issue, Paper, public_authors, public_sections, public_tags
from .models.tags import attach_tag_lists

FEED_SIZE = 30
ISSUE_FEED_SIZE = 10
CACHE_CONTROL = "public, max-age=900"


def xml_safe(value):
    """Strip what XML 1.0 cannot carry (control characters are legal in the database)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        return type(value)(xml_safe(v) for v in value)
    return value


class CleanFeedMixin:
    """Cleans every string handed to the generator, feed-level and per item."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            *(xml_safe(a) for a in args), **{k: xml_safe(v) for k, v in kwargs.items()}
        )

    def add_item(self, *args, **kwargs):
        super().add_item(
            *(xml_safe(a) for a in args), **{k: xml_safe(v) for k, v in kwargs.items()}
        )


class RssFeed(CleanFeedMixin, Rss201rev2Feed):
    """RSS 2.0 with the full HTML in ``content:encoded``."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content:encoded", item["content_html"])


class AtomFeed(CleanFeedMixin, Atom1Feed):
    """Atom 1.0 with the full HTML in ``<content type="html">``."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


class JsonFeed(CleanFeedMixin, SyndicationFeed):
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""

    content_type = "application/feed+json; charset=utf-8"

    def write(self, outfile, encoding):
        feed = self.feed
        document = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": feed["title"],
            "home_page_url": feed["link"],
            "feed_url": feed["feed_url"],
            "description": feed["description"],
            "language": feed.get("language") or "en",
            "authors": [{"name": feed["author_name"]}] if feed.get("author_name") else [],
            "items": [self._item(item) for item in self.items],
        }
        outfile.write(json.dumps(document, ensure_ascii=False, indent=1))

    @staticmethod
    def _item(item):
        entry = {
            "id": item["unique_id"],
            "url": item["link"],
            "title": item["title"],
            "content_html": item.get("content_html") or item.get("description") or "",
            "summary": item.get("summary") or "",
            "date_published": rfc3339_date(item["pubdate"]),
            "tags": list(item.get("categories") or []),
        }
        if item.get("updateddate"):
            entry["date_modified"] = rfc3339_date(item["updateddate"])
        if item.get("author_name"):
            entry["authors"] = [{"name": item["author_name"]}]
        if item.get("enclosures"):
            entry["external_url"] = item["enclosures"][0].url
        return entry


FORMATS = {"rss": RssFeed, "atom": AtomFeed, "json": JsonFeed}


def stable_id(kind, pk, created):
    """A tag: URI that survives title and slug edits (RFC 4151)."""
    authority = urlsplit(settings.DIGESTS_SITE_URL).hostname or "localhost"
    return f"tag:{authority},{created:%Y-%m-%d}:{kind}/{pk}"


class DigestFeed(Feed):
    """What every feed here shares: headers, ids, dates, authors, categories."""

    feed_type = RssFeed
    description_template = None
    kind = ""

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response["Cache-Control"] = CACHE_CONTROL
        if getattr(self, "_latest", None):
            response["Last-Modified"] = http_date(self._latest.timestamp())
        return response

    def get_feed(self, obj, request):
        # Entry bodies are HTML for another site: every link in them is absolute.
        self.base_url = request.build_absolute_uri("/").rstrip("/")
        feed = super().get_feed(obj, request)
        dates = [item.get("updateddate") or item["pubdate"] for item in feed.items]
        self._latest = max(dates) if dates else None
        return feed

    def author_name(self):
        return settings.DIGESTS_SITE_NAME

    def item_author_name(self, item):
        return f"The editors of {settings.DIGESTS_SITE_NAME}"

    # --- Items ---
    def item_guid(self, item):
        return stable_id(self.kind, item.pk, item.created_at)

    def item_guid_is_permalink(self, item):
        return False

    def item_extra_kwargs(self, item):
        return {"content_html": self.item_content(item), "summary": self.item_summary(item)}

    def item_content(self, item):
        return ""

    def item_summary(self, item):
        return ""


class IssuesFeed(DigestFeed):
    kind = "issue"

    def title(self):
        return f"{settings.DIGESTS_SITE_NAME}: new issues"

    def link(self):
        return reverse("digests:home")

    def description(self):
        return settings.DIGESTS_SITE_TAGLINE

    def items(self):
        # Each entry is a whole issue (25 papers with annotations): ten is plenty.
        issues = list(Issue.objects.published().newest_first().with_contents()[:ISSUE_FEED_SIZE])
        attach_tag_lists([paper for issue in issues for paper in issue.papers.all()])
        return issues

    def item_title(self, issue):
        return issue.title

    def item_description(self, issue):
        return issue.intro_html or issue.title

    def item_content(self, issue):
        return render_to_string("digests/feeds/issue.html", {"issue": issue, "base": self.base_url})

    def item_summary(self, issue):
        return " ".join(issue.intro.split())[:500]

    def item_pubdate(self, issue):
        return issue.published_at

    def item_updateddate(self, issue):
        return max(issue.updated_at, issue.published_at)

    def item_categories(self, issue):
        return sorted({section.name for section in (p.section for p in issue.papers.all())})


def with_tags(papers):
    """The papers of a ``for_listing()`` queryset, each with its tags (one query)."""
    listed = list(papers)
    attach_tag_lists(listed, using=papers.db)
    return listed


class PapersFeed(DigestFeed):
    kind = "paper"

    def title(self):
        return f"{settings.DIGESTS_SITE_NAME}: every paper"

    def link(self):
        return reverse("digests:paper_list")

    def description(self):
        return "Each paper we feature, with our annotation, as its issue comes out."

    def papers(self, obj=None):
        return (
            Paper.objects.published()
            .for_listing()
            .order_by("-issue__published_at", "section__position", "position", "pk")
        )

    def items(self):
        return with_tags(self.papers()[:FEED_SIZE])

    def item_title(self, paper):
        return paper.title

    def item_description(self, paper):
        return paper.annotation_html or paper.title

    def item_content(self, paper):
        return render_to_string("digests/feeds/paper.html", {"paper": paper, "base": self.base_url})

    def item_summary(self, paper):
        return " ".join(paper.annotation.split())[:500]

    def item_pubdate(self, paper):
        return paper.issue.published_at

    def item_updateddate(self, paper):
        return max(paper.updated_at, paper.issue.published_at)

    def item_author_name(self, paper):
        return ", ".join(paper.author_list) or super().item_author_name(paper)

    def item_categories(self, paper):
        return [paper.section.name, *(tag.name for tag in paper.tag_list)]


class SectionFeed(PapersFeed):
    def get_object(self, request, slug):
        return get_object_or_404(public_sections(), slug=slug)

    def title(self, section):
        return f"{settings.DIGESTS_SITE_NAME}: {section.name}"

    def link(self, section):
        return section.get_absolute_url()

    def description(self, section):
        return section.description or f"New papers in {section.name}."

    def items(self, section):
        return with_tags(self.papers().filter(section=section)[:FEED_SIZE])


class TagFeed(PapersFeed):
    def get_object(self, request, slug):
        return get_object_or_404(public_tags(), slug=slug)

    def title(self, tag):
        return f"{settings.DIGESTS_SITE_NAME}: papers tagged “{tag.name}”"

    def link(self, tag):
        return reverse("digests:tag", args=[tag.slug])

    def description(self, tag):
        return f"New papers tagged “{tag.name}”."

    def items(self, tag):
        return with_tags(self.papers().filter(tags=tag)[:FEED_SIZE])


class AuthorFeed(PapersFeed):
    def get_object(self, request, slug):
        return get_object_or_404(public_authors(), slug=slug)

    def title(self, author):
        return f"{settings.DIGESTS_SITE_NAME}: papers by {author.name}"

    def link(self, author):
        return author.get_absolute_url()

    def description(self, author):
        return f"New papers by {author.name}, as we feature them."

    def items(self, author):
        return with_tags(self.papers().filter(authorships__author=author)[:FEED_SIZE])


class CommentsFeed(DigestFeed):
    kind = "comment"

    def title(self):
        return f"{settings.DIGESTS_SITE_NAME}: latest comments"

    def link(self):
        return reverse("digests:issue_list")

    def description(self):
        return "Readers' comments on every issue and paper."

    def comments(self):
        return (
            Comment.objects.public().select_related("issue", "paper").order_by("-created_at", "-pk")
        )

    def items(self):
        return self.comments()[:FEED_SIZE]

    def item_title(self, comment):
        about = comment.paper.title if comment.paper else comment.issue.title
        return f"{comment.author_name} on {about}"

    def item_link(self, comment):
        return comment.get_absolute_url()

    def item_description(self, comment):
        return render_comment(comment.body)

    def item_pubdate(self, comment):
        return comment.created_at

    def item_updateddate(self, comment):
        return comment.moderated_at or comment.created_at

    def item_author_name(self, comment):
        return comment.author_name + (" (editor)" if comment.is_editor else "")


class IssueCommentsFeed(CommentsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Issue.objects.published(), slug=slug)

    def title(self, issue):
        return f"Comments on {issue.title}"

    def link(self, issue):
        return issue.get_absolute_url() + "#comments"

    def description(self, issue):
        return f"Readers' comments on {issue.title} and its papers."

    def items(self, issue):
        return self.comments().filter(issue=issue)[:FEED_SIZE]


def formats(feed_class, names=("rss", "atom")):
    """One view per format: {"rss": view, "atom": view, ...}.

    Each request gets a fresh feed object, so per-request state (the site's
    base URL, the newest date for Last-Modified) is never shared between the
    threads of a worker.
    """
    views = {}
    for name in names:
        cls = type(
            f"{feed_class.__name__}{name.title()}", (feed_class,), {"feed_type": FORMATS[name]}
        )

        def view(request, *args, _cls=cls, **kwargs):
            return _cls()(request, *args, **kwargs)

        views[name] = view
    return views
