"""Posting and reading comments through the pages, as readers do."""

import re
import time
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from digests.comments.forms import form_timestamp
from digests.models import Comment

from .comment_helpers import form_data, post_comment
from .factories import CommentFactory, IssueFactory, PaperFactory, editor_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue():
    return IssueFactory(title="June–July 2023")


def test_a_held_comment_redirects_to_a_moderation_message(client, issue):
    response = post_comment(client, issue.get_absolute_url(), body="Nice update!")
    assert response.status_code == 302
    assert response["Location"] == issue.get_absolute_url() + "#comment-posted"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "held for moderation" in html
    assert "Nice update!" not in html.split('id="comments"')[1].split("<form")[0]
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING and comment.paper is None


def test_an_approved_comment_redirects_to_its_anchor_and_shows(client, issue):
    CommentFactory(issue=issue, author_email="ada@example.org", body="Earlier comment")
    response = post_comment(client, issue.get_absolute_url(), body="Second thoughts")
    comment = Comment.objects.get(body="Second thoughts")
    # At the notice around the comment (comments.js then shows #comment-N).
    assert response["Location"] == f"{issue.get_absolute_url()}#comment-posted"
    html = client.get(response["Location"]).content.decode()
    assert f'id="comment-{comment.pk}"' in html and "Second thoughts" in html
    posted = html.split('id="comment-posted"')[1].split("</article>")[0]
    assert "Your comment is published" in posted and f'id="comment-{comment.pk}"' in posted


def test_a_paper_has_its_own_thread(client, issue):
    paper = PaperFactory(issue=issue)
    CommentFactory(issue=issue, author_email="ada@example.org", body="About the issue")
    post_comment(client, paper.get_absolute_url(), body="About this paper")
    comment = Comment.objects.get(body="About this paper")
    assert comment.paper == paper and comment.is_approved
    paper_html = client.get(paper.get_absolute_url()).content.decode()
    issue_html = client.get(issue.get_absolute_url()).content.decode()
    assert "About this paper" in paper_html and "About the issue" not in paper_html
    assert "About the issue" in issue_html and "About this paper" not in issue_html
    assert f'href="{paper.get_absolute_url()}#comments">1 comment' in issue_html


def test_a_paper_moved_to_another_issue_keeps_its_discussion(client):
    paper = PaperFactory()
    CommentFactory(issue=paper.issue, paper=paper, body="About this paper")
    paper.issue = IssueFactory()
    paper.save()
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "About this paper" in html
    assert Comment.objects.get().issue == paper.issue


def test_counts_show_on_issue_archive_and_home_and_never_count_held_ones(client, issue):
    paper = PaperFactory(issue=issue)
    CommentFactory(issue=issue)
    CommentFactory(issue=issue, paper=paper)
    CommentFactory(issue=issue, status=Comment.Status.PENDING)
    CommentFactory(issue=issue, status=Comment.Status.SPAM)
    CommentFactory(issue=issue, status=Comment.Status.REMOVED)
    archive = client.get("/issues/").content.decode()
    home = client.get("/").content.decode()
    issue_page = client.get(issue.get_absolute_url()).content.decode()
    # The issue's own discussion and its papers' are counted apart (issue 18).
    assert "1 comment on the issue, 1 on its papers" in archive
    assert ">1 comment on this issue</a>" in home and ">1 on its papers</a>" in home
    assert ">1 comment on this issue</a>" in issue_page and ">1 on its papers</a>" in issue_page
    assert '<h2 id="comments-title" class="comments__title">\n    1 comment' in issue_page
    for html in (archive, home, issue_page):
        assert "held" not in html.lower() and "moderation" not in html.lower().replace(
            "comments are read by an editor", ""
        )


