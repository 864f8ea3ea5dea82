"""Feeds: every one parses cleanly, carries the published content, and nothing else."""

import json
import re
from datetime import timedelta

import feedparser
import pytest
from django.db import connection
from django.urls import reverse

from digests.models import Comment

from .factories import CommentFactory, IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(three_issues):
    published = three_issues["published"]
    paper = three_issues["papers"]["published"]
    paper.annotation = "Why *this* matters."
    paper.authors = "Nelson F. Liu, Kevin Lin"
    paper.save()
    CommentFactory(issue=published, body="An approved comment", author_name="Ada")
    CommentFactory(issue=published, body="A held comment", status="pending")
    CommentFactory(issue=published, body="Spammy", status="spam")
    CommentFactory(issue=three_issues["draft"], body="Comment on a draft")
    return three_issues


def feed_urls(site):
    section = site["papers"]["published"].section
    issue = site["published"]
    return {
        "issues-rss": reverse("digests:feed"),
        "issues-atom": reverse("digests:feed_atom"),
        "papers-rss": reverse("digests:papers_feed"),
        "papers-atom": reverse("digests:papers_feed_atom"),
        "comments-rss": reverse("digests:comments_feed"),
        "comments-atom": reverse("digests:comments_feed_atom"),
        "section-rss": reverse("digests:section_feed", args=[section.slug]),
        "section-atom": reverse("digests:section_feed_atom", args=[section.slug]),
        "tag-rss": reverse("digests:tag_feed", args=["public-tag"]),
        "tag-atom": reverse("digests:tag_feed_atom", args=["public-tag"]),
        "author-rss": reverse("digests:author_feed", args=["nelson-f-liu"]),
        "author-atom": reverse("digests:author_feed_atom", args=["nelson-f-liu"]),
        "issue-comments-rss": reverse("digests:issue_comments_feed", args=[issue.slug]),
        "issue-comments-atom": reverse("digests:issue_comments_feed_atom", args=[issue.slug]),
    }


JSON_FEEDS = ["digests:feed_json", "digests:papers_feed_json"]


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, (url, parsed.get("bozo_exception"))
    return response, parsed


def test_every_xml_feed_parses_without_errors_and_is_complete(client, site):
    for name, url in feed_urls(site).items():
        response, parsed = parse(client, url)
        expected = "application/rss+xml" if name.endswith("rss") else "application/atom+xml"
        assert response["Content-Type"].startswith(expected), name
        assert parsed.version == ("rss20" if name.endswith("rss") else "atom10"), name
        assert parsed.feed.title and parsed.feed.link.startswith("http://testserver/"), name
        assert parsed.entries, name
        for entry in parsed.entries:
            assert entry.id and entry.link.startswith("http://testserver/"), name
            assert entry.get("published_parsed") or entry.get("updated_parsed"), name
            assert entry.get("author") or parsed.feed.get("author"), name


def test_json_feeds_follow_json_feed_1_1(client, site):
    for name in JSON_FEEDS:
        response = client.get(reverse(name))
        assert response["Content-Type"] == "application/feed+json; charset=utf-8"
        feed = json.loads(response.content)
        assert feed["version"] == "https://jsonfeed.org/version/1.1"
        assert feed["title"] and feed["home_page_url"].startswith("http://testserver/")
        assert feed["feed_url"] == "http://testserver" + reverse(name)
        assert feed["items"]
        for item in feed["items"]:
            assert item["id"] and item["url"].startswith("http://testserver/")
            assert item["content_html"]
            assert item["date_published"].endswith(("Z", "+00:00"))


def test_issue_entries_carry_the_whole_issue(client, site):
    _, parsed = parse(client, reverse("digests:feed_atom"))
    (entry,) = parsed.entries
    assert entry.title == "Published Issue"
    content = entry.content[0].value
    assert "Public Paper" in content and "Why <em>this</em> matters." in content
    assert "http://testserver/papers/" in content  # links work outside the site
    assert "https://arxiv.org/pdf/" in content
    _, rss = parse(client, reverse("digests:feed"))
    assert "Public Paper" in rss.entries[0].content[0].value  # content:encoded


def test_paper_entries_have_authors_and_tags_as_categories(client, site):
    _, parsed = parse(client, reverse("digests:papers_feed"))
    (entry,) = parsed.entries
    assert entry.author == "Nelson F. Liu, Kevin Lin"
    assert {tag.term for tag in entry.tags} == {"Large Language Models", "public-tag"}


