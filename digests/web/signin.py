"""What an editor sees when too many wrong passwords have locked a sign-in."""

import math

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


def lockout_response(request, original_response, credentials):
    """django-axes' lockout hook: a 429 page saying how long to wait, never a 500."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    response = render(
        request,
        "signin_locked.html",
        {"failure_limit": get_failure_limit(request, credentials), "minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    if cool_off:
        response["Retry-After"] = str(math.ceil(cool_off.total_seconds()))
    add_never_cache_headers(response)
    return response
