"""Settings for digests, driven by environment variables.

Two modes:

* development (the default): SQLite in ``var/``, the database cache, console
  e-mail, a secret key generated into ``var/secret_key`` on first use.
  ``DJANGO_DEBUG=1`` turns on debug pages (``make dev`` does).
* production (``DJANGO_ENV=production``): everything comes from the
  environment and the process refuses to start when a secret is missing.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DIGESTS_VAR_DIR", BASE_DIR / "var"))

ENV = os.environ.get("DJANGO_ENV", "development").strip().lower()
PRODUCTION = ENV == "production"


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=()):
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or list(default)


if PRODUCTION:
    _missing = [
        name for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL") if not os.environ.get(name)
    ]
    if _missing:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production needs these environment variables: " + ", ".join(_missing)
        )


def _development_secret_key():
    """Read the key from var/secret_key, creating it (mode 0600) on first run."""
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret_key()
DEBUG = env_bool("DJANGO_DEBUG", default=False) and not PRODUCTION
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    "taggit",
    "simple_history",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "anymail",
    "digests",
]

MIDDLEWARE = [
    # 405 for TRACE, PUT, OPTIONS and the rest, before anything else runs.
    "digests.web.methods.AllowedMethodsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "digests.web.headers.PermissionsPolicyMiddleware",
    # Directly after SecurityMiddleware, so static files skip everything else.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cached pages for anonymous readers: a hit skips everything below. Pages are
    # stored with the policy header the CSP middleware gave them when rendered.
    "digests.caching.pages.PageCacheMiddleware",
    "digests.web.headers.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on every response and 304 for a matching If-None-Match / If-Modified-Since.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Tells the history of issues and papers who made each change.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
CSRF_FAILURE_VIEW = "digests.web.errors.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "digests.web.context.site",
                "digests.subscriptions.context.subscribe_box",
            ],
        },
    },
    # The hot parts of the issue and paper pages (their bodies, paper cards and
    # comments), rendered from Django templates by the {% jinja %} tag: Jinja2
    # compiles a template to Python, where Django's engine walks its nodes.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "digests.templatetags.digests.jinja2_environment"},
    },
]

# --- Database ---------------------------------------------------------------
# SQLite is the embedded default. WAL lets readers and one writer work at the
# same time, and IMMEDIATE transactions take the write lock up front so two
# writers queue (busy timeout) instead of failing with "database is locked".
# mmap_size lets SQLite read pages straight from the operating system's file
# cache, which every connection shares, instead of copying each into its own
# small page cache: a search reads thousands of pages of full-text lists and
# indexes, and every worker would otherwise keep its own copies of them.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
        "PRAGMA mmap_size=268435456;"
    ),
}

# Connections are kept by the thread that opened them, on SQLite too: opening
# one (with its PRAGMAs and memory map) costs more than a page's queries.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer costs a reader seconds, not a hung worker:
    # the request fails fast and the reader gets the 503 page (digests/web/errors.py).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3"))
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    # Tests use a real file, not shared-cache memory: concurrency tests need
    # SQLite's real locking (WAL, busy timeout) to mean what it means in production.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("DIGESTS_TEST_SQLITE") or str(VAR_DIR / "test-db.sqlite3")
    }
    # A missing var/ folder must not stop the first `migrate`.
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "digests"),
            # A Redis that does not answer within a second is treated as down
            # (pages come from the database, comments wait) instead of holding
            # a reader's request.
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("REDIS_TIMEOUT", "1")),
                "socket_timeout": float(os.environ.get("REDIS_TIMEOUT", "1")),
            },
        }
    }
else:
    # Shared by every worker and process (rate limits must be): the database
    # cache. Redis is faster and shared by machines; set REDIS_URL for several.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "digests_cache",
        }
    }

# Rate limits, and the shared clock that spaces arXiv requests: what protects
# the site lives apart from pages, which any amount of browsing may evict.
# With Redis, its own key prefix (LIMITS_REDIS_URL may name a Redis with
# maxmemory-policy noeviction, or another database); without, its own table,
# which Django culls only past MAX_ENTRIES live entries (expired ones go first).
if os.environ.get("REDIS_URL"):
    CACHES["limits"] = {
        **CACHES["default"],
        "LOCATION": os.environ.get("LIMITS_REDIS_URL") or os.environ["REDIS_URL"],
        "KEY_PREFIX": CACHES["default"]["KEY_PREFIX"] + ":limits",
    }
else:
    CACHES["limits"] = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "digests_limits",
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    }

# --- Task queue ------------------------------------------------------------------
# Django's Tasks API (the django-tasks backport of Django 6's django.tasks).
# Embedded default: the database backend, worked by `manage.py db_worker` (which
# `make run` starts beside gunicorn). With REDIS_URL: RQ on that Redis, worked by
# `manage.py rqworker default --with-scheduler` on as many machines as wanted.
# TASKS_BACKEND=immediate runs each task inside the call that enqueues it.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND") or ("rq" if os.environ.get("REDIS_URL") else "db")
if TASKS_BACKEND == "rq":
    INSTALLED_APPS.insert(INSTALLED_APPS.index("django_tasks_db"), "django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {
        "default": {
            "URL": os.environ.get("TASKS_REDIS_URL") or os.environ.get("REDIS_URL"),
            "DEFAULT_TIMEOUT": 3600,
        }
    }
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Auth -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Where sign-in leads when the page asked for (?next=) is refused as off-site.
LOGIN_REDIRECT_URL = "admin:index"
# Editors stay signed in for two weeks at most, whether or not the browser is
# closed (they work in the admin over days; a shared computer is the exception).
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
# django-axes: after AXES_FAILURE_LIMIT wrong passwords for one username from
# one address, that pair may not sign in for AXES_COOLOFF_TIME. Counting the
# pair (not the address alone) keeps an office behind one NAT usable; counting
# the address too (not the username alone) stops anyone locking an editor out
# from elsewhere. Attempts live in the database, so every process agrees.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("SIGNIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SIGNIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "digests.comments.rules.client_ip"
AXES_LOCKOUT_CALLABLE = "digests.web.signin.lockout_response"

# --- Internationalisation ---------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- E-mail -----------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
# A mail server that stops answering fails the attempt instead of holding a worker.
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "digests@localhost")

# Bounce and complaint reports of e-mail services: django-anymail's tracking
# webhooks at /anymail/<service>/tracking/ (digests/newsletter/webhooks.py).
# The service calls them with ANYMAIL_WEBHOOK_SECRET ("name:password") as
# basic auth; Mailgun also signs each call (MAILGUN_WEBHOOK_SIGNING_KEY).
# Unset, a random value stands in: the webhooks then refuse every call.
ANYMAIL = {
    "WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET")
    or f"closed:{secrets.token_urlsafe(32)}",
    "MAILGUN_WEBHOOK_SIGNING_KEY": os.environ.get("MAILGUN_WEBHOOK_SIGNING_KEY")
    or secrets.token_urlsafe(32),
}

# --- Security ------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# No inline scripts or styles anywhere: every script and stylesheet is a file
# under /static/. JSON-LD blocks are data, not script, and browsers never run
# them through script-src, so pages need no nonces (and a cached page's header
# always matches its markup). The admin gets the same policy with one exact
# exception (digests/web/headers.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
    if not SECURE_HSTS_PRELOAD:
        # Joining browsers' HSTS preload list binds the whole domain and all its
        # subdomains to HTTPS for months, and is hard to undo: the domain's owner
        # opts in (SECURE_HSTS_PRELOAD=1); not having done so is no defect.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "filters": {"without_traceback": {"()": "digests.web.logs.WithoutTraceback"}},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.security.DisallowedHost": {"filters": ["without_traceback"]},
    },
}

# --- digests --------------------------------------------------------------------------------------
TAGGIT_CASE_INSENSITIVE = True
DIGESTS_SITE_NAME = os.environ.get("DIGESTS_SITE_NAME", "AI Research Highlights")
DIGESTS_SITE_TAGLINE = os.environ.get(
    "DIGESTS_SITE_TAGLINE", "New arXiv papers, picked and annotated by our editors."
)
DIGESTS_PAGE_SIZE = 20
# A last page of up to this many items joins the page before (Django's Paginator orphans).
DIGESTS_PAGE_ORPHANS = 5
DIGESTS_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
# Whole pages for anonymous readers, served while the content version they
# were rendered under is current (digests/caching/); entries also expire after
# this many seconds.
DIGESTS_PAGE_CACHE = env_bool("PAGE_CACHE", default=True)
DIGESTS_PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", str(24 * 3600)))
# Each process keeps its own copies of the pages it serves, up to this many
# megabytes of page bodies.
DIGESTS_PAGE_CACHE_LOCAL_BYTES = int(os.environ.get("PAGE_CACHE_LOCAL_MB", "16")) * 2**20
# Where the content version lives: "file" (one machine: a small file every
# process reads) or "cache" (the shared cache, Redis: any number of machines).
DIGESTS_CONTENT_VERSION = os.environ.get(
    "CONTENT_VERSION", "redis" if os.environ.get("REDIS_URL") else "file"
)
DIGESTS_CONTENT_VERSION_REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
DIGESTS_CONTENT_VERSION_KEY = os.environ.get("CACHE_KEY_PREFIX", "digests")
DIGESTS_REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "1"))
DIGESTS_CONTENT_VERSION_FILE = Path(
    os.environ.get("CONTENT_VERSION_FILE", VAR_DIR / "content-version")
)
# Part of every cached page's key; by default a fingerprint of the templates and
# static files, so a deploy never serves pages rendered by the previous code.
DIGESTS_RELEASE = os.environ.get("RELEASE", "")
# Paper cards and comments are cached under a digest of what they show
# (digests/caching/fragments.py): never stale, so they outlive edits elsewhere.
DIGESTS_FRAGMENT_CACHE = env_bool("FRAGMENT_CACHE", default=True)
DIGESTS_FRAGMENT_CACHE_SECONDS = int(os.environ.get("FRAGMENT_CACHE_SECONDS", str(7 * 24 * 3600)))
DIGESTS_COMMENTS_PER_PAGE = int(os.environ.get("COMMENTS_PER_PAGE", "50"))
# Comments close this many days after an issue is published (0 = never).
DIGESTS_COMMENTS_CLOSE_AFTER_DAYS = int(os.environ.get("COMMENTS_CLOSE_AFTER_DAYS", "0"))
# Who gets an e-mail for each comment held for moderation (comma-separated);
# empty means every active staff member who may change comments.
DIGESTS_MODERATOR_EMAILS = env_list("MODERATOR_EMAILS")
# Behind N trusted proxies the reader's address is the Nth entry from the right
# of X-Forwarded-For; 0 means use the connection's address.
DIGESTS_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Comment defences: a form must be on screen this long before it is sent, and
# is refused once older than the maximum; each reader (IP and e-mail) may post
# once per interval and WINDOW_MAX times per window (seconds).
DIGESTS_COMMENT_MIN_SECONDS = 3
DIGESTS_COMMENT_MAX_AGE = 2 * 60 * 60
DIGESTS_COMMENT_MIN_INTERVAL = 15
DIGESTS_COMMENT_WINDOW = 10 * 60
DIGESTS_COMMENT_WINDOW_MAX = 5
# The Useful button (digests/useful/): a browser counts once per paper (its
# signed cookie), and each IP address may mark WINDOW_MAX papers per window.
DIGESTS_USEFUL_WINDOW = 10 * 60
DIGESTS_USEFUL_WINDOW_MAX = 30
# E-mail subscriptions (digests/subscriptions/): a confirmation link works this
# many days; one address is mailed at most once per RESEND_MINUTES; the form
# may be sent WINDOW_MAX times per IP address and ADDRESS_WINDOW_MAX times per
# e-mail address per WINDOW (seconds), after MIN_SECONDS on screen.
DIGESTS_SUBSCRIBE_CONFIRM_DAYS = int(os.environ.get("SUBSCRIBE_CONFIRM_DAYS", "7"))
DIGESTS_SUBSCRIBE_RESEND_MINUTES = int(os.environ.get("SUBSCRIBE_RESEND_MINUTES", "10"))
DIGESTS_SUBSCRIBE_MIN_SECONDS = 2
DIGESTS_SUBSCRIBE_WINDOW = 60 * 60
DIGESTS_SUBSCRIBE_WINDOW_MAX = 10
DIGESTS_SUBSCRIBE_ADDRESS_WINDOW_MAX = 5

# Sending an issue (digests/newsletter/). A task claims BATCH messages at a time
# for LEASE seconds (a task that dies leaves them to others when it runs out),
# sends for at most TASK_SECONDS and hands over to a fresh task; PARALLEL tasks
# per delivery (one per worker process you run). A mail server that cannot be
# reached is tried again after RETRY_SECONDS, doubling to at most 10 minutes,
# for as long as it takes; a 4xx answer for one address is retried
# MAX_ATTEMPTS times, a 5xx answer marks the address bounced.
DIGESTS_MAIL_BATCH = int(os.environ.get("MAIL_BATCH", "50"))
DIGESTS_MAIL_LEASE_SECONDS = float(os.environ.get("MAIL_LEASE_SECONDS", "120"))
DIGESTS_MAIL_TASK_SECONDS = float(os.environ.get("MAIL_TASK_SECONDS", "60"))
DIGESTS_MAIL_PARALLEL = int(os.environ.get("MAIL_PARALLEL", "2"))
# SMTP connections each sending task keeps open, one thread each (see sending.Senders).
DIGESTS_MAIL_CONNECTIONS = int(os.environ.get("MAIL_CONNECTIONS", "4"))
DIGESTS_MAIL_RETRY_SECONDS = float(os.environ.get("MAIL_RETRY_SECONDS", "15"))
DIGESTS_MAIL_RETRY_MAX_SECONDS = 600
DIGESTS_MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "6"))
# Absolute links in e-mails (reply notifications, moderation) start with this.
# Absolute links in e-mails, feeds and printed links. Unset, the address
# `make run` serves (its PORT), so a site on another port links to itself.
DIGESTS_SITE_URL = (
    os.environ.get("SITE_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or 8000}"
)
# arXiv's export API, for the admin's metadata autofill. arXiv's terms allow
# one request every 3 seconds; every process takes its turn from the shared
# cache. Look-ups are cached per paper for a day.
DIGESTS_ARXIV_API_URL = os.environ.get("ARXIV_API_URL", "https://export.arxiv.org/api/query")
DIGESTS_ARXIV_MIN_INTERVAL = float(os.environ.get("ARXIV_MIN_INTERVAL", "3"))
DIGESTS_ARXIV_TIMEOUT = 10  # seconds per request (never more than 10)
DIGESTS_ARXIV_MAX_WAIT = 15  # seconds an editor may wait for a turn before being told to retry
DIGESTS_ARXIV_BATCH_SIZE = 50  # ids per request
DIGESTS_ARXIV_CACHE_SECONDS = 24 * 3600
DIGESTS_ARXIV_USER_AGENT = f"digests/0.1 (+{DIGESTS_SITE_URL})"
