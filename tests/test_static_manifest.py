"""Production static files: every {% static %} of the admin and error pages resolves in
the manifest, and whitenoise lets browsers and CDNs keep hashed files for a year.

(tests/test_static.py does the same for the public pages.)
"""

import re

import pytest
from django.core.management import call_command
from django.template import loader
from django.test import Client, override_settings

from .factories import IssueFactory, PaperFactory

pytestmark = pytest.mark.django_db

MANIFEST = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
ONE_YEAR = 365 * 24 * 3600


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """collectstatic once for the module, as a deploy runs it."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES={"staticfiles": MANIFEST}):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def manifest(settings, collected):
    settings.STATIC_ROOT = collected
    settings.STORAGES = {**settings.STORAGES, "staticfiles": MANIFEST}
    return collected


def static_paths(html):
    return re.findall(r'(?:href|src)="/static/([^"]+)"', html)


def assert_hashed_and_collected(html, root, where):
    paths = static_paths(html)
    assert paths, f"no static files on {where}"
    for path in paths:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", path), (where, path)
        assert (root / path).exists(), (where, path)


def test_our_admin_pages_render_with_hashed_static_files(client, superuser, manifest):
    issue = IssueFactory.draft()
    paper = PaperFactory(issue=issue)
    client.force_login(superuser)
    pages = {
        url: client.get(url)
        for url in [
            "/admin/",
            "/admin/digests/issue/",
            "/admin/digests/issue/add/",
            f"/admin/digests/issue/{issue.pk}/change/",
            f"/admin/digests/issue/{issue.pk}/history/",
            f"/admin/digests/issue/{issue.pk}/add-from-arxiv/",
            "/admin/digests/issue/import/",
            "/admin/digests/paper/add/",
            f"/admin/digests/paper/{paper.pk}/change/",
            "/admin/digests/comment/",
            "/admin/taggit/tag/",
        ]
    }
    url = f"/admin/digests/issue/{issue.pk}/preview-link/"
    pages[url] = client.post(url, {"days": "7"})
    for url, response in pages.items():
        assert response.status_code == 200, url
        assert_hashed_and_collected(response.content.decode(), manifest, url)
    change_form = pages[f"/admin/digests/issue/{issue.pk}/change/"].content.decode()
    assert re.search(r"/static/css/admin\.[0-9a-f]{12}\.css", change_form)


def test_error_and_lockout_pages_render_with_hashed_static_files(client, manifest, rf):
    for name in ["500.html", "503.html"]:
        assert_hashed_and_collected(loader.render_to_string(name), manifest, name)
    request = rf.get("/admin/login/")
    html = loader.render_to_string("signin_locked.html", {"failure_limit": 5}, request=request)
    assert_hashed_and_collected(html, manifest, "signin_locked.html")


def test_hashed_files_are_kept_for_a_year_and_plain_names_briefly(manifest):
    """Through the whole WSGI application, as gunicorn serves them."""
    reader = Client()  # a new client loads whitenoise with the collected files
    page = reader.get("/no-such-page/").content.decode()
    stylesheet = next(p for p in static_paths(page) if p.startswith("css/site."))

    hashed = reader.get(f"/static/{stylesheet}", HTTP_ACCEPT_ENCODING="gzip")
    assert hashed.status_code == 200
    control = dict(
        part.strip().partition("=")[::2] for part in hashed["Cache-Control"].split(",")
    )
    assert int(control["max-age"]) >= ONE_YEAR
    assert "immutable" in control and "public" in control
    assert hashed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in hashed["Vary"]

    plain = reader.get("/static/css/site.css")
    assert plain.status_code == 200
    assert int(plain["Cache-Control"].split("max-age=")[1].split(",")[0]) < 3600
