"""After posting: the reader lands on their own comment, or on the notice that it
awaits moderation, where they posted it (issue 18, item 1); and every comment
count says what it counts and agrees with the list it leads to."""

import re
from html import unescape

import pytest
from django.test import Client

from digests.models import Comment

from .comment_helpers import post_comment
from .factories import CommentFactory, IssueFactory, PaperFactory

pytestmark = pytest.mark.django_db

NOTICE = re.compile(r'<div class="comment-posted[^"]*" id="comment-posted"([^>]*)>')


@pytest.fixture
def issue():
    return IssueFactory(title="June–July 2023")


def comment_section(html):
    return html.split('<section class="comments" id="comments"')[1].split("</section>")[0]


def follow(client, response):
    assert response.status_code == 302
    return client.get(response["Location"])


def test_a_held_comment_lands_on_its_notice_beside_the_form_not_at_the_top(client, issue):
    response = post_comment(client, issue.get_absolute_url(), body="Is this held?")
    assert response["Location"] == issue.get_absolute_url() + "#comment-posted"
    page = follow(client, response)
    html = page.content.decode()
    section = comment_section(html)
    # In the comment section, just above the form; nothing about it at the page's top.
    assert section.index('id="comment-posted"') < section.index('id="comment-form"')
    assert html.count("held for moderation") == 1 and 'class="wrap messages"' not in html
    attributes = NOTICE.search(section)[1]
    assert 'tabindex="-1"' in attributes and 'role="status"' in attributes
    assert 'aria-labelledby="comment-posted-title"' in attributes
    assert '<h3 id="comment-posted-title"' in section
    assert "no need to post it again" in section
    # Not "No comments yet. Start the discussion below." under the reader's eyes.
    assert "No comments yet" not in section
    assert "Is this held?" not in section  # a held text is never shown
    # One reader's page: never stored for others, and shown once.
    assert page.get("X-Page-Cache") != "hit" and "private" in page["Cache-Control"]
    again = client.get(issue.get_absolute_url()).content.decode()
    assert 'id="comment-posted"' not in again and "No comments yet" in again


def test_the_notice_is_not_served_to_other_readers_from_the_cache(issue):
    url = issue.get_absolute_url()
    other = Client()
    assert other.get(url)["X-Page-Cache"] == "miss"
    poster = Client()
    page = follow(poster, post_comment(poster, url, body="Only mine to see"))
    assert 'id="comment-posted"' in page.content.decode()
    shared = other.get(url)
    assert shared["X-Page-Cache"] == "hit"
    assert 'id="comment-posted"' not in shared.content.decode()


def test_a_published_comment_lands_inside_its_notice_in_the_list(client, issue):
    CommentFactory(issue=issue, author_email="ada@example.org", body="Earlier comment")
    CommentFactory(issue=issue, body="Another reader wrote")
    response = post_comment(client, issue.get_absolute_url(), body="Known reader here")
    comment = Comment.objects.get(body="Known reader here")
    assert comment.is_approved
    assert response["Location"] == issue.get_absolute_url() + "#comment-posted"
    section = comment_section(follow(client, response).content.decode())
    notice = section.split('id="comment-posted"')[1]
    assert notice.index("Your comment is published") < notice.index(f'id="comment-{comment.pk}"')
    assert "Known reader here" in notice.split("</article>")[0]
    # The notice is in the list, where the comment is, not above the form.
    assert section.index('id="comment-posted"') < section.index("</ol>")
    assert section.index("Another reader wrote") < section.index('id="comment-posted"')


def test_a_published_comment_on_a_later_comment_page_lands_on_that_page(client, issue, settings):
    settings.DIGESTS_COMMENTS_PER_PAGE = 2
    CommentFactory(issue=issue, author_email="ada@example.org")
    CommentFactory(issue=issue)
    response = post_comment(client, issue.get_absolute_url(), body="On page two")
    assert response["Location"] == issue.get_absolute_url() + "?comments=2#comment-posted"
    section = comment_section(follow(client, response).content.decode())
    assert "On page two" in section.split('id="comment-posted"')[1]


def test_a_held_reply_is_announced_under_its_thread(client, issue, settings):
    settings.DIGESTS_COMMENTS_PER_PAGE = 1
    CommentFactory(issue=issue, body="First thread")
    thread = CommentFactory(issue=issue, author_name="Grace", body="Second thread")
    response = post_comment(
        client, issue.get_absolute_url(), body="A reply to Grace", reply_to=str(thread.pk)
    )
    assert Comment.objects.get(body="A reply to Grace").status == Comment.Status.PENDING
    # The thread is on comment page 2: the reader lands there.
    assert response["Location"] == issue.get_absolute_url() + "?comments=2#comment-posted"
    section = comment_section(follow(client, response).content.decode())
    thread_item = section.split(f'id="comment-{thread.pk}"')[1].split("</li>\n    \n  </ol>")[0]
    assert 'id="comment-posted"' in thread_item and "comment-posted--reply" in thread_item
    assert "held for moderation" in thread_item


