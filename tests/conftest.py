import contextlib

import pytest
from django.contrib.auth.models import Permission

from .factories import IssueFactory, PaperFactory, SectionFactory, UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture
def editor(db):
    """Staff with the permissions to change issues and papers (may preview drafts)."""
    user = UserFactory(username="editor", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="digests",
            codename__in=[
                f"{action}_{model}"
                for action in ("add", "change", "view", "delete")
                for model in ("issue", "paper", "section")
            ],
        )
    )
    return user


@pytest.fixture
def staff_without_permission(db):
    return UserFactory(username="intern", is_staff=True)


@pytest.fixture
def superuser(db):
    return UserFactory(username="chief", is_staff=True, is_superuser=True)


@pytest.fixture
def three_issues(db):
    """One published, one draft and one scheduled issue, each with a tagged paper."""
    section = SectionFactory(name="Large Language Models", slug="large-language-models")
    published = IssueFactory(title="Published Issue", slug="published-issue")
    draft = IssueFactory.draft(title="Draft Issue", slug="draft-issue")
    scheduled = IssueFactory.scheduled(title="Scheduled Issue", slug="scheduled-issue")
    papers = {
        "published": PaperFactory(
            issue=published, section=section, title="Public Paper", tags=["public-tag"]
        ),
        "draft": PaperFactory(
            issue=draft, section=section, title="Secret Draft Paper", tags=["draft-only-tag"]
        ),
        "scheduled": PaperFactory(
            issue=scheduled,
            section=section,
            title="Secret Scheduled Paper",
            tags=["scheduled-only-tag"],
        ),
    }
    return {"published": published, "draft": draft, "scheduled": scheduled, "papers": papers}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_signin_lockout(settings):
    """django-axes needs the request to authenticate, which ``client.login`` does not
    pass; tests/test_signin.py turns it back on and proves the lockout."""
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Pages render without a prior collectstatic; the manifest is tested on its own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def empty_cache(settings):
    """In-process tests share one process: a fresh local-memory cache for each.

    (The site's default is the database cache, shared by every worker; tests
    that run real gunicorn processes use that or Redis.)"""
    locmem = "django.core.cache.backends.locmem.LocMemCache"
    settings.CACHES = {
        "default": {"BACKEND": locmem, "LOCATION": "t"},
        "limits": {"BACKEND": locmem, "LOCATION": "t-limits"},
    }
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()
    yield
    for alias in settings.CACHES:
        with contextlib.suppress(Exception):  # a test may have pointed it at a dead server
            caches[alias].clear()


@pytest.fixture(autouse=True)
def own_content_version(settings, tmp_path_factory):
    """Each test's page cache version in its own file: a test run beside
    another (or a test's gunicorn) never moves this one's version on."""
    settings.DIGESTS_CONTENT_VERSION = "file"
    settings.DIGESTS_CONTENT_VERSION_FILE = tmp_path_factory.mktemp("version") / "content-version"


@pytest.fixture(autouse=True)
def no_real_arxiv(settings):
    """No test reaches arXiv: the API address is a closed loopback port unless a
    test points it at its own local server (see tests/test_arxiv_client.py);
    requests are not spaced out unless a test asks for it."""
    settings.DIGESTS_ARXIV_API_URL = "http://127.0.0.1:9/api/query"
    settings.DIGESTS_ARXIV_MIN_INTERVAL = 0


@pytest.fixture
def arxiv_api(httpserver, settings):
    """A local stand-in for arXiv's export API; returns the pytest-httpserver."""
    settings.DIGESTS_ARXIV_API_URL = httpserver.url_for("/api/query")
    return httpserver


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """In-process tests run each task inside the call that enqueues it (Django's
    ImmediateBackend): a posted reply's mail is in ``mail.outbox`` at once. The
    site's own default, the database queue with its worker, is what
    ``task_queue`` and the worker-process tests (tests/test_delivery_workers.py) use."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def task_queue(settings, transactional_db):
    """The database task queue, as the site runs it; call the result to work
    through every task that is ready (``manage.py db_worker --batch``). The
    worker closes connections between tasks as in production, which a test's
    open transaction would not survive: these tests commit for real."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def work():
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
        )

    return work
