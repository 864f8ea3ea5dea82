"""Who sees what: drafts and scheduled issues are for editors only."""

import pytest
from django.urls import reverse

from .factories import IssueFactory, PaperFactory

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "staff_without_permission", "editor"]


def client_for(viewer, client, request):
    if viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))
    return client


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("state", ["published", "draft", "scheduled"])
@pytest.mark.parametrize("page", ["issue", "paper"])
def test_visibility_matrix(page, state, viewer, client, request, three_issues):
    client = client_for(viewer, client, request)
    obj = three_issues[state] if page == "issue" else three_issues["papers"][state]
    response = client.get(obj.get_absolute_url())

    if state == "published":
        assert response.status_code == 200
        assert b"Preview." not in response.content
        assert "no-store" not in response.get("Cache-Control", "")
    elif viewer == "editor":
        assert response.status_code == 200
        assert b"<strong>Preview.</strong>" in response.content
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert b'<meta name="robots" content="noindex, nofollow">' in response.content
    else:
        assert response.status_code == 404
        assert b"Secret" not in response.content


def test_scheduled_preview_says_when_it_goes_live(client, editor, three_issues):
    client.force_login(editor)
    response = client.get(three_issues["scheduled"].get_absolute_url())
    assert "This issue is scheduled for" in response.content.decode()


def test_scheduled_issue_goes_public_when_its_time_comes(client, three_issues):
    scheduled = three_issues["scheduled"]
    assert client.get(scheduled.get_absolute_url()).status_code == 404
    scheduled.published_at = scheduled.published_at.replace(year=2020)
    scheduled.save()
    assert client.get(scheduled.get_absolute_url()).status_code == 200


def public_urls(three_issues):
    public_paper = three_issues["papers"]["published"]
    section = public_paper.section
    return [
        reverse("digests:home"),
        reverse("digests:issue_list"),
        reverse("digests:issue_list") + "?page=2",
        reverse("digests:paper_list"),
        reverse("digests:paper_list") + "?q=Secret",
        reverse("digests:paper_list") + "?q=paper",
        reverse("digests:paper_list") + f"?section={section.slug}",
        reverse("digests:paper_list") + "?year=2023",
        reverse("digests:paper_list") + "?tag=draft-only-tag",
        reverse("digests:paper_list") + "?issue=draft-issue",
        reverse("digests:paper_list") + "?issue=scheduled-issue",
        section.get_absolute_url(),
        reverse("digests:tag_list"),
        reverse("digests:tag", args=["public-tag"]),
        reverse("digests:tag", args=["draft-only-tag"]),
        reverse("digests:tag", args=["scheduled-only-tag"]),
        public_paper.get_absolute_url(),
        three_issues["published"].get_absolute_url(),
    ]


def test_no_draft_or_scheduled_item_appears_on_any_public_url(client, three_issues):
    # The most recent issue is the scheduled one, then the draft: neither may lead.
    hidden = [
        "Secret Draft Paper",
        "Secret Scheduled Paper",
        "Draft Issue",
        "Scheduled Issue",
        "draft-only-tag",
        "scheduled-only-tag",
        "draft-issue",
        "scheduled-issue",
    ]
    for url in public_urls(three_issues):
        response = client.get(url)
        assert response.status_code in (200, 400, 404), url
        content = response.content.decode()
        for text in hidden:
            if text in url:  # an error message may echo what the reader typed
                content = content.replace(f"“{text}”", "")
            assert text not in content, f"{text!r} leaked on {url}"


def test_the_public_paper_is_listed_where_readers_look(client, three_issues):
    for url in [*public_urls(three_issues)[:2], reverse("digests:paper_list")]:
        response = client.get(url)
        assert "Published Issue" in response.content.decode(), url


def test_home_shows_the_newest_public_issue_not_a_newer_draft(client, three_issues):
    response = client.get(reverse("digests:home"))
    assert response.context["latest"] == three_issues["published"]


def test_tag_counts_ignore_unpublished_papers(client, three_issues):
    PaperFactory(issue=three_issues["draft"], tags=["public-tag"])
    response = client.get(reverse("digests:tag_list"))
    tags = {tag.name: tag.paper_count for tag in response.context["tags"]}
    assert tags == {"public-tag": 1}


def test_staff_preview_does_not_leak_drafts_into_public_lists(client, editor, three_issues):
    """Editors see drafts on their own pages, but lists stay what readers see."""
    client.force_login(editor)
    response = client.get(reverse("digests:issue_list"))
    assert "Draft Issue" not in response.content.decode()


def test_paper_of_unpublished_issue_shows_preview_to_editor(client, editor):
    paper = PaperFactory(issue=IssueFactory.draft())
    client.force_login(editor)
    response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    assert "belongs to an issue readers cannot see yet" in response.content.decode()
