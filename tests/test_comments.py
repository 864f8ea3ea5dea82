"""The comment rules (digests/comments/rules.py, limits.py), one by one."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from digests.comments import limits, rules
from digests.comments.refusals import CommentRefused
from digests.models import BlockedTerm, Comment

from .factories import CommentFactory, IssueFactory, PaperFactory, UserFactory, editor_user

pytestmark = pytest.mark.django_db


def create(issue, *, user=None, **kwargs):
    """Post as the comment view does: whoever is signed in is asked once
    whether they post as Editor."""
    kwargs["editor"] = rules.editor_for(user)
    kwargs.setdefault("author_name", "Ada")
    kwargs.setdefault("author_email", "ada@example.org")
    kwargs.setdefault("body", "Nice update!")
    kwargs.setdefault("ip", "192.0.2.1")
    return rules.create(issue=issue, **kwargs)


@pytest.fixture
def issue():
    return IssueFactory()


def test_a_first_comment_from_an_address_is_held(issue):
    comment = create(issue)
    assert comment.status == Comment.Status.PENDING
    assert "first comment" in comment.held_reason


def test_an_author_with_an_approved_comment_is_approved_at_once(issue):
    CommentFactory(issue=issue, author_email="ada@example.org")
    comment = create(issue, author_email="ADA@example.org", body="Second thoughts.")
    assert comment.status == Comment.Status.APPROVED


def test_a_held_or_spam_comment_does_not_make_an_author_known(issue):
    CommentFactory(issue=issue, author_email="ada@example.org", status=Comment.Status.SPAM)
    CommentFactory(issue=issue, author_email="ada@example.org", status=Comment.Status.PENDING)
    assert create(issue, body="Again").status == Comment.Status.PENDING


def test_more_than_two_links_are_held_even_for_known_authors(issue):
    CommentFactory(issue=issue, author_email="ada@example.org")
    two = create(issue, body="See https://a.example and https://b.example", ip="192.0.2.2")
    assert two.status == Comment.Status.APPROVED
    three = create(
        issue,
        body="https://a.example https://b.example www.c.example",
        ip="192.0.2.3",
        author_email="ada@example.org",
        rate_limit=False,
    )
    assert three.status == Comment.Status.PENDING
    assert three.held_reason == "3 links (more than 2)"


def test_blocklisted_words_hold_a_comment(issue):
    CommentFactory(issue=issue, author_email="ada@example.org")
    BlockedTerm.objects.create(term="Casino")
    held = create(issue, body="Best CASINO bonuses here")
    assert held.status == Comment.Status.PENDING
    assert held.held_reason == "blocked term: casino"
    # Whole words only: "casinos" is not "casino", and a word inside another is fine.
    ok = create(issue, body="Occasionally insightful.", rate_limit=False)
    assert ok.status == Comment.Status.APPROVED


def test_many_blocked_terms_and_long_editor_names_fit_their_columns():
    issue = IssueFactory()
    words = [f"spamword{n}" for n in range(40)]
    for word in words:
        BlockedTerm.objects.create(term=word)
    held = rules.create(
        issue=issue, body=" ".join(words), author_name="A", author_email="a@example.org"
    )
    assert held.status == "pending" and len(held.held_reason) <= 200
    editor = editor_user(first_name="F" * 150, last_name="L" * 150)
    posted = rules.create(issue=issue, body="Editor here", editor=rules.editor_for(editor))
    assert len(posted.author_name) <= 80


def test_signed_in_staff_are_approved_at_once_as_editor(issue):
    editor = editor_user(first_name="Chief", last_name="Editor")
    comment = create(issue, user=editor, author_name="", author_email="")
    assert comment.status == Comment.Status.APPROVED
    assert comment.is_editor and comment.author_name == "Chief Editor"


def test_an_editors_address_does_not_let_readers_skip_moderation():
    issue = IssueFactory()
    editor = editor_user(email="editor@example.org")
    rules.create(issue=issue, body="From the desk", editor=rules.editor_for(editor))
    impostor = rules.create(
        issue=issue, body="Trust me", author_name="Editor", author_email="EDITOR@example.org"
    )
    assert impostor.status == "pending"


def test_a_signed_in_reader_who_is_not_staff_is_not_an_editor(issue):
    reader = UserFactory(username="reader")
    comment = create(issue, user=reader)
    assert not comment.is_editor and comment.status == Comment.Status.PENDING


def test_staff_without_the_moderation_permission_comment_as_readers():
    intern = UserFactory(username="intern", is_staff=True)
    issue = IssueFactory(comments_open=False)
    with pytest.raises(CommentRefused):
        rules.create(
            issue=issue,
            body="Let me in",
            editor=rules.editor_for(intern),
            author_email="i@example.org",
        )
    issue.comments_open = True
    issue.save()
    comment = rules.create(
        issue=issue,
        body="Hello",
        editor=rules.editor_for(intern),
        author_name="Intern",
        author_email="i@example.org",
    )
    assert not comment.is_editor and comment.status == "pending"


def test_honeypot_is_stored_as_spam(issue):
    comment = create(issue, honeypot="http://spam.example")
    assert comment.status == Comment.Status.SPAM


def test_comments_close_when_the_editor_closes_them(issue):
    issue.comments_open = False
    issue.save()
    with pytest.raises(CommentRefused) as refused:
        create(issue)
    assert refused.value.status == 403
    assert "closed" in refused.value.message


def test_comments_close_automatically_after_n_days(issue, settings):
    settings.DIGESTS_COMMENTS_CLOSE_AFTER_DAYS = 30
    issue.published_at = timezone.now() - timedelta(days=31)
    issue.save()
    with pytest.raises(CommentRefused, match="close 30 days after"):
        create(issue)
    settings.DIGESTS_COMMENTS_CLOSE_AFTER_DAYS = 0  # never
    assert create(issue).pk


def test_editors_may_still_comment_on_a_closed_issue(issue):
    issue.comments_open = False
    issue.save()
    editor = editor_user()
    assert create(issue, user=editor).is_approved


def test_an_identical_body_twice_on_one_issue_is_refused(issue):
    create(issue, body="Nice   update!")
    with pytest.raises(CommentRefused, match="already been posted"):
        create(issue, body="nice update!", author_email="bob@example.org", ip="192.0.2.99")
    # Another issue is another conversation.
    assert create(IssueFactory(), body="Nice update!", rate_limit=False).pk


def test_invisible_characters_do_not_slip_past_the_blocklist_or_duplicate_rule():
    issue = IssueFactory()
    CommentFactory(issue=issue, author_email="known@example.org", body="Hello there")
    BlockedTerm.objects.create(term="casino")
    held = rules.create(
        issue=issue,
        body="Best ca\u200bsino in town",
        author_email="known@example.org",
        ip="192.0.2.1",
    )
    assert held.status == "pending"
    with pytest.raises(CommentRefused, match="already been posted"):
        rules.create(
            issue=issue, body="Hello\u200b there", author_email="x@example.org", ip="192.0.2.2"
        )


def test_replies_are_one_level_deep_and_say_whom_they_answer(issue):
    root = CommentFactory(issue=issue, author_name="Ada")
    first = CommentFactory(issue=issue, parent=root, in_reply_to=root, author_name="Bob")
    answer = create(issue, reply_to=first.pk, body="Bob, I agree.")
    assert answer.parent == root
    assert answer.in_reply_to == first


def test_replies_follow_the_thread_onto_its_paper(issue):
    paper = PaperFactory(issue=issue)
    root = CommentFactory(issue=issue, paper=paper)
    reply = create(issue, reply_to=root.pk, body="On this paper")
    assert reply.paper == paper


def test_a_reply_to_a_hidden_comment_is_refused(issue):
    pending = CommentFactory(issue=issue, status=Comment.Status.PENDING)
    with pytest.raises(CommentRefused, match="not available"):
        create(issue, reply_to=pending.pk)


def test_control_characters_are_stripped_and_unicode_kept(issue):
    body = "Emoji 🎉, Arabic مرحبا, e\u0301 combining\x00\x07\x1b[31m, tab\tand\r\nnew line\x7f"
    comment = create(issue, body=body, author_name="Zoë\x00 \u202eRTL")
    # Composed (NFC: e + combining acute is é), controls and overrides gone.
    assert comment.body == "Emoji 🎉, Arabic مرحبا, \u00e9 combining[31m, tab\tand\nnew line"
    assert comment.author_name == "Zoë RTL"


def test_ip_is_stored_only_as_a_salted_hash(issue):
    comment = create(issue, ip="203.0.113.7")
    assert comment.ip_hash and "203.0.113.7" not in comment.ip_hash
    assert comment.ip_hash == rules.hash_ip("203.0.113.7")
    assert rules.hash_ip("203.0.113.8") != comment.ip_hash


@pytest.mark.django_db(transaction=True)
def test_moderators_get_an_email_for_each_held_comment(settings):
    settings.DIGESTS_MODERATOR_EMAILS = ["mod@example.org"]
    issue = IssueFactory()
    create(issue, body="Please look at this one")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["mod@example.org"]
    assert "Please look at this one" in message.body
    assert "/admin/digests/comment/" in message.body


@pytest.mark.django_db(transaction=True)
def test_staff_who_may_moderate_are_the_default_recipients():
    UserFactory(username="mod", email="mod@example.org", is_staff=True, is_superuser=True)
    UserFactory(username="intern", email="intern@example.org", is_staff=True)
    create(IssueFactory())
    assert mail.outbox[0].to == ["mod@example.org"]


@pytest.mark.django_db(transaction=True)
def test_an_approved_comment_sends_no_moderation_mail(settings):
    settings.DIGESTS_MODERATOR_EMAILS = ["mod@example.org"]
    issue = IssueFactory()
    CommentFactory(issue=issue, author_email="ada@example.org")
    create(issue, body="Known author")
    assert mail.outbox == []


class TestRateLimits:
    def test_a_second_comment_within_15_seconds_is_refused_with_retry_after(self, issue):
        create(issue, body="one")
        with pytest.raises(CommentRefused) as refused:
            create(issue, body="two")
        assert refused.value.status == 429
        assert 1 <= refused.value.retry_after <= 15

    def test_the_same_email_from_another_address_is_limited_too(self, issue):
        create(issue, body="one", ip="192.0.2.1")
        with pytest.raises(CommentRefused) as refused:
            create(issue, body="two", ip="198.51.100.1")
        assert refused.value.status == 429

    def test_more_than_five_in_ten_minutes_is_refused(self, issue, settings):
        start = 1_000_000.0
        for n in range(5):
            limits.check_rate_limit("ip-a", now=start + n * 20)
        with pytest.raises(CommentRefused) as refused:
            limits.check_rate_limit("ip-a", now=start + 120)
        assert refused.value.status == 429
        assert "5 comments in the last 10 minutes" in refused.value.message
        assert 0 < refused.value.retry_after <= 600
        # Ten minutes later the window has moved on: the post is let through, and counted.
        limits.check_rate_limit("ip-a", now=start + 700)
        with pytest.raises(CommentRefused, match="between comments"):
            limits.check_rate_limit("ip-a", now=start + 701)

    def test_different_readers_do_not_limit_each_other(self, issue):
        first = create(issue, body="one", ip="192.0.2.1", author_email="a@example.org")
        second = create(issue, body="two", ip="192.0.2.2", author_email="b@example.org")
        stored = Comment.objects.filter(issue=issue).values_list("pk", flat=True)
        assert set(stored) == {first.pk, second.pk}

    def test_editors_are_not_rate_limited(self, issue):
        editor = editor_user()
        posted = [create(issue, user=editor, body=f"Editor note {n}") for n in range(7)]
        assert [c.status for c in posted] == [Comment.Status.APPROVED] * 7
        assert Comment.objects.filter(issue=issue, is_editor=True).count() == 7

    def test_a_dead_cache_fails_closed(self, issue, settings):
        settings.CACHES = {
            **settings.CACHES,
            "limits": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            },
        }
        with pytest.raises(CommentRefused) as refused:
            create(issue)
        assert refused.value.status == 503
        assert not Comment.objects.exists()

    def test_a_refused_identity_does_not_block_the_others(self):
        limits.check_rate_limit("mail-b", now=1000.0)
        with pytest.raises(CommentRefused):
            limits.check_rate_limit("ip-a", "mail-b", now=1005.0)
        limits.check_rate_limit("ip-a", now=1006.0)  # ip-a was never charged
        with pytest.raises(CommentRefused):  # until now
            limits.check_rate_limit("ip-a", now=1007.0)

    def test_rate_limit_message_for_one_second_is_singular(self):
        assert limits.seconds(1) == "1 second" and limits.seconds(2) == "2 seconds"
