"""Links inside annotations: an arXiv link to a paper the archive holds leads to
its page (with its title, and arXiv and PDF beside it); bare links never
swallow the punctuation after them."""

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digests.markup import paper_links, render_markdown, split_trailing_punctuation
from digests.models import Issue, Paper

from .factories import IssueFactory, PaperFactory, SectionFactory

HELD = {"2307.03172": ("Lost in the Middle", "/papers/lost-in-the-middle/")}


# --- Trailing punctuation ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "href", "after"),
    [
        (
            "Just remember https://arxiv.org/abs/2307.03172: it",
            "https://arxiv.org/abs/2307.03172",
            ": it",
        ),
        ("see https://arxiv.org/abs/2307.03172.", "https://arxiv.org/abs/2307.03172", "."),
        ("see https://arxiv.org/abs/2307.03172;", "https://arxiv.org/abs/2307.03172", ";"),
        (
            "see https://arxiv.org/abs/2307.03172v2, then",
            "https://arxiv.org/abs/2307.03172v2",
            ", then",
        ),
        ("really https://example.org/a?!", "https://example.org/a", "?!"),
        ("(see https://arxiv.org/abs/2307.03172)", "https://arxiv.org/abs/2307.03172", ")"),
        ("(see https://arxiv.org/abs/2307.03172):", "https://arxiv.org/abs/2307.03172", "):"),
        (
            "see https://en.wikipedia.org/wiki/Foo_(bar): y",
            "https://en.wikipedia.org/wiki/Foo_(bar)",
            ": y",
        ),
        ("see www.example.org/x:", "http://www.example.org/x", ":"),
    ],
)
def test_bare_links_leave_trailing_punctuation_outside(text, href, after):
    html = render_markdown(text)
    assert f'<a href="{href}" rel="noopener">' in html
    assert f"</a>{after}" in html


def test_markdown_links_are_left_alone():
    html = render_markdown("[the paper](https://arxiv.org/abs/2307.03172:) and <https://x.org/a.>")
    assert 'href="https://arxiv.org/abs/2307.03172:"' in html  # written that way on purpose
    assert 'href="https://x.org/a."' in html


def test_split_trailing_punctuation_keeps_balanced_brackets():
    assert split_trailing_punctuation("https://x.org/a_(b)") == ("https://x.org/a_(b)", "")
    assert split_trailing_punctuation("https://x.org/a_(b)).") == ("https://x.org/a_(b)", ").")
    assert split_trailing_punctuation("https://x.org/[a]]") == ("https://x.org/[a]", "]")
    assert split_trailing_punctuation("...") == ("", "...")


# --- Rewriting at display time ---------------------------------------------------------


def test_bare_link_to_a_held_paper_shows_its_title():
    html = paper_links(render_markdown("Read https://arxiv.org/abs/2307.03172: yes."), HELD)
    assert '<a class="paper-ref" href="/papers/lost-in-the-middle/">Lost in the Middle</a>' in html
    assert '<a href="https://arxiv.org/abs/2307.03172" rel="noopener">arXiv' in html
    assert '<a href="https://arxiv.org/pdf/2307.03172" rel="noopener">PDF' in html
    assert html.endswith("</span>: yes.</p>")


@pytest.mark.parametrize(
    "link",
    [
        "https://arxiv.org/pdf/2307.03172v2",
        "https://arxiv.org/pdf/2307.03172v2.pdf",
        "http://www.arxiv.org/abs/2307.03172v2",
        "[arXiv:2307.03172v2](https://arxiv.org/abs/2307.03172v2)",
        "[2307.03172v2](https://arxiv.org/pdf/2307.03172v2)",
    ],
)
def test_pdf_links_versions_and_ids_as_text(link):
    html = paper_links(render_markdown(f"See {link}."), HELD)
    assert ">Lost in the Middle</a>" in html
    assert 'href="https://arxiv.org/abs/2307.03172v2"' in html  # the version linked is kept
    assert 'href="https://arxiv.org/pdf/2307.03172v2"' in html
    assert "arxiv.org/pdf/2307.03172v2.pdf" not in html


def test_a_worded_link_keeps_its_words():
    html = paper_links(
        render_markdown("As [this study](https://arxiv.org/abs/2307.03172) shows."), HELD
    )
    assert (
        '<a class="paper-ref" href="/papers/lost-in-the-middle/" title="Lost in the Middle">'
        "this study</a>"
    ) in html
    assert ">arXiv<" in html