def test_threads_are_oldest_first_with_replies_beneath(client, issue):
    now = timezone.now()
    first = CommentFactory(issue=issue, author_name="First", created_at=now - timedelta(hours=3))
    second = CommentFactory(issue=issue, author_name="Second", created_at=now - timedelta(hours=2))
    reply = CommentFactory(
        issue=issue,
        parent=first,
        in_reply_to=first,
        author_name="Replier",
        created_at=now - timedelta(hours=1),
    )
    CommentFactory(
        issue=issue,
        parent=first,
        in_reply_to=reply,
        author_name="Second replier",
        created_at=now - timedelta(minutes=5),
    )
    html = client.get(issue.get_absolute_url()).content.decode().replace("\xa0", " ")
    assert html.index("First") < html.index("Replier") < html.index("Second replier")
    assert html.index("Second replier") < html.index(">Second<")
    assert "replying to Replier" in html
    assert f'href="#comment-{second.pk}"' in html  # permalink
    assert "2 hours ago" in html and "5 minutes ago" in html
    # To the second: HTML's datetime refuses microseconds.
    stamp = timezone.localtime(first.created_at).isoformat(timespec="seconds")
    assert f'datetime="{stamp}"' in html


def test_a_reply_to_a_removed_comment_does_not_name_it(client, issue):
    thread = CommentFactory(issue=issue, author_name="Opener")
    removed = CommentFactory(
        issue=issue, parent=thread, in_reply_to=thread, author_name="Gone Reader"
    )
    CommentFactory(issue=issue, parent=thread, in_reply_to=removed, author_name="Later Reader")
    Comment.objects.filter(pk=removed.pk).update(status=Comment.Status.REMOVED)
    html = client.get(issue.get_absolute_url()).content.decode()
    assert "Later Reader" in html and "Gone Reader" not in html


def test_reply_link_works_without_javascript(client, issue):
    root = CommentFactory(issue=issue, author_name="Ada")
    CommentFactory(issue=issue, author_email="bob@example.org")
    form_page = client.get(issue.get_absolute_url(), {"reply": root.pk})
    html = form_page.content.decode()
    assert "Reply to Ada" in html
    assert f'name="reply_to" value="{root.pk}"' in html
    response = post_comment(
        client,
        issue.get_absolute_url(),
        author_email="bob@example.org",
        body="Answering Ada",
        reply_to=str(root.pk),
    )
    reply = Comment.objects.get(body="Answering Ada")
    assert reply.parent == root and reply.is_approved
    assert response["Location"].endswith("#comment-posted")
    posted = client.get(response["Location"]).content.decode().split('id="comment-posted"')[1]
    assert posted.index(f'id="comment-{reply.pk}"') < posted.index("</article>")


def test_reply_parameter_with_unicode_digits_is_ignored(client):
    issue = IssueFactory()
    CommentFactory(issue=issue)
    for value in ["²", "١٢", "1²", "-1", "99999999999999999999999"]:
        assert client.get(issue.get_absolute_url(), {"reply": value}).status_code == 200


def test_threads_are_paginated_and_permalinks_find_their_page(client, issue, settings):
    settings.DIGESTS_COMMENTS_PER_PAGE = 10
    start = timezone.now() - timedelta(days=1)
    threads = [
        CommentFactory(issue=issue, created_at=start + timedelta(minutes=n)) for n in range(25)
    ]
    reply = CommentFactory(issue=issue, parent=threads[23], created_at=start + timedelta(hours=2))
    first_page = client.get(issue.get_absolute_url()).content.decode()
    assert threads[0].body in first_page and threads[10].body not in first_page
    assert "Comments page 1 of 3" in first_page
    assert reply.get_absolute_url() == f"{issue.get_absolute_url()}?comments=3#comment-{reply.pk}"
    third = client.get(issue.get_absolute_url(), {"comments": 3}).content.decode()
    assert reply.body in third and threads[23].body in third


def test_reply_links_keep_the_comment_page(client, settings):
    settings.DIGESTS_COMMENTS_PER_PAGE = 2
    issue = IssueFactory()
    threads = [CommentFactory(issue=issue) for _ in range(3)]
    html = client.get(issue.get_absolute_url(), {"comments": 2}).content.decode()
    assert f'href="?comments=2&amp;reply={threads[2].pk}#comment-form"' in html
    page = client.get(issue.get_absolute_url(), {"comments": 2, "reply": threads[2].pk})
    assert f'name="reply_to" value="{threads[2].pk}"' in page.content.decode()


