"""/healthz for load balancers: is the database answering, the cache, the store of limits?"""

import logging

from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache(alias):
    store = caches[alias]
    store.set("healthz", "ok", timeout=10)
    if store.get("healthz") != "ok":
        raise RuntimeError(f"the {alias} cache did not return what was stored")


CHECKS = {
    "database": _database,
    "cache": lambda: _cache("default"),
    "limits": lambda: _cache("limits"),  # comments are refused without it
}


@require_safe  # HEAD too: some load balancers ask with HEAD
def healthz(request):
    """{"status": "ok", "database": "ok", "cache": "ok", "limits": "ok"}, or 503
    naming what failed.

    Errors are logged, never shown: the answer carries no hosts or secrets."""
    checks = {}
    for name, check in CHECKS.items():
        try:
            check()
            checks[name] = "ok"
        except Exception as error:
            log.warning("health check: %s failed: %s", name, error)
            checks[name] = "failing"
    healthy = all(value == "ok" for value in checks.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "failing", **checks}, status=200 if healthy else 503
    )
    add_never_cache_headers(response)
    return response
