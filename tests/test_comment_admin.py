"""The moderation queue in the admin."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from digests.comments import notify
from digests.models import BlockedTerm, Comment

from .factories import CommentFactory, IssueFactory, PaperFactory

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:digests_comment_changelist")


@pytest.fixture
def moderator(client, superuser):
    client.force_login(superuser)
    return client


def test_pending_comments_come_first_then_the_newest(moderator):
    now = timezone.now()
    CommentFactory(body="old approved", created_at=now - timedelta(days=2))
    CommentFactory(body="new approved", created_at=now)
    CommentFactory(body="old pending", status="pending", created_at=now - timedelta(days=3))
    CommentFactory(body="new pending", status="pending", created_at=now - timedelta(hours=3))
    CommentFactory(body="spam", status="spam", created_at=now - timedelta(hours=1))
    response = moderator.get(QUEUE)
    bodies = [c.body for c in response.context["cl"].result_list]
    assert bodies == ["new pending", "old pending", "new approved", "spam", "old approved"]


@pytest.mark.parametrize(
    ("action", "status"),
    [("approve", "approved"), ("mark_spam", "spam"), ("remove", "removed")],
)
def test_bulk_actions(moderator, action, status):
    held = [CommentFactory(status="pending") for _ in range(3)]
    untouched = CommentFactory(status="pending")
    response = moderator.post(
        QUEUE, {"action": action, "_selected_action": [c.pk for c in held]}, follow=True
    )
    assert response.status_code == 200
    assert {c.status for c in Comment.objects.filter(pk__in=[c.pk for c in held])} == {status}
    assert Comment.objects.get(pk=untouched.pk).status == "pending"
    assert all(c.moderated_at for c in Comment.objects.filter(pk__in=[c.pk for c in held]))


def test_approving_makes_the_comment_public(moderator, client):
    comment = CommentFactory(status="pending", body="Waiting for you")
    issue_url = comment.issue.get_absolute_url()
    moderator.post(QUEUE, {"action": "approve", "_selected_action": [comment.pk]})
    moderator.logout()
    assert "Waiting for you" in client.get(issue_url).content.decode()


def test_queue_links_the_issue_and_paper(moderator):
    paper = PaperFactory()
    comment = CommentFactory(issue=paper.issue, paper=paper, status="pending")
    html = moderator.get(QUEUE).content.decode()
    assert reverse("admin:digests_issue_change", args=[paper.issue.pk]) in html
    assert reverse("admin:digests_paper_change", args=[paper.pk]) in html
    change = moderator.get(reverse("admin:digests_comment_change", args=[comment.pk]))
    assert change.status_code == 200


def test_admin_index_shows_the_pending_count(moderator):
    CommentFactory(status="pending")
    CommentFactory(status="pending")
    CommentFactory()
    html = moderator.get(reverse("admin:index")).content.decode()
    assert "<strong>2 comments</strong> awaiting moderation" in html
    assert f'href="{QUEUE}?status__exact=pending"' in html


def test_admin_index_without_pending_comments_says_nothing(moderator):
    assert "awaiting moderation" not in moderator.get(reverse("admin:index")).content.decode()


def test_filter_by_status(moderator):
    CommentFactory(status="pending", body="p")
    CommentFactory(body="a")
    response = moderator.get(QUEUE, {"status__exact": "pending"})
    assert [c.body for c in response.context["cl"].result_list] == ["p"]


@pytest.mark.django_db(transaction=True)
def test_editor_replies_from_the_admin_as_editor(client, superuser):
    client.force_login(superuser)
    issue = IssueFactory()
    question = CommentFactory(
        issue=issue,
        status="pending",
        body="Will a billion-token context let chatbots discuss whole books?",
        notify_replies=True,
        author_email="curious@example.org",
    )
    response = client.post(
        reverse("admin:digests_comment_change", args=[question.pk]),
        {"status": "pending", "editor_reply": "Not yet: see the Lost in the Middle paper."},
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.status == "approved"  # replying approves what you answer
    reply = Comment.objects.get(parent=question)
    assert reply.is_editor and reply.is_approved and reply.user == superuser
    client.logout()
    html = client.get(issue.get_absolute_url()).content.decode()
    assert "Not yet: see the Lost in the Middle paper." in html
    assert '<span class="badge">Editor</span>' in html
    assert [m.to for m in mail.outbox] == [["curious@example.org"]]


def test_a_duplicate_editor_reply_is_a_form_error(moderator):
    comment = CommentFactory(body="Thanks!")
    response = moderator.post(
        reverse("admin:digests_comment_change", args=[comment.pk]),
        {"status": "approved", "editor_reply": "thanks!"},
    )
    assert response.status_code == 400
    assert "already been posted" in response.content.decode()
    assert Comment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_editors_cannot_reply_to_spam_and_spam_authors_get_no_mail(client, superuser):
    spam = CommentFactory(status="spam", notify_replies=True, author_email="spammer@example.org")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:digests_comment_change", args=[spam.pk]),
        {"status": "spam", "editor_reply": "Go away"},
    )
    assert response.status_code == 400
    assert "Replies go only to approved or pending comments" in response.content.decode()
    assert Comment.objects.count() == 1
    # Even an approved reply that names a spam comment sends it nothing.
    reply = CommentFactory(issue=spam.issue, parent=spam, in_reply_to=spam)
    notify.reply_posted(reply)
    assert mail.outbox == []


def test_editors_cannot_invent_comments(moderator):
    assert moderator.get(reverse("admin:digests_comment_add")).status_code == 403


def test_blocklist_is_editable_in_the_admin(moderator):
    response = moderator.post(
        reverse("admin:digests_blockedterm_add"), {"term": "  Cheap   PILLS "}
    )
    assert response.status_code == 302
    assert BlockedTerm.objects.get().term == "cheap pills"


def test_a_blocked_term_differing_only_in_case_is_a_form_error(moderator):
    BlockedTerm.objects.create(term="casino")
    response = moderator.post(reverse("admin:digests_blockedterm_add"), {"term": "Casino"})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


def test_issue_admin_can_close_comments(moderator):
    issue = IssueFactory()
    html = moderator.get(reverse("admin:digests_issue_change", args=[issue.pk])).content.decode()
    assert 'name="comments_open"' in html
