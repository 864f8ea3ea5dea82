"""Response headers Django does not set by itself."""

import base64
import hashlib

from csp.middleware import CSPMiddleware
from django.conf import settings


class PermissionsPolicyMiddleware:
    """Turn off browser features the site never uses (camera, geolocation, …)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.value = settings.DIGESTS_PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.value)
        return response


def style_attribute_hash(value):
    """The CSP source that allows exactly this style="…" attribute and no other."""
    digest = hashlib.sha256(value.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's one exception to the strict policy.

    Django's admin is free of inline scripts and styles; django-simple-history's
    history page carries a single ``style="border-top: 0"``. Rather than allow
    every style attribute, the admin's policy allows that exact one by its hash
    (``'unsafe-hashes'`` is what lets a hash match an attribute). Scripts stay
    as strict as on public pages. ``get_policy_parts`` is django-csp's own
    place for such changes.
    """

    allowed_style_attributes = ("border-top: 0",)
    admin_update = {
        "style-src-attr": [
            "'unsafe-hashes'",
            *(style_attribute_hash(value) for value in allowed_style_attributes),
        ]
    }

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith("/admin/") and not report_only:
            parts.update = {**(parts.update or {}), **self.admin_update}
        return parts
