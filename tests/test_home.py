"""The home page: the latest issue readable from it (its intro, its contents by
section, the first paper of each section with its annotation, its reading
time), then the earlier issues; cached like every public page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def latest():
    issue = IssueFactory(title="Summer Highlights", intro="Welcome to the *summer* issue.")
    for s, name in enumerate(["Language", "Vision", "Other"]):
        section = SectionFactory(name=name, slug=name.lower(), position=s)
        for n in range(3):
            PaperFactory(
                issue=issue,
                section=section,
                position=n,
                title=f"{name} paper {n}",
                annotation=f"Annotation of {name.lower()} paper {n}, in **bold**.",
            )
    return issue


def home(client):
    response = client.get(reverse("digests:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_home_shows_the_intro_and_the_first_annotation_of_each_section_before_earlier_issues(
    client, latest
):
    IssueFactory(title="Spring Highlights", published_at=latest.published_at - timedelta(days=60))
    html = home(client)
    intro = html.index("Welcome to the <em>summer</em> issue.")
    firsts = [html.index(f"Annotation of {name} paper 0, in <strong>bold</strong>.") for name in (
        "language", "vision", "other")]  # fmt: skip
    earlier = html.index("Earlier issues")
    assert intro < min(firsts) and max(firsts) < earlier < html.index("Spring Highlights")
    # Only the first paper of each section: the rest are a click away.
    assert "Annotation of language paper 1" not in html
    paper = latest.papers.get(title="Vision paper 0")
    assert f'<a href="{paper.get_absolute_url()}">Vision paper 0</a>' in html
    assert f'href="{latest.get_absolute_url()}#section-vision">Vision</a>' in html


def test_home_contents_list_every_paper_under_its_section_in_reading_order(client, latest):
    html = home(client)
    contents = html[html.index('class="lead__contents"') : html.index('class="highlights"')]
    assert "9 papers in 3 sections" in contents
    positions = [contents.index(f">{name} paper {n}</a>") for name in (
        "Language", "Vision", "Other") for n in range(3)]  # fmt: skip
    assert positions == sorted(positions)
    assert contents.index(">Vision</h3>") < contents.index(">Vision paper 0</a>")
    paper = latest.papers.get(title="Other paper 2")
    assert f'href="{latest.get_absolute_url()}#{paper.anchor}"' in contents


def test_home_shows_the_first_papers_of_at_most_four_sections(client, db):
    issue = IssueFactory()
    for s in range(6):
        PaperFactory(issue=issue, section=SectionFactory(position=s), annotation=f"Note {s}.")
    html = home(client)
    assert [f"Note {s}." in html for s in range(6)] == [True] * 4 + [False] * 2


def test_home_tells_the_latest_issues_reading_time(client, latest):
    # 5 words of intro, 7 for each of 9 annotations: 68 words, under a minute.
    assert '<span class="reading-time">1 min read</span>' in home(client)
    long = IssueFactory(intro="word " * 1000)
    PaperFactory(issue=long, annotation="word " * 1300)  # 2,300 words: 10 minutes
    assert '<span class="reading-time">10 min read</span>' in home(client)


def test_home_is_cached_and_shows_an_edited_annotation_on_the_next_request(client, latest):
    assert client.get("/")["X-Page-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/")["X-Page-Cache"] == "hit"
    assert len(queries) == 0
    paper = latest.papers.get(title="Language paper 0")
    paper.annotation = "A corrected annotation."
    paper.save()
    assert "A corrected annotation." in home(client)


def test_a_highlight_linking_to_a_paper_the_archive_holds_shows_its_title(client, latest):
    first = latest.papers.get(title="Language paper 0")
    held = latest.papers.get(title="Vision paper 2")
    first.annotation = f"Read it beside https://arxiv.org/abs/{held.arxiv_id}: they agree."
    first.save()
    page = home(client)
    start = page.index('class="prose highlight__annotation"')
    excerpt = page[start : page.index("</div>", start)]
    assert f'href="{held.get_absolute_url()}"' in excerpt and "Vision paper 2" in excerpt
    assert "</span>: they agree." in excerpt  # the colon stays outside the link
