"""The issue and paper pages' bodies, cards and comments are Jinja2 templates
(templates/jinja2/), rendered inside the Django page by {% jinja %}.

They follow the rules of every other template: no inline code for the strict
content security policy (tests/test_security_headers.py), Django's meaning
of a missing value, and the same page whichever engine renders which part."""

from datetime import UTC, date, datetime
from pathlib import Path

import jinja2
import pytest
from django.template import engines
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from digests.templatetags.digests import jinja2_date, jinja2_environment, regroup

from .comment_helpers import post_comment
from .factories import CommentFactory, IssueFactory, PaperFactory, SectionFactory

JINJA_TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "jinja2"


def test_the_template_rules_read_the_jinja2_templates_too():
    """tests/test_security_headers.py holds every template, these included, to
    the strict content security policy's rules."""
    from .test_security_headers import TEMPLATES

    jinja = sorted(JINJA_TEMPLATES.rglob("*.jinja"))
    assert len(jinja) >= 7 and all(path.is_relative_to(TEMPLATES) for path in jinja)


def test_regroup_keeps_runs_in_their_order_as_django_does():
    class Item:
        def __init__(self, group, name):
            self.group, self.name = group, name

    items = [Item("b", 1), Item("b", 2), Item("a", 3), Item("b", 4)]
    grouped = [(group, [item.name for item in run]) for group, run in regroup(items, "group")]
    assert grouped == [("b", [1, 2]), ("a", [3]), ("b", [4])]  # Jinja2's groupby would sort


def test_a_missing_value_is_empty_and_html_is_escaped():
    env = engines["jinja2"].env
    template = env.from_string("[{{ nothing }}][{{ nothing.at.all }}][{{ text }}][{{ safe }}]")
    html = template.render(text="<b>", safe=mark_safe("<i>x</i>"))
    assert html == "[][][&lt;b&gt;][<i>x</i>]"


@pytest.mark.django_db
def test_the_issue_page_shows_its_cards_and_comments_through_jinja2(client, settings):
    settings.DIGESTS_PAGE_CACHE = False
    issue = IssueFactory(title="Jinja Issue")
    section = SectionFactory(name="Sparse Things")
    paper = PaperFactory(issue=issue, section=section, title="O'Brien & <Sons>", tags=["llm"])
    CommentFactory(issue=issue, body="First!", author_name="Ada")
    html = client.get(issue.get_absolute_url()).content.decode()
    assert f'<article class="paper" id="{paper.anchor}"' in html
    assert "O&#39;Brien &amp; &lt;Sons&gt;" in html  # escaped, never raw
    assert f'<a class="toc__section" href="#section-{section.slug}">Sparse Things</a>' in html
    assert f'href="{reverse("digests:tag", args=["llm"])}"' in html
    assert '<span class="comment__author" id="comment-' in html and ">Ada</span>" in html
    assert '<form class="comment-form" id="comment-form"' in html
    # The Django page around it still hands tests its context.
    assert client.get(paper.get_absolute_url()).context["paper"] == paper


@pytest.mark.django_db
def test_moments_are_shown_in_the_sites_time_zone_as_django_shows_them(client, settings):
    settings.DIGESTS_PAGE_CACHE = False
    settings.TIME_ZONE = "America/New_York"
    moment = datetime(2023, 7, 10, 2, 30, tzinfo=UTC)  # still 9 July in New York
    issue = IssueFactory(published_at=moment)
    CommentFactory(issue=issue, created_at=moment)
    html = client.get(issue.get_absolute_url()).content.decode()
    assert '<time datetime="2023-07-09T22:30:00-04:00">9 July 2023</time>' in html
    assert 'title="9 July 2023, 22:30 EDT"' in html


@pytest.mark.django_db
def test_days_are_formatted_in_the_active_language(client, settings):
    settings.DIGESTS_PAGE_CACHE = False
    paper = PaperFactory(arxiv_date=date(2023, 7, 4))
    url = paper.issue.get_absolute_url()
    assert '<time datetime="2023-07-04">4 Jul 2023</time>' in client.get(url).content.decode()
    with translation.override("de"):
        assert jinja2_date(date(2023, 3, 4), "j M Y") == "4 Mär 2023"
    assert jinja2_date(date(2023, 3, 4), "j M Y") == "4 Mar 2023"


@pytest.mark.django_db
def test_a_comment_sent_to_a_closed_discussion_is_handed_back(client, settings):
    settings.DIGESTS_PAGE_CACHE = False
    issue = IssueFactory(comments_open=False)
    response = post_comment(client, issue.get_absolute_url(), body="Words worth <keeping>")
    html = response.content.decode()
    assert response.status_code >= 400
    assert "<p>Comments on this issue are closed.</p>" in html
    kept = '<textarea id="kept-text" readonly rows="6">Words worth &lt;keeping&gt;</textarea>'
    assert kept in html
    discussion = html.split('id="comments"')[1].split('<footer class="site-footer"')[0]
    assert 'id="comment-form"' in html and "<form" not in discussion


def test_the_environment_compiles_its_templates_and_reports_a_broken_one(tmp_path, caplog):
    (tmp_path / "broken.jinja").write_text("{% if %}")
    (tmp_path / "fine.jinja").write_text("{{ 1 + 1 }}")
    env = jinja2_environment(loader=jinja2.FileSystemLoader(tmp_path), autoescape=True)
    assert "broken.jinja" in caplog.text
    assert env.get_template("fine.jinja").render() == "2"