@pytest.mark.parametrize("page", ["0", "-5", "abc", "99999999999999999999"])
def test_odd_comment_page_numbers_show_a_page(client, issue, page):
    CommentFactory(issue=issue)
    assert client.get(issue.get_absolute_url(), {"comments": page}).status_code == 200


def test_comments_render_as_text_with_breaks_and_safe_links(client, issue):
    CommentFactory(
        issue=issue,
        body="Line one\nLine two <b>bold</b>\n\nSee https://arxiv.org/abs/2307.03172.",
    )
    html = client.get(issue.get_absolute_url()).content.decode()
    assert "Line one<br>\nLine two &lt;b&gt;bold&lt;/b&gt;" in html
    assert (
        '<a href="https://arxiv.org/abs/2307.03172" rel="nofollow ugc noopener">'
        "https://arxiv.org/abs/2307.03172</a>." in html
    )


XSS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "javascript:alert(1)",
    "jav\tascript:alert(1)",
    '<svg onload="alert(1)"><script>alert(2)</script></svg>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    '"><script>alert(1)</script>',
    'https://example.org/"onmouseover="alert(1)',
    "https://example.org/<script>alert(1)</script>",
]


@pytest.mark.parametrize("payload", XSS)
def test_hostile_comments_render_inert_on_the_page_and_in_the_admin(client, superuser, payload):
    issue = IssueFactory()
    comment = CommentFactory(issue=issue, body=payload, author_name=payload[:80])
    pages = [client.get(issue.get_absolute_url()).content.decode()]
    client.force_login(superuser)
    pages.append(client.get(f"/admin/digests/comment/{comment.pk}/change/").content.decode())
    pages.append(client.get("/admin/digests/comment/").content.decode())
    for html in pages:
        assert "<script>alert" not in html
        assert "<img src=x" not in html and "<svg onload" not in html
        assert 'href="javascript:' not in html and 'href="jav' not in html
        assert not re.search(r"<a [^>]*onmouseover", html)
        assert '"onmouseover="' not in html


def test_refused_submissions_keep_the_text_and_explain(client, issue):
    long_text = "Thoughtful words. " * 10
    response = post_comment(client, issue.get_absolute_url(), author_email="nope", body=long_text)
    assert response.status_code == 400
    html = response.content.decode()
    # The message as readers see it, whichever way its apostrophe is escaped.
    assert "That doesn't look like an e-mail address" in unescape(html)
    assert long_text.strip() in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_author_email_helptext id_author_email_error"' in html
    assert 'role="alert"' in html
    assert not Comment.objects.exists()


def test_field_errors_are_summed_up_once_with_links_to_the_fields(client, issue):
    response = post_comment(client, issue.get_absolute_url(), author_name="", body="")
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('role="alert"') == 1  # one announcement, not one per field
    summary = html.split('role="alert"')[1].split("</div>")[0]
    assert "Please check 2 things before posting" in summary
    assert '<a href="#id_author_name">Name</a>: Please give a name' in summary
    assert '<a href="#id_body">Comment</a>: Please write something' in summary
    assert 'id="id_body_error"' in html
    assert 'aria-describedby="id_body_helptext id_body_error"' in html


def test_oversize_body_is_refused_cleanly(client, issue):
    response = post_comment(client, issue.get_absolute_url(), body="x" * 5001)
    assert response.status_code == 400
    assert "at most 5000 characters" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_body_of_only_control_characters_is_empty(client, issue):
    response = post_comment(client, issue.get_absolute_url(), body="\x00\x01\x02 \x1f")
    assert response.status_code == 400
    assert "Please write something before posting." in response.content.decode()


