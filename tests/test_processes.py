"""Real gunicorn processes sharing one site: rate limits hold and pages are fresh.

Both setups: the embedded default (SQLite, the database cache, the content
version in a file) and the production one's shared parts (Redis)."""

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.core import signing

from digests.comments.forms import TIMESTAMP_SALT

from .servers import demo_site, gunicorn, manage, redis_available

SECRET = "test-secret-key-" + "x" * 40
ISSUE = "/issues/ai-research-highlights-june-july-2023/"


SETUPS = {
    "embedded": {},
    "redis": {"REDIS_URL": "redis://127.0.0.1:6379/0"},
}


@pytest.fixture(scope="module", params=SETUPS)
def site_env(request, tmp_path_factory):
    if request.param == "redis" and not redis_available():
        pytest.skip("no Redis on 127.0.0.1:6379")
    return demo_site(tmp_path_factory.mktemp("site"), SECRET, **SETUPS[request.param])


class Reader:
    """A browser with its own cookies, talking to one server."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def post_comment(self, body, email="same@example.org"):
        page = self.opener.open(self.base + ISSUE, timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        data = {
            "csrfmiddlewaretoken": token,
            "author_name": "Same Reader",
            "author_email": email,
            "body": body,
            "website": "",
            "reply_to": "",
            # A form shown a minute ago, signed with the servers' key.
            "shown_at": signing.dumps(time.time() - 60, key=SECRET, salt=TIMESTAMP_SALT),
        }
        request = urllib.request.Request(
            self.base + ISSUE,
            data=urllib.parse.urlencode(data).encode(),
            headers={"Referer": self.base + ISSUE},
        )
        try:
            response = self.opener.open(request, timeout=10)
            return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()


def test_rate_limit_holds_across_two_processes(site_env):
    with gunicorn(site_env) as first, gunicorn(site_env) as second:
        status, _, page = Reader(first).post_comment("Posted through the first server")
        assert status == 200 and "held for moderation" in page  # followed the redirect
        status, headers, page = Reader(second).post_comment("Posted through the second server")
        assert status == 429
        assert 1 <= int(headers["Retry-After"]) <= 15
        assert "Posted through the second server" in page  # the text is kept
        status, _, _ = Reader(second).post_comment(
            "Someone else entirely", email="other@example.org"
        )
        assert status == 429  # same address (loopback) within 15 s


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers, response.read().decode()


EDITS = {
    "issue title": (
        "from digests.models import Issue; i = Issue.objects.get(); "
        "i.title = 'Edited Elsewhere'; i.save()",
        ISSUE,
        "Edited Elsewhere",
    ),
    "paper annotation": (
        "from digests.models import Paper; p = Paper.objects.get(arxiv_id='2307.03172'); "
        "p.annotation = 'Annotation edited elsewhere'; p.save()",
        ISSUE,
        "Annotation edited elsewhere",
    ),
    "tag on a paper": (
        "from digests.models import Paper; "
        "Paper.objects.get(arxiv_id='2307.03172').tags.add('edited-elsewhere')",
        "/tags/",
        "edited-elsewhere",
    ),
    "approved comment": (
        "from digests.models import Comment, Issue; "
        "Comment.objects.create(issue=Issue.objects.get(), author_name='X', "
        "author_email='x@example.org', body='Comment approved elsewhere', status='approved')",
        ISSUE,
        "Comment approved elsewhere",
    ),
}


@pytest.mark.parametrize("edit", EDITS)
def test_an_edit_in_one_process_is_fresh_on_every_other(site_env, edit):
    code, path, expected = EDITS[edit]
    with gunicorn(site_env) as first, gunicorn(site_env) as second:
        for base in (first, second):
            fetch(base + path)
            headers, _ = fetch(base + path)
            assert headers["X-Page-Cache"] == "hit"
        manage("shell", "-c", code, env=site_env)  # a third process, like an editor's
        for base in (first, second):
            _, page = fetch(base + path)
            assert expected in page, (edit, base)
