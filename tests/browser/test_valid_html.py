"""Every public page type passes the Nu Html Checker (vnu.jar) without an error.

The pages come from Django's test client; vnu runs once over all of them (it
takes seconds to start). Skipped when Java or vnu.jar (`make browser-tools`)
is missing.
"""

import json
import subprocess
import time
from urllib.parse import urlsplit

import pytest
from django.test import override_settings

from digests.comments.forms import form_timestamp
from digests.models import Comment, Paper
from digests.subscriptions.mail import confirm_url, unsubscribe_url
from digests.subscriptions.models import Subscriber

from ..comment_helpers import form_data
from ..site_pages import DEMO_SLUG, build_site
from .conftest import VNU, skip_unless_java, skip_unless_tool

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def subscribe_data(**overrides):
    shown_at = form_timestamp(time.time() - 30)
    return {"email": "reader@example.org", "website": "", "shown_at": shown_at, **overrides}


def run_vnu(files):
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # vnu writes its JSON report to standard error.
    report = json.loads(result.stderr or result.stdout)
    return report["messages"]


def test_every_public_page_is_valid_html(client, tmp_path):
    skip_unless_java()
    skip_unless_tool(VNU)
    pages = {}
    for name, path in build_site().items():
        response = client.get(path)
        assert response.status_code == (404 if name == "not_found" else 200), name
        pages[name] = response.content
    issue = DEMO_SLUG
    refused = client.post(f"/issues/{issue}/", form_data(author_name="", body=""))
    assert refused.status_code == 400 and b"field--error" in refused.content
    pages["comment form with errors"] = refused.content
    reply = client.get(f"/issues/{issue}/?reply=1")
    assert b"Reply to" in reply.content
    pages["comment form replying"] = reply.content
    # After posting: the notice where the comment was posted (issue 18, item 1).
    held = client.post(f"/issues/{issue}/", form_data(body="Held, for the checker."))
    pages["comment posted, held"] = client.get(held["Location"]).content
    known = Comment.objects.filter(status=Comment.Status.APPROVED).first().author_email
    published = client.post(
        f"/issues/{issue}/",
        form_data(body="Published, for the checker.", author_email=known),
        REMOTE_ADDR="192.0.2.77",
    )
    pages["comment posted, published"] = client.get(published["Location"]).content
    assert b'id="comment-posted"' in pages["comment posted, held"]
    assert b'id="comment-posted"' in pages["comment posted, published"]
    for order in ("useful", "discussed"):  # the reader orders' cards say what they count
        pages[f"browser by {order}"] = client.get(f"/papers/?order={order}").content
    with override_settings(DIGESTS_USEFUL_WINDOW_MAX=0):  # the Useful button refused (429)
        paper = Paper.objects.published().order_by("pk").first()
        refused = client.post(f"/useful/{paper.slug}/")
    assert refused.status_code == 429
    pages["useful refused"] = refused.content
    # E-mail subscriptions (issue 19): the answer, the form with an error, the link pages.
    subscribed = client.post("/subscribe/", subscribe_data(), REMOTE_ADDR="192.0.2.78")
    assert b"Check your inbox" in subscribed.content
    pages["subscribe sent"] = subscribed.content
    pages["subscribe error"] = client.post("/subscribe/", subscribe_data(email="nope")).content
    subscriber = Subscriber.objects.get(email="reader@example.org")
    for name, url in (("confirm", confirm_url), ("unsubscribe", unsubscribe_url)):
        path = urlsplit(url(subscriber)).path
        pages[f"subscribe {name}"] = client.get(path).content
        pages[f"subscribe {name} done"] = client.post(path).content
        assert client.get(path + "x/").status_code == 404
    pages["subscribe bad link"] = client.get("/subscribe/confirm/bad/").content

    files = {}
    for name, html in pages.items():
        file = tmp_path / f"{name.replace(' ', '-')}.html"
        file.write_bytes(html)
        files[f"file:{file}"] = name
    errors = {}
    for message in run_vnu(sorted(tmp_path.iterdir())):
        name = files.get(message.get("url"), message.get("url"))
        errors.setdefault(name, []).append(
            f"line {message.get('lastLine')}: {message['message']} :: {message.get('extract', '')}"
        )
    assert errors == {}, json.dumps(errors, indent=1, ensure_ascii=False)
