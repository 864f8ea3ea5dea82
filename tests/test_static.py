"""With DEBUG off, pages use whitenoise's manifest: every {% static %} must resolve."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from .factories import PaperFactory

pytestmark = pytest.mark.django_db


def test_every_page_renders_with_hashed_static_files(client, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    paper = PaperFactory(tags=["llm"])
    urls = [
        reverse("digests:home"),
        reverse("digests:issue_list"),
        paper.issue.get_absolute_url(),
        paper.get_absolute_url(),
        paper.section.get_absolute_url(),
        reverse("digests:paper_list"),
        reverse("digests:tag_list"),
        reverse("digests:tag", args=["llm"]),
        "/no-such-page/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        html = response.content.decode()
        css = re.search(r'href="/static/(css/site\.[0-9a-f]{12}\.css)"', html)
        assert css, f"no hashed stylesheet on {url}"
        assert (settings.STATIC_ROOT / css[1]).exists()
        assert (settings.STATIC_ROOT / (css[1] + ".gz")).exists()