def test_unheld_papers_and_other_links_stay():
    source = render_markdown(
        "See https://arxiv.org/abs/2401.00001, https://example.org/2307.03172 and "
        "[a list](https://arxiv.org/list/cs.CL/recent)."
    )
    assert paper_links(source, HELD) == source
    assert paper_links(source, {}) == source


def test_titles_are_escaped():
    held = {"2307.03172": ('<script>alert("x")</script> & co', "/papers/x/")}
    html = paper_links(render_markdown("https://arxiv.org/abs/2307.03172"), held)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


# --- On the pages ----------------------------------------------------------------------


@pytest.fixture
def linking(db, settings):
    settings.DIGESTS_PAGE_CACHE = False
    section = SectionFactory()
    issue = IssueFactory()
    target = PaperFactory(
        issue=issue, section=section, title="Lost in the Middle", arxiv_id="2307.03172"
    )
    source = PaperFactory(
        issue=issue,
        section=section,
        title="Extending Context",
        annotation=(
            "Just remember https://arxiv.org/abs/2307.03172: long is not used well. "
            "Compare https://arxiv.org/abs/2306.15595."
        ),
    )
    return {"issue": issue, "target": target, "source": source, "section": section}


@pytest.mark.django_db
def test_issue_and_paper_pages_link_held_papers(client, linking):
    target = linking["target"]
    for url in (linking["issue"].get_absolute_url(), linking["source"].get_absolute_url()):
        html = client.get(url).content.decode()
        assert (
            f'<a class="paper-ref" href="{target.get_absolute_url()}">Lost in the Middle</a>'
            in html
        )
        assert (
            'href="https://arxiv.org/abs/2306.15595" rel="noopener">https://arxiv.org/abs/2306.15595</a>'
            in html
        )


@pytest.mark.django_db
def test_a_paper_published_later_is_linked_once_it_is(client, settings, linking):
    settings.DIGESTS_PAGE_CACHE = True
    settings.DIGESTS_FRAGMENT_CACHE = True
    draft = IssueFactory.draft()
    later = PaperFactory(
        issue=draft,
        section=linking["section"],
        title="Position Interpolation",
        arxiv_id="2306.15595",
    )
    url = linking["issue"].get_absolute_url()
    assert "Position Interpolation" not in client.get(url).content.decode()  # a draft: not linked
    draft.status = Issue.Status.PUBLISHED
    draft.published_at = timezone.now()
    draft.save()
    html = client.get(url).content.decode()
    assert (
        f'<a class="paper-ref" href="{later.get_absolute_url()}">Position Interpolation</a>' in html
    )


@pytest.mark.django_db
def test_intro_and_closing_note_links(client, linking):
    issue = linking["issue"]
    issue.intro = "This month: https://arxiv.org/abs/2307.03172."
    issue.closing_note = "Thanks for reading [the study](https://arxiv.org/pdf/2307.03172)!"
    issue.save()
    html = client.get(issue.get_absolute_url()).content.decode()
    assert html.count('class="paper-ref"') == 3  # intro, closing note, the annotation


@pytest.mark.django_db
def test_one_query_for_every_link_on_the_page(client, linking, settings):
    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    url = linking["issue"].get_absolute_url()
    small = queries(url)
    for n in range(10):
        PaperFactory(
            issue=linking["issue"],
            section=linking["section"],
            annotation=f"See https://arxiv.org/abs/2307.03172 and https://arxiv.org/abs/2401.{n:05d}.",
        )
    assert queries(url) == small
    Paper.objects.exclude(pk=linking["target"].pk).update(annotation_html="<p>No links.</p>")
    assert queries(url) == small - 1  # no arXiv link on the page: no query for them


# --- The migration that re-renders stored HTML -----------------------------------------


@pytest.mark.django_db
def test_migration_re_renders_stored_html(linking):
    from django.apps import apps

    source = linking["source"]
    broken = '<p>Just remember <a href="https://arxiv.org/abs/2307.03172:">…</a></p>'
    Paper.objects.filter(pk=source.pk).update(annotation_html=broken)
    Issue.objects.filter(pk=source.issue_id).update(intro_html="<p>old</p>")
    migration = importlib.import_module("digests.migrations.0016_rerender_links")
    migration.rerender_all(apps, connection.schema_editor())
    source.refresh_from_db()
    assert source.annotation_html == render_markdown(source.annotation)
    assert 'href="https://arxiv.org/abs/2307.03172"' in source.annotation_html
    issue = Issue.objects.get(pk=source.issue_id)
    assert issue.intro_html == render_markdown(issue.intro)
