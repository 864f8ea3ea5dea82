"""The paper browser: django-filter parameters as a reader uses them."""

from datetime import date

import pytest
from django.urls import reverse

from .factories import IssueFactory, PaperFactory, SectionFactory

pytestmark = pytest.mark.django_db
URL = reverse("digests:paper_list")


@pytest.fixture
def papers():
    llm = SectionFactory(name="Large Language Models", slug="llm")
    cv = SectionFactory(name="Computer Vision", slug="cv")
    june = IssueFactory(title="June", slug="june")
    old = IssueFactory(title="Old", slug="old")
    return {
        "pruning": PaperFactory(
            issue=june,
            section=llm,
            title="A Simple Pruning Approach",
            arxiv_id="2306.11695",
            authors="Mingjie Sun, Zhuang Liu",
            tags=["efficiency", "pruning"],
        ),
        "lomo": PaperFactory(
            issue=june,
            section=llm,
            title="Full Parameter Fine-tuning",
            arxiv_id="2306.09782",
            tags=["efficiency", "fine-tuning"],
        ),
        "sdxl": PaperFactory(
            issue=june, section=cv, title="SDXL", arxiv_id="2307.01952", tags=["diffusion"]
        ),
        "old": PaperFactory(
            issue=old,
            section=cv,
            title="Vision Classic",
            arxiv_id="2101.00001",
            arxiv_date=date(2021, 1, 4),
            tags=["efficiency"],
        ),
    }


def titles(response):
    return [paper.title for paper in response.context["papers"]]


def test_no_filter_lists_everything_newest_first(client, papers):
    response = client.get(URL)
    assert response.status_code == 200
    assert titles(response)[-1] == "Vision Classic"
    assert len(titles(response)) == 4


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"section": "cv"}, {"SDXL", "Vision Classic"}),
        (
            {"tag": "efficiency"},
            {"A Simple Pruning Approach", "Full Parameter Fine-tuning", "Vision Classic"},
        ),
        ({"tag": ["efficiency", "pruning"]}, {"A Simple Pruning Approach"}),
        ({"tag": ["efficiency", "diffusion"]}, set()),
        ({"year": "2021"}, {"Vision Classic"}),
        ({"issue": "old"}, {"Vision Classic"}),
        ({"q": "pruning"}, {"A Simple Pruning Approach"}),
        ({"q": "zhuang"}, {"A Simple Pruning Approach"}),
        ({"q": "https://arxiv.org/abs/2307.01952v2"}, {"SDXL"}),
        (
            {"section": "llm", "tag": "efficiency"},
            {"A Simple Pruning Approach", "Full Parameter Fine-tuning"},
        ),
    ],
)
def test_filters_narrow_the_list(client, papers, query, expected):
    response = client.get(URL, query)
    assert response.status_code == 200
    assert set(titles(response)) == expected


def test_ordering_by_title(client, papers):
    response = client.get(URL, {"order": "title"})
    assert titles(response) == sorted(titles(response))


def test_empty_values_from_the_form_are_ignored(client, papers):
    response = client.get(URL, {"q": "", "section": "", "tag": ["", "pruning"], "year": ""})
    assert response.status_code == 200
    assert titles(response) == ["A Simple Pruning Approach"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"section": "nope"}, "There is no section with that name."),
        ({"tag": "no-such-tag"}, "No published paper has the tag “no-such-tag”."),
        ({"year": "twenty"}, "Give the year as four digits"),
        ({"year": "99999999999999999999"}, "Ensure this value is less than or equal to 2999"),
        ({"issue": "nope"}, "There is no published issue with that address."),
        ({"order": "password"}, "Select a valid choice"),
        ({"q": "x" * 500}, "Ensure this value has at most 200 characters"),
    ],
)
def test_invalid_filters_give_a_clear_400_and_keep_the_form(client, papers, query, message):
    response = client.get(URL, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert message in html
    assert "Show papers" in html  # the form is still there to fix


def test_pagination_keeps_the_filters(client, settings, db):
    section = SectionFactory(slug="llm")
    issue = IssueFactory()
    for n in range(26):  # 20 and 6: a last page of 5 or fewer joins the first
        PaperFactory(issue=issue, section=section, tags=["llm"], title=f"Paper {n:02d}")
    response = client.get(URL, {"tag": "llm", "order": "title"})
    html = response.content.decode()
    assert 'href="?tag=llm&amp;order=title&amp;page=2"' in html
    second = client.get(URL, {"tag": "llm", "order": "title", "page": 2})
    assert titles(second) == [f"Paper {n:02d}" for n in range(20, 26)]


def test_chosen_tags_can_be_removed_one_by_one(client, papers):
    response = client.get(URL, {"tag": ["efficiency", "pruning"]})
    html = response.content.decode()
    assert 'href="?tag=pruning" class="chip__remove"' in html
    assert 'href="?tag=efficiency" class="chip__remove"' in html


def test_the_tag_facet_lists_tags_with_counts_before_any_filter(client):
    PaperFactory(tags=["llm", "vision"])
    html = client.get("/papers/").content.decode()
    facet = '<a href="?tag={0}"><span class="facet__label">{0}</span> <span class="facet__count">1'
    assert facet.format("llm") in html
    assert facet.format("vision") in html


def test_paper_cards_are_headed_one_level_below_the_results_heading(client):
    PaperFactory()
    html = client.get("/papers/").content.decode()
    assert '<h3 class="card__title"' in html
