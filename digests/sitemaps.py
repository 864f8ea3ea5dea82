"""Sitemaps for search engines: only what readers may see, with when it last changed."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from .models import Author, Issue, Paper, Section, public_tags
from .models.tags import TAG_ISSUE, TAG_PAPER
from .visibility import published_q


class IssueSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Issue.objects.published().newest_first()

    def lastmod(self, issue):
        return max(issue.updated_at, issue.published_at)


class PaperSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6
    limit = 5000

    def items(self):
        return Paper.objects.published().select_related("issue").order_by("pk")

    def lastmod(self, paper):
        return max(paper.updated_at, paper.issue.published_at)


class SectionSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        return (
            Section.objects.filter(published_q("papers__issue__"))
            .annotate(
                last_change=Max("papers__updated_at"),
                last_issue=Max("papers__issue__published_at"),
            )
            .order_by("position", "name")
        )

    def lastmod(self, section):
        return max(section.last_change, section.last_issue)


class TagSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.3

    def items(self):
        rule = published_q(TAG_ISSUE)
        return (
            public_tags()
            .annotate(
                last_change=Max(f"{TAG_PAPER}updated_at", filter=rule),
                last_issue=Max(f"{TAG_ISSUE}published_at", filter=rule),
            )
            .order_by("name")
        )

    def location(self, tag):
        return reverse("digests:tag", args=[tag.slug])

    def lastmod(self, tag):
        return max(tag.last_change, tag.last_issue)


class AuthorSitemap(Sitemap):
    """Authors with a published paper (the others' pages answer 404)."""

    changefreq = "monthly"
    priority = 0.3
    limit = 5000

    def items(self):
        return (
            Author.objects.filter(published_q("papers__issue__"))
            .annotate(
                last_change=Max("papers__updated_at"),
                last_issue=Max("papers__issue__published_at"),
            )
            .order_by("pk")
        )

    def lastmod(self, author):
        return max(author.last_change, author.last_issue)


SITEMAPS = {
    "issues": IssueSitemap,
    "papers": PaperSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}
