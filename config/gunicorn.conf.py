"""gunicorn settings for digests; every value can be overridden from the environment.

Run: gunicorn config.wsgi -c config/gunicorn.conf.py
Behind a buffering proxy (nginx, a CDN) slow clients are absorbed by the proxy;
the timeouts below still stop one from holding a worker for long.
"""

import multiprocessing
import os

_host = os.environ.get("HOST", "127.0.0.1")
bind = os.environ.get("GUNICORN_BIND", f"{_host}:{os.environ.get('PORT', '8000')}")
# Pages are rendered from the database and cache: a few threads per worker
# overlap the I/O waits, and processes use the cores.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Requests larger than this are refused before Django sees them.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Recycle workers now and then so slow leaks cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # "" turns it off
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Import the views and compile the templates before the first reader comes
    (digests/web/warmup.py), not while the first readers of a new worker wait."""
    from digests.web.warmup import warm_up

    warm_up()
