"""Only the methods the site answers: GET, HEAD and POST.

TRACE, PUT, DELETE, OPTIONS and the rest get 405 with an ``Allow`` header
before anything else runs, whatever the URL (Django's views would answer
OPTIONS with 200, and nothing here uses it).
"""

from django.http import HttpResponseNotAllowed

ALLOWED = ("GET", "HEAD", "POST")


class AllowedMethodsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ALLOWED:
            return HttpResponseNotAllowed(ALLOWED)
        return self.get_response(request)
