"""Bugs found in review, each pinned by the test that would have caught it."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from taggit.models import Tag

from digests.comments import limits, notify, rules
from digests.comments.refusals import CommentRefused
from digests.models import BlockedTerm, Comment

from .comment_helpers import form_data, post_comment
from .factories import CommentFactory, IssueFactory, PaperFactory, UserFactory, editor_user

pytestmark = pytest.mark.django_db


def test_reply_parameter_with_unicode_digits_is_ignored(client):
    issue = IssueFactory()
    CommentFactory(issue=issue)
    for value in ["²", "١٢", "1²", "-1", "99999999999999999999999"]:
        assert client.get(issue.get_absolute_url(), {"reply": value}).status_code == 200


def test_a_tag_without_letters_is_refused_in_the_admin(client, superuser):
    paper = PaperFactory()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:digests_paper_change", args=[paper.pk]),
        {
            "issue": paper.issue.pk,
            "section": paper.section.pk,
            "position": "1",
            "title": paper.title,
            "slug": paper.slug,
            "arxiv_id": paper.arxiv_id,
            "arxiv_date": "2023-07-03",
            "tags": "llm, 🤖, ++",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "A tag needs at least one letter or digit:" in html
    assert "“🤖”" in html and "“++”" in html


def test_a_stored_tag_with_an_empty_slug_never_breaks_a_page(client):
    paper = PaperFactory(tags=["llm"])
    paper.tags.add(Tag.objects.create(name="🤖", slug=""))
    for url in [
        paper.issue.get_absolute_url(),
        paper.get_absolute_url(),
        "/tags/",
        "/papers/",
        paper.section.get_absolute_url(),
    ]:
        assert client.get(url).status_code == 200, url


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


@pytest.mark.parametrize("path", ["/tags/%00/", "/tags/a%00b/", "/tags/%01/feed/", "/tags/%7F/"])
def test_control_characters_in_a_tag_address_are_404(client, path):
    assert client.get(path).status_code == 404


def test_staff_without_the_moderation_permission_are_readers_here(client):
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


def test_a_blocked_term_differing_only_in_case_is_a_form_error(client, superuser):
    BlockedTerm.objects.create(term="casino")
    client.force_login(superuser)
    response = client.post(reverse("admin:digests_blockedterm_add"), {"term": "Casino"})
    assert response.status_code == 400
    assert "already exists" in response.content.decode()


def test_the_browser_tag_menu_lists_tags_before_any_filter(client):
    # The tag menu is now the tag facet: links with counts, before any filter.
    PaperFactory(tags=["llm", "vision"])
    html = client.get("/papers/").content.decode()
    facet = '<a href="?tag={0}"><span class="facet__label">{0}</span> <span class="facet__count">1'
    assert facet.format("llm") in html
    assert facet.format("vision") in html


def test_a_paper_moved_to_another_issue_keeps_its_discussion(client):
    paper = PaperFactory()
    CommentFactory(issue=paper.issue, paper=paper, body="About this paper")
    paper.issue = IssueFactory()
    paper.save()
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "About this paper" in html
    assert Comment.objects.get().issue == paper.issue


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


def test_an_editors_address_does_not_let_readers_skip_moderation():
    issue = IssueFactory()
    editor = editor_user(email="editor@example.org")
    rules.create(issue=issue, body="From the desk", editor=rules.editor_for(editor))
    impostor = rules.create(
        issue=issue, body="Trust me", author_name="Editor", author_email="EDITOR@example.org"
    )
    assert impostor.status == "pending"


def test_a_refused_identity_does_not_block_the_others():
    limits.check_rate_limit("mail-b", now=1000.0)
    with pytest.raises(CommentRefused):
        limits.check_rate_limit("ip-a", "mail-b", now=1005.0)
    limits.check_rate_limit("ip-a", now=1006.0)  # ip-a was never charged


def test_reply_links_keep_the_comment_page(client, settings):
    settings.DIGESTS_COMMENTS_PER_PAGE = 2
    issue = IssueFactory()
    threads = [CommentFactory(issue=issue) for _ in range(3)]
    html = client.get(issue.get_absolute_url(), {"comments": 2}).content.decode()
    assert f'href="?comments=2&amp;reply={threads[2].pk}#comment-form"' in html
    page = client.get(issue.get_absolute_url(), {"comments": 2, "reply": threads[2].pk})
    assert f'name="reply_to" value="{threads[2].pk}"' in page.content.decode()


def test_csrf_page_keeps_the_site_frame():
    issue = IssueFactory()
    response = Client(enforce_csrf_checks=True).post(issue.get_absolute_url(), form_data())
    html = response.content.decode()
    assert response.status_code == 403
    assert '<a class="brand" href="/">AI Research Highlights</a>' in html
    assert "<title>" in html and "· </title>" not in html


def test_browser_cards_sit_below_the_results_heading(client):
    PaperFactory()
    html = client.get("/papers/").content.decode()
    assert '<h3 class="card__title"' in html


def test_rate_limit_message_for_one_second_is_singular():
    assert limits.seconds(1) == "1 second" and limits.seconds(2) == "2 seconds"


def test_posting_still_works_after_the_changes(client):
    issue = IssueFactory()
    assert post_comment(client, issue.get_absolute_url()).status_code == 302
