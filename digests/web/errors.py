"""Error pages: a 503 that says the database is down (not a 500), and the
CSRF failure page in plain words. Both keep a comment the reader was posting:
its text comes back in a form that posts it again, to copy or to send.

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
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers

from ..comments.forms import CommentForm, form_timestamp

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
        context = {"kept": kept_comment(request)}
        response = HttpResponse(loader.render_to_string("503.html", context), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        # Neither a browser nor a CDN may keep the outage page once it is over.
        add_never_cache_headers(response)
        return response
    return HttpResponseServerError(loader.render_to_string("500.html"))


def csrf_failure(request, reason=""):
    """Explain cookies in plain words (Django's page renders without our context)."""
    context = {"reason": reason, "kept": kept_comment(request)}
    response = render(request, "403_csrf.html", context, status=403)
    add_never_cache_headers(response)
    return response


def kept_comment(request):
    """What a reader was posting as a comment, to show again; None for any other request.

    Read from the request as sent, without the database: a fresh CSRF token
    (a new cookie when the old one was missing) and form time let the reader
    send it again from this page once the cause has passed."""
    if request is None or request.method != "POST" or request.path.startswith("/admin/"):
        return None
    try:
        posted = request.POST
    except Exception:  # an unreadable body has nothing to keep
        return None
    if not set(posted) & {"body", "author_name"}:
        return None
    return {
        "action": request.path,
        "values": {name: posted.get(name, "") for name in CommentForm.base_fields},
        "csrf_token": get_token(request),
        "shown_at": form_timestamp(),
    }