def test_a_comment_on_a_paper_lands_on_the_papers_notice(client, issue):
    paper = PaperFactory(issue=issue)
    response = post_comment(client, paper.get_absolute_url(), body="About this paper")
    assert response["Location"] == paper.get_absolute_url() + "#comment-posted"
    section = comment_section(follow(client, response).content.decode())
    assert "held for moderation" in section


def test_other_messages_stay_at_the_top_and_a_stray_notice_is_harmless(client, issue):
    """A notice for a comment this page does not hold (posted on a paper, read on
    the issue) still shows, beside the form; it never breaks the page."""
    paper = PaperFactory(issue=issue)
    CommentFactory(issue=paper.issue, author_email="ada@example.org")
    post_comment(client, paper.get_absolute_url(), body="Published on the paper")
    html = client.get(issue.get_absolute_url()).content.decode()
    section = comment_section(html)
    assert section.index('id="comment-posted"') < section.index('id="comment-form"')
    assert "Your comment is published" in section


def test_forged_notice_tags_are_not_trusted(client, issue):
    """The message cookie is signed: a reader cannot make the page say anything."""
    client.cookies["messages"] = '[["__json_message",0,25,"forged","comment-notice comment-1"]]'
    response = client.get(issue.get_absolute_url())
    assert response.status_code == 200 and "forged" not in response.content.decode()


# --- Counts ----------------------------------------------------------------------------


def number(pattern, html):
    found = re.search(pattern, unescape(html).replace("\xa0", " "))
    assert found, pattern
    return int(found[1])


def comments_listed(client, url):
    """How many comments the page's comment section lists (every comment page)."""
    return comment_section(client.get(url).content.decode()).count('<article class="comment')


def test_every_count_agrees_with_the_list_it_leads_to(client, issue):
    first, second = PaperFactory(issue=issue), PaperFactory(issue=issue)
    thread = CommentFactory(issue=issue)
    CommentFactory(issue=issue, parent=thread, in_reply_to=thread)
    CommentFactory(issue=issue)
    CommentFactory(issue=issue)
    CommentFactory(issue=issue, paper=first)
    CommentFactory(issue=issue, paper=first, status=Comment.Status.PENDING)
    CommentFactory(issue=issue, status=Comment.Status.SPAM)
    own, on_first = 4, 1
    assert comments_listed(client, issue.get_absolute_url()) == own
    assert comments_listed(client, first.get_absolute_url()) == on_first
    assert comments_listed(client, second.get_absolute_url()) == 0

    home = client.get("/").content.decode()
    assert number(r">(\d+) comments on this issue</a>", home) == own
    assert number(r'#comments-on-papers">(\d+) on its papers</a>', home) == on_first

    archive = client.get("/issues/").content.decode()
    assert number(r"(\d+) comments on the issue, \d+ on its papers", archive) == own
    assert number(r"\d+ comments on the issue, (\d+) on its papers", archive) == on_first

    page = client.get(issue.get_absolute_url()).content.decode()
    header = page.split('class="issue__head"')[1].split("</header>")[0]
    assert number(r'href="#comments">(\d+) comments on this issue</a>', header) == own
    assert number(r'href="#comments-on-papers">(\d+) on its papers</a>', header) == on_first
    section = comment_section(page)
    assert number(r'class="comments__title">\s*(\d+) comments on this issue', section) == own
    elsewhere = section.split('id="comments-on-papers"')[1].split("</p>")[0]
    assert number(r">(\d+) more comment on this issue's papers", elsewhere) == on_first
    assert f'href="{first.get_absolute_url()}#comments">' in elsewhere
    assert second.get_absolute_url() not in elsewhere  # no comments: not listed
    # Each paper's card counts that paper's discussion.
    assert number(rf'href="{first.get_absolute_url()}#comments">(\d+) comment', page) == on_first

    paper_page = client.get(first.get_absolute_url()).content.decode()
    assert number(r'class="comments__title">\s*(\d+) comment on this paper', paper_page) == 1


def test_an_issue_discussed_only_on_its_papers_says_so(client, issue):
    paper = PaperFactory(issue=issue)
    CommentFactory(issue=issue, paper=paper)
    CommentFactory(issue=issue, paper=paper)
    page = client.get(issue.get_absolute_url()).content.decode()
    assert ">0 comments on this issue</a> · " in page
    section = comment_section(page)
    assert "No comments on the issue itself yet." in section
    assert "2 comments on this issue's papers, on their own pages:" in unescape(section)
