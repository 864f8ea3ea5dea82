"""Sitemaps, robots.txt and the metadata that previews and search engines read."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from .factories import CommentFactory

pytestmark = pytest.mark.django_db
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_locations(client):
    index = ET.fromstring(client.get("/sitemap.xml").content)
    parts = [loc.text for loc in index.findall("sm:sitemap/sm:loc", NS)]
    urls = {}
    for part in parts:
        tree = ET.fromstring(client.get(part.replace("http://testserver", "")).content)
        for url in tree.findall("sm:url", NS):
            urls[url.find("sm:loc", NS).text] = url.find("sm:lastmod", NS).text
    return parts, urls


def test_sitemap_lists_every_public_page_with_lastmod(client, three_issues):
    paper = three_issues["papers"]["published"]
    parts, urls = sitemap_locations(client)
    assert {p.rsplit("/", 1)[1] for p in parts} == {
        "sitemap-issues.xml",
        "sitemap-papers.xml",
        "sitemap-sections.xml",
        "sitemap-tags.xml",
        "sitemap-authors.xml",
    }
    base = "http://testserver"
    for path in [
        three_issues["published"].get_absolute_url(),
        paper.get_absolute_url(),
        paper.section.get_absolute_url(),
        "/tags/public-tag/",
        paper.author_records[0].get_absolute_url(),
    ]:
        assert base + path in urls, path
        assert re.match(r"\d{4}-\d\d-\d\d", urls[base + path]), path


def test_sitemap_never_lists_drafts(client, three_issues):
    _, urls = sitemap_locations(client)
    listed = " ".join(urls)
    for hidden in ["draft-issue", "scheduled-issue", "secret", "draft-only-tag", "scheduled-only"]:
        assert hidden not in listed


def test_robots_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines and "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def head_of(client, url):
    html = client.get(url).content.decode()
    return html[: html.index("</head>")]


def meta(head, attribute, name):
    found = re.findall(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', head)
    return found


def json_ld(head):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', head, re.S)
    return [json.loads(block) for block in blocks]


def page_urls(three_issues):
    paper = three_issues["papers"]["published"]
    return {
        "home": "/",
        "archive": reverse("digests:issue_list"),
        "issue": three_issues["published"].get_absolute_url(),
        "paper": paper.get_absolute_url(),
        "section": paper.section.get_absolute_url(),
        "tags": reverse("digests:tag_list"),
        "tag": "/tags/public-tag/",
        "browser": reverse("digests:paper_list"),
        "subscribe": reverse("digests:subscribe"),
        "author": paper.author_records[0].get_absolute_url(),
    }


def test_every_page_type_has_a_unique_title_and_full_preview_tags(client, three_issues):
    titles = set()
    for name, url in page_urls(three_issues).items():
        head = head_of(client, url)
        title = re.search(r"<title>(.*?)</title>", head, re.S)[1]
        assert title not in titles, (name, title)
        titles.add(title)
        (description,) = meta(head, "name", "description")
        assert len(description) > 20, name
        assert f'<link rel="canonical" href="http://testserver{url}">' in head, name
        for prop in ("og:title", "og:description", "og:url", "og:type", "og:site_name"):
            assert meta(head, "property", prop), (name, prop)
        # Issues and papers carry a drawn social card; other pages the plain summary.
        card = "summary_large_image" if name in ("issue", "paper") else "summary"
        assert meta(head, "name", "twitter:card") == [card], name
        assert meta(head, "name", "twitter:title"), name


def test_issue_json_ld_is_a_publication_issue_of_a_periodical(client, three_issues):
    head = head_of(client, three_issues["published"].get_absolute_url())
    (data,) = json_ld(head)
    assert data["@type"] == "PublicationIssue"
    assert data["isPartOf"]["@type"] == "Periodical"
    assert data["hasPart"][0]["name"] == "Public Paper"
    assert meta(head, "property", "og:type") == ["article"]


def test_paper_json_ld_and_highwire_tags(client, three_issues):
    paper = three_issues["papers"]["published"]
    paper.authors = "Nelson F. Liu, Kevin Lin, Percy Liang"
    paper.save()
    head = head_of(client, paper.get_absolute_url())
    (data,) = json_ld(head)
    assert data["@type"] == "ScholarlyArticle"
    assert [a["name"] for a in data["author"]] == ["Nelson F. Liu", "Kevin Lin", "Percy Liang"]
    assert data["identifier"]["value"] == paper.arxiv_id
    assert meta(head, "name", "citation_title") == ["Public Paper"]
    assert meta(head, "name", "citation_author") == ["Nelson F. Liu", "Kevin Lin", "Percy Liang"]
    assert meta(head, "name", "citation_publication_date") == ["2023/07/03"]
    assert meta(head, "name", "citation_arxiv_id") == [paper.arxiv_id]
    assert meta(head, "name", "citation_pdf_url") == [f"https://arxiv.org/pdf/{paper.arxiv_id}"]


def test_json_ld_cannot_be_broken_out_of(client, three_issues):
    paper = three_issues["papers"]["published"]
    paper.title = "</script><script>alert(1)</script>"
    paper.save()
    head = head_of(client, paper.get_absolute_url())
    assert "<script>alert(1)" not in head
    (data,) = json_ld(head)
    assert data["name"] == "</script><script>alert(1)</script>"


def test_preview_pages_are_not_indexed_and_comments_feed_hidden(client, editor, three_issues):
    client.force_login(editor)
    head = head_of(client, three_issues["draft"].get_absolute_url())
    assert '<meta name="robots" content="noindex, nofollow">' in head
    assert "comments/feed" not in head


def test_home_json_ld_names_the_periodical(client, three_issues):
    CommentFactory(issue=three_issues["published"])
    (data,) = json_ld(head_of(client, "/"))
    assert data["@type"] == "Periodical" and data["name"] == "AI Research Highlights"