def test_a_form_sent_in_under_three_seconds_is_refused(client, issue):
    response = post_comment(
        client, issue.get_absolute_url(), shown_at=form_timestamp(time.time() - 1)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "faster than anyone can type" in html
    assert "Nice update!" in html
    assert not Comment.objects.exists()


def test_a_form_older_than_two_hours_is_refused_with_a_fresh_one(client, issue):
    old = form_timestamp(time.time() - 2 * 3600 - 5)
    response = post_comment(client, issue.get_absolute_url(), shown_at=old)
    assert response.status_code == 400
    html = response.content.decode()
    assert "more than two hours" in html
    assert old not in html  # the form comes back with a new clock
    assert "Nice update!" in html


@pytest.mark.parametrize("token", ["", "garbage", "1700000000", form_timestamp()[:-3] + "abc"])
def test_a_missing_or_forged_timestamp_is_refused(client, issue, token):
    response = post_comment(client, issue.get_absolute_url(), shown_at=token)
    assert response.status_code == 400
    assert "could not be checked" in response.content.decode()


def test_a_second_post_within_15_seconds_gets_429_with_retry_after(client, issue):
    post_comment(client, issue.get_absolute_url(), body="first")
    response = post_comment(client, issue.get_absolute_url(), body="second, soon after")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 15
    html = response.content.decode()
    assert "Please wait" in html and "second, soon after" in html


def test_the_same_text_twice_is_refused(client, issue):
    post_comment(client, issue.get_absolute_url(), body="Nice update!")
    response = post_comment(
        client,
        issue.get_absolute_url(),
        body="Nice update!",
        ip="192.0.2.77",
        author_email="x@y.org",
    )
    assert response.status_code == 400
    assert "already been posted" in response.content.decode()
    assert Comment.objects.count() == 1


def test_closed_issue_shows_no_form_and_refuses_posts(client, issue):
    issue.comments_open = False
    issue.save()
    html = client.get(issue.get_absolute_url()).content.decode()
    assert "Comments on this issue are closed." in html and "<textarea" not in html
    response = post_comment(client, issue.get_absolute_url(), body="Too late?")
    assert response.status_code == 403
    assert "Too late?" in response.content.decode()


def test_posting_to_a_draft_is_404_for_readers(client):
    draft = IssueFactory.draft()
    assert post_comment(client, draft.get_absolute_url()).status_code == 404


def test_honeypot_posts_look_held_but_are_spam(client, issue):
    response = post_comment(client, issue.get_absolute_url(), website="http://buy.example")
    assert response.status_code == 302
    assert Comment.objects.get().status == Comment.Status.SPAM


def test_signed_in_staff_post_as_editor_and_are_published(client, issue):
    editor = editor_user(first_name="Chief", last_name="Ed")
    client.force_login(editor)
    page = client.get(issue.get_absolute_url()).content.decode()
    assert "Posting as <strong>Chief Ed</strong>" in page
    response = client.post(
        issue.get_absolute_url(), {"body": "From the desk", "shown_at": "", "website": ""}
    )
    comment = Comment.objects.get()
    assert response.status_code == 302 and comment.is_editor and comment.is_approved
    client.logout()
    html = client.get(issue.get_absolute_url()).content.decode()
    assert '<span class="badge">Editor</span>' in html and "From the desk" in html


def test_csrf_failure_explains_cookies_in_plain_words(issue):
    client = Client(enforce_csrf_checks=True)
    response = client.post(issue.get_absolute_url(), form_data())
    assert response.status_code == 403
    html = response.content.decode()
    assert "cookie" in html and "We couldn't confirm that form came from this site" in html
    assert "CSRF verification failed" not in html


def test_csrf_page_keeps_the_site_frame():
    issue = IssueFactory()
    response = Client(enforce_csrf_checks=True).post(issue.get_absolute_url(), form_data())
    html = response.content.decode()
    assert response.status_code == 403
    # The site's header (wordmark and name) frames the refusal, as on every page.
    assert '<a class="brand" href="/">' in html
    assert '<span class="brand__name">AI Research Highlights</span></a>' in html
    assert "<title>" in html and "· </title>" not in html


def test_form_fields_are_labelled_and_the_trap_is_hidden_from_people(client, issue):
    html = client.get(issue.get_absolute_url()).content.decode()
    for field in ("author_name", "author_email", "body", "notify_replies"):
        assert f'<label for="id_{field}">' in html
    assert 'class="field field--trap" aria-hidden="true"' in html
    assert 'tabindex="-1"' in html
