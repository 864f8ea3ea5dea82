"""The page a preview link opens: a draft issue, for a reviewer without an account."""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from . import preview_links
from .models import Issue
from .views import IssueDetailView

ROBOTS = "noindex, nofollow"


class IssuePreviewLinkView(IssueDetailView):
    """The issue page itself, reached by a signed link instead of a permission.

    Always a preview (PreviewMixin: "Preview" banner, never cached, never
    indexed); reading only, so no comment can be posted through it."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        try:
            link, key = preview_links.read_token(kwargs["token"])
            issue = Issue.objects.with_contents().filter(pk=link.issue_id).first()
            if issue is None:
                raise preview_links.InvalidLink("This preview link is not valid.", status=404)
            preview_links.check_key(issue, key)
        except preview_links.InvalidLink as invalid:
            return invalid_link(request, invalid)
        if issue.is_public:
            return HttpResponseRedirect(issue.get_absolute_url())
        self.object = issue
        self.preview_link = link
        return self.render_to_response(self.get_context_data(object=issue))

    def is_preview(self):
        return True

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview_link=self.preview_link, **kwargs)


def invalid_link(request, invalid):
    response = render(
        request,
        "digests/preview_link_invalid.html",
        {"reason": invalid.reason, "status": invalid.status},
        status=invalid.status,
    )
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = ROBOTS
    return response