def test_drafts_scheduled_and_unapproved_never_appear(client, site):
    hidden = ["Secret", "Draft Issue", "Scheduled Issue", "A held comment", "Spammy", "on a draft"]
    urls = [*feed_urls(site).values(), *(reverse(name) for name in JSON_FEEDS)]
    for url in urls:
        content = client.get(url).content.decode()
        for text in hidden:
            assert text not in content, (text, url)
    assert client.get(reverse("digests:tag_feed", args=["draft-only-tag"])).status_code == 404
    draft_comments = reverse("digests:issue_comments_feed", args=[site["draft"].slug])
    assert client.get(draft_comments).status_code == 404


def test_ids_survive_a_change_of_title_and_slug(client, site):
    _, before = parse(client, reverse("digests:feed_atom"))
    _, papers_before = parse(client, reverse("digests:papers_feed"))
    issue = site["published"]
    issue.title, issue.slug = "A New Name", "a-new-name"
    issue.save()
    paper = site["papers"]["published"]
    paper.title, paper.slug = "Renamed Paper", "renamed-paper"
    paper.save()
    _, after = parse(client, reverse("digests:feed_atom"))
    _, papers_after = parse(client, reverse("digests:papers_feed"))
    assert after.entries[0].title == "A New Name"
    assert after.entries[0].id == before.entries[0].id
    assert papers_after.entries[0].id == papers_before.entries[0].id
    assert after.entries[0].id.startswith("tag:")


def test_repeated_conditional_requests_get_304(client, site):
    url = reverse("digests:feed")
    first = client.get(url)
    assert first["Cache-Control"] == "public, max-age=900"
    assert first["ETag"] and first["Last-Modified"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_a_changed_feed_is_sent_again(client, site):
    url = reverse("digests:feed")
    first = client.get(url)
    issue = site["published"]
    issue.title = "Changed"
    issue.save()
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_control_characters_and_markup_never_break_a_feed(client, site):
    issue = site["published"]
    # PostgreSQL cannot store NUL at all; SQLite can, and then it must not break a feed.
    null = "\x00" if connection.vendor == "sqlite" else ""
    nasty = f"Bell\x07 null{null} esc\x1b vt\x0b <script>alert(1)</script> ]]> &amp; \ufffe\x85 end"
    Comment.objects.create(
        issue=issue,
        author_name="Mallory\x01\x02",
        author_email="m@example.org",
        body=nasty,
        status="approved",
    )
    paper = site["papers"]["published"]
    paper.title = "Title with \x0c form feed"
    paper.annotation = "Annotation\x08 with backspace"
    paper.save()
    issue.intro = "Intro \x1f unit separator"
    issue.save()
    for url in [*feed_urls(site).values(), *(reverse(name) for name in JSON_FEEDS)]:
        response = client.get(url)
        assert response.status_code == 200, url
        if "json" in response["Content-Type"]:
            json.loads(response.content)
        else:
            parsed = feedparser.parse(response.content)
            assert not parsed.bozo, (url, parsed.get("bozo_exception"))
    _, parsed = parse(client, reverse("digests:comments_feed_atom"))
    newest = parsed.entries[0]
    assert "Mallory" in newest.title and "end" in newest.summary
    assert "<script>" not in newest.summary  # escaped text, not markup


def test_feed_order_newest_first_and_bounded(client, db):
    section = SectionFactory()
    issues = [
        IssueFactory(published_at=IssueFactory.build().published_at - timedelta(days=n))
        for n in range(35)
    ]
    for issue in issues[:3]:
        PaperFactory(issue=issue, section=section)
    _, parsed = parse(client, reverse("digests:feed_atom"))
    assert len(parsed.entries) == 10
    assert parsed.entries[0].title == issues[0].title


def test_every_page_advertises_its_feeds(client, site):
    paper = site["papers"]["published"]
    pages = {
        "/": [reverse("digests:feed")],
        paper.get_absolute_url(): [reverse("digests:papers_feed")],
        "/tags/public-tag/": [reverse("digests:tag_feed", args=["public-tag"])],
        paper.section.get_absolute_url(): [
            reverse("digests:section_feed", args=[paper.section.slug])
        ],
        site["published"].get_absolute_url(): [
            reverse("digests:issue_comments_feed", args=[site["published"].slug])
        ],
    }
    for url, feeds in pages.items():
        html = client.get(url).content.decode()
        head = html[: html.index("</head>")]
        for feed in feeds:
            rss = r'<link rel="alternate" type="application/rss\+xml"'
            pattern = rss + rf' title="[^"]+" href="{feed}">'
            assert re.search(pattern, head), (url, feed)
        assert 'type="application/feed+json"' in head


def test_subscribe_area_lists_feeds_with_addresses(client, site):
    html = client.get("/").content.decode()
    assert '<h2 id="subscribe-title" class="subscribe-strip__title">Subscribe</h2>' in html
    page = client.get(reverse("digests:subscribe")).content.decode()
    assert "http://testserver/feed/" in page and "http://testserver/feed/papers/json/" in page
    assert "Large Language Models" in page
