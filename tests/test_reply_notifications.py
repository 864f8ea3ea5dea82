"""Readers who tick "e-mail me replies" hear about replies, and can stop with one click."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from digests.comments import notify, rules
from digests.models import Comment

from .comment_helpers import post_comment
from .factories import CommentFactory, IssueFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def thread():
    issue = IssueFactory()
    root = CommentFactory(
        issue=issue, author_email="asker@example.org", author_name="Asker", notify_replies=True
    )
    quiet = CommentFactory(
        issue=issue, author_email="quiet@example.org", parent=root, in_reply_to=root
    )
    CommentFactory(issue=issue, author_email="replier@example.org")  # a known author
    return issue, root, quiet


def reply(issue, to, body="An answer", email="replier@example.org"):
    return rules.create(
        issue=issue,
        reply_to=to.pk,
        body=body,
        author_name="Replier",
        author_email=email,
        ip="192.0.2.50",
        rate_limit=False,
    )


def test_an_opted_in_author_gets_the_reply_with_a_signed_unsubscribe_link(thread):
    issue, root, _ = thread
    answer = reply(issue, root)
    assert answer.is_approved
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["asker@example.org"]
    assert "An answer" in message.body
    assert answer.get_absolute_url() in message.body
    link = re.search(r"(http://\S+/comments/unsubscribe/\S+/)", message.body)[1]
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_nobody_who_did_not_opt_in_gets_mail(thread):
    issue, _, quiet = thread
    reply(issue, quiet)  # quiet did not tick the box; the thread's root did
    assert [m.to for m in mail.outbox] == [["asker@example.org"]]
    mail.outbox.clear()
    Comment.objects.filter(pk=thread[1].pk).update(notify_replies=False)
    reply(issue, quiet, body="Another answer")
    assert mail.outbox == []


def test_a_held_reply_notifies_only_when_approved(thread):
    issue, root, _ = thread
    held = reply(issue, root, email="stranger@example.org")
    assert held.status == "pending"
    assert all(m.to != ["asker@example.org"] for m in mail.outbox)
    rules.moderate(Comment.objects.filter(pk=held.pk), Comment.Status.APPROVED)
    assert [m.to for m in mail.outbox if "replied" in m.subject] == [["asker@example.org"]]


def test_replying_to_yourself_sends_nothing(thread):
    issue, root, _ = thread
    reply(issue, root, email="asker@example.org")
    assert [m for m in mail.outbox if "replied" in m.subject] == []


def test_one_click_unsubscribe_stops_further_mail(client, thread):
    issue, root, _ = thread
    reply(issue, root)
    link = re.search(r"http://[^/]+(/comments/unsubscribe/\S+/)", mail.outbox[0].body)[1]
    page = client.get(link)
    assert page.status_code == 200 and "Stop reply e-mails" in page.content.decode()
    # A mail program's RFC 8058 one-click POST carries no CSRF token.
    done = client.post(link, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "won't get reply e-mails" in done.content.decode()
    assert not Comment.objects.get(pk=root.pk).notify_replies
    mail.outbox.clear()
    reply(issue, root, body="Yet another answer")
    assert mail.outbox == []


@pytest.mark.parametrize("token", ["nope", notify.unsubscribe_token("a@b.org")[:-4] + "xxxx"])
def test_a_tampered_unsubscribe_link_is_refused(client, thread, token):
    url = reverse("digests:unsubscribe", args=[token])
    assert client.get(url).status_code == 400
    assert client.post(url).status_code == 400
    assert Comment.objects.get(pk=thread[1].pk).notify_replies


def test_the_form_checkbox_sets_the_preference(client, thread):
    issue, _, _ = thread
    post_comment(client, issue.get_absolute_url(), body="Tell me more", notify_replies="on")
    assert Comment.objects.get(body="Tell me more").notify_replies
