"""The site's public addresses (``app_name = "digests"``)."""

from django.urls import path, register_converter

from . import card_views, views
from .comments.views import UnsubscribeView
from .feeds import (
    AuthorFeed,
    CommentsFeed,
    IssueCommentsFeed,
    IssuesFeed,
    PapersFeed,
    SectionFeed,
    TagFeed,
    formats,
)
from .search.views import PaperBrowserView, browser_bibtex
from .subscriptions import views as subscription_views
from .useful.views import mark_useful, useful_counts


class TagSlugConverter:
    """Tag slugs may be Unicode (django-taggit keeps letters of any script), but
    never contain a slash or a control character (NUL breaks PostgreSQL)."""

    regex = r"[^/\x00-\x1f\x7f]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


app_name = "digests"
register_converter(TagSlugConverter, "tagslug")

issues_feed = formats(IssuesFeed, ("rss", "atom", "json"))
papers_feed = formats(PapersFeed, ("rss", "atom", "json"))
comments_feed = formats(CommentsFeed)
section_feed = formats(SectionFeed)
tag_feed = formats(TagFeed)
author_feed = formats(AuthorFeed)
issue_comments_feed = formats(IssueCommentsFeed)

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("issues/", views.IssueArchiveView.as_view(), name="issue_list"),
    path("issues/<slug:slug>/", views.IssueDetailView.as_view(), name="issue"),
    path("issues/<slug:slug>.bib", views.issue_bibtex, name="issue_bibtex"),
    path("issues/<slug:slug>/card.png", card_views.issue_card, name="issue_card"),
    path("preview/<str:token>/", views.IssuePreviewLinkView.as_view(), name="issue_preview_link"),
    path("papers/", PaperBrowserView.as_view(), name="paper_list"),
    path("search/", PaperBrowserView.as_view(), name="search"),
    path("papers.bib", browser_bibtex, name="paper_list_bibtex"),
    path("papers/<slug:slug>/", views.PaperDetailView.as_view(), name="paper"),
    path("papers/<slug:slug>.bib", views.paper_bibtex, name="paper_bibtex"),
    path("papers/<slug:slug>/card.png", card_views.paper_card, name="paper_card"),
    path("sections/<slug:slug>/", views.SectionDetailView.as_view(), name="section"),
    path("tags/", views.TagIndexView.as_view(), name="tag_list"),
    path(
        "tags/<tagslug:slug>/",
        views.follow_tag_redirects(views.TagDetailView.as_view(), "digests:tag"),
        name="tag",
    ),
    path("authors/<slug:slug>/", views.AuthorDetailView.as_view(), name="author"),
    path("authors/<slug:slug>/feed/", author_feed["rss"], name="author_feed"),
    path("authors/<slug:slug>/feed/atom/", author_feed["atom"], name="author_feed_atom"),
    path("comments/unsubscribe/<str:token>/", UnsubscribeView.as_view(), name="unsubscribe"),
    # The Useful button (never stored by the page cache: digests/caching/pages.py).
    path("useful/", useful_counts, name="useful_counts"),
    path("useful/<slug:slug>/", mark_useful, name="paper_useful"),
    path("subscribe/", subscription_views.SubscribeView.as_view(), name="subscribe"),
    path(
        "subscribe/confirm/<str:token>/",
        subscription_views.ConfirmView.as_view(),
        name="subscribe_confirm",
    ),
    path(
        "subscribe/unsubscribe/<str:token>/",
        subscription_views.UnsubscribeView.as_view(),
        name="subscribe_unsubscribe",
    ),
    # Feeds: RSS at the plain address, Atom and JSON beside it.
    path("feed/", issues_feed["rss"], name="feed"),
    path("feed/atom/", issues_feed["atom"], name="feed_atom"),
    path("feed/json/", issues_feed["json"], name="feed_json"),
    path("feed/papers/", papers_feed["rss"], name="papers_feed"),
    path("feed/papers/atom/", papers_feed["atom"], name="papers_feed_atom"),
    path("feed/papers/json/", papers_feed["json"], name="papers_feed_json"),
    path("feed/comments/", comments_feed["rss"], name="comments_feed"),
    path("feed/comments/atom/", comments_feed["atom"], name="comments_feed_atom"),
    path("sections/<slug:slug>/feed/", section_feed["rss"], name="section_feed"),
    path("sections/<slug:slug>/feed/atom/", section_feed["atom"], name="section_feed_atom"),
    path(
        "tags/<tagslug:slug>/feed/",
        views.follow_tag_redirects(tag_feed["rss"], "digests:tag_feed"),
        name="tag_feed",
    ),
    path(
        "tags/<tagslug:slug>/feed/atom/",
        views.follow_tag_redirects(tag_feed["atom"], "digests:tag_feed_atom"),
        name="tag_feed_atom",
    ),
    path(
        "issues/<slug:slug>/comments/feed/", issue_comments_feed["rss"], name="issue_comments_feed"
    ),
    path(
        "issues/<slug:slug>/comments/feed/atom/",
        issue_comments_feed["atom"],
        name="issue_comments_feed_atom",
    ),
]
