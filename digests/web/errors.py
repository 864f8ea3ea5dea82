"""Error pages: a 503 that says the database is down (not a 500), and the
CSRF failure page in plain words.

Django's 500 handler runs while the exception is still being handled, so it
can tell a database that does not answer (a reason to come back in a moment:
503 with ``Retry-After``) from a bug (500). Being the 500 handler, it also
covers errors raised in middleware (sessions, authentication), which a view
decorator or a ``process_exception`` hook would miss. The page is rendered
without a request context: nothing on it may touch the database again.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers

RETRY_AFTER_SECONDS = 30
UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable(error):
    """Is this error the database not answering (or dropping the connection)?"""
    while error is not None:
        if isinstance(error, UNAVAILABLE):
            return True
        error = error.__cause__ or error.__context__
    return False


def server_error(request):
    """handler500: 503 with Retry-After for a database outage, the 500 page otherwise."""
    if database_unavailable(sys.exc_info()[1]):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        # Neither a browser nor a CDN may keep the outage page once it is over.
        add_never_cache_headers(response)
        return response
    return HttpResponseServerError(loader.render_to_string("500.html"))


def csrf_failure(request, reason=""):
    """Explain cookies in plain words (Django's page renders without our context)."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
