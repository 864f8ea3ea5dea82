"""Shared pieces of the real-browser tests: one Chromium for the whole package,
a page factory (viewport, colour scheme, JavaScript on or off) that fails the
test on any script error or refused resource, and the local tools (axe-core,
the Nu Html Checker) installed by `make browser-tools`.

The site runs in pytest-django's live server (one per session, static files
served by Django's static handler).
"""

import contextlib
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections

from ..site_pages import build_site

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "var" / "node" / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = ROOT / "var" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}

try:
    from playwright import sync_api as playwright_api
except ImportError:  # pragma: no cover - the test extra installs it
    playwright_api = None


def skip_unless_chromium():
    if playwright_api is None:
        pytest.skip("Playwright for Python is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")


def skip_unless_tool(path):
    if not path.exists():
        pytest.skip(f"{path.relative_to(ROOT)} is missing: run `make browser-tools`")


def skip_unless_java():
    if shutil.which("java") is None:
        pytest.skip("no java on PATH (apt-get install default-jre-headless)")


@pytest.fixture(scope="package")
def chromium():
    """One headless Chromium for every test in tests/browser/."""
    skip_unless_chromium()
    # Playwright's sync API keeps an idle event loop on this thread, which makes
    # Django refuse ORM calls; the tests' own queries are plain, synchronous
    # calls made between browser steps, so they are safe. Only while it runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    try:
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(chromium, live_server):
    """new_page(viewport=..., color_scheme=..., javascript=..., user=...) -> a Page.

    Every page records script errors, console errors (a refused script or style
    under the Content-Security-Policy is one) and failed requests; the test
    fails if any happened. Contexts are closed afterwards.
    """
    contexts, problems = [], []

    def make(*, viewport=DESKTOP, color_scheme="light", javascript=True, user=None, mobile=False):
        context = chromium.new_context(
            viewport=viewport,
            color_scheme=color_scheme,
            java_script_enabled=javascript,
            base_url=live_server.url,
            is_mobile=mobile,
            has_touch=mobile,
        )
        contexts.append(context)
        if user is not None:
            context.add_cookies(
                [
                    {
                        "name": django_settings.SESSION_COOKIE_NAME,
                        "value": signed_in_session(user),
                        "url": live_server.url,
                    }
                ]
            )
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console {message.type}: {message.text}")
                if message.type == "error" and not _expected_status_message(message.text)
                else None
            ),
        )
        page.on(
            "requestfailed",
            lambda request: (
                problems.append(f"request failed: {request.url} {request.failure}")
                # A request cut short by the next navigation is the test moving on, not a fault.
                if request.failure != "net::ERR_ABORTED"
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        with contextlib.suppress(Exception):
            context.close()
    # Queries made while Playwright ran used a connection pytest-django does not
    # see (Django keeps connections per context; Playwright's sync API switches
    # greenlets): close it, or PostgreSQL refuses to drop the test database.
    connections.close_all()
    assert problems == [], problems


def _expected_status_message(text):
    # Chromium logs every 4xx page it loads ("Failed to load resource: ... 404"):
    # the 404 page and the comment form with errors (400) are such pages on purpose.
    return text.startswith("Failed to load resource: the server responded with a status of 4")


def signed_in_session(user):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


@pytest.fixture
def site(transactional_db):
    """Every public page type over the demo data: {page type: path}."""
    return build_site()


@pytest.fixture
def axe_source():
    skip_unless_tool(AXE)
    return AXE.read_text(encoding="utf-8")


def run_axe(page, source):
    """axe-core's violations on the page, as a list of dicts.

    Evaluated through the DevTools protocol rather than a <script> tag, so a
    strict Content-Security-Policy on the page cannot block it.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map(
                    n => n.target.join(" ") + " :: " + n.failureSummary),
            }));
        }"""
    )
