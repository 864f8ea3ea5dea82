"""“Create preview link” and “Revoke all links” on an issue's admin page."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from .. import preview_links


class PreviewLinkForm(forms.Form):
    days = forms.TypedChoiceField(
        label="Link works for",
        choices=[(n, f"{n} day{'s' if n > 1 else ''}") for n in preview_links.DAY_CHOICES],
        coerce=int,
        initial=preview_links.DEFAULT_DAYS,
    )


class PreviewLinkAdminMixin:
    """Signed links that let a reviewer without an account read a draft issue."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/preview-link/",
                wrap(require_POST(self.create_preview_link)),
                name="{}_{}_preview_link".format(*info),
            ),
            path(
                "<path:object_id>/preview-link/revoke/",
                wrap(require_POST(self.revoke_preview_links)),
                name="{}_{}_revoke_preview_links".format(*info),
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["preview_link_form"] = PreviewLinkForm()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _issue_for_preview(self, request, object_id):
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            raise Http404("No such issue.")
        if not self.has_change_permission(request, issue):
            raise PermissionDenied
        return issue

    def _back(self, issue):
        return HttpResponseRedirect(reverse("admin:digests_issue_change", args=[issue.pk]))

    def create_preview_link(self, request, object_id):
        issue = self._issue_for_preview(request, object_id)
        if issue.is_public:
            self.message_user(
                request,
                "This issue is already public: share its address instead of a preview link.",
                messages.WARNING,
            )
            return self._back(issue)
        form = PreviewLinkForm(request.POST)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Preview link for “{issue}”",
            "opts": self.opts,
            "issue": issue,
            "form": form,
        }
        status = 400
        if form.is_valid():
            token = preview_links.make_token(issue, days=form.cleaned_data["days"])
            context["preview_url"] = request.build_absolute_uri(
                reverse("digests:issue_preview_link", args=[token])
            )
            context["expires_at"] = preview_links.expiry_of(token)
            context["days"] = form.cleaned_data["days"]
            status = 200
        response = TemplateResponse(
            request, "admin/digests/issue/preview_link.html", context, status=status
        )
        response["Cache-Control"] = "private, no-store"  # the link is a key: keep it out of caches
        return response

    def revoke_preview_links(self, request, object_id):
        issue = self._issue_for_preview(request, object_id)
        # Not a change of the issue itself: no history record, no page cache bump.
        type(issue).objects.filter(pk=issue.pk).update(preview_key=preview_links.new_preview_key())
        self.message_user(request, "Every earlier preview link of this issue has stopped working.")
        return self._back(issue)
