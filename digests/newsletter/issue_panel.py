"""The Newsletter box on an issue's admin page: how many subscribers, a test
copy to the editor, "Send to N subscribers" (through a page that asks once
more) or "Send when published", and the state of the latest delivery.

Whoever may change an issue may send it; whoever may only view it sees the
figures and the state, no buttons."""

import logging
import smtplib

from anymail.exceptions import AnymailError
from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from . import audience, desk, sending

log = logging.getLogger(__name__)

# What a mail server or an e-mail service can answer instead of taking a message.
MAIL_FAILURES = (smtplib.SMTPException, OSError, AnymailError)


class TestSendForm(forms.Form):
    address = forms.EmailField(label="Send a test to", max_length=254)


class NewsletterPanel:
    """What the box shows for one issue and one editor."""

    def __init__(self, issue, *, can_send, address=""):
        self.issue = issue
        self.can_send = can_send
        self.confirmed = audience.confirmed().count()
        self.to_receive = audience.still_to_receive(issue).count() if self.confirmed else 0
        self.already_received = self.confirmed - self.to_receive
        self.latest = issue.deliveries.order_by("-created_at", "-pk").first()
        self.earlier = issue.deliveries.count() - 1 if self.latest else 0
        self.test_form = TestSendForm(initial={"address": address})

    @property
    def under_way(self):
        return self.latest is not None and self.latest.is_active


def issue_page(issue):
    return HttpResponseRedirect(reverse("admin:digests_issue_change", args=[issue.pk]))


def progress_page(delivery):
    return HttpResponseRedirect(reverse("admin:digests_delivery_change", args=[delivery.pk]))


class NewsletterIssueAdminMixin:
    """For the issue's ModelAdmin: the box, the test send and the send pages."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/newsletter/test/",
                wrap(require_POST(self.newsletter_test_view)),
                name="{}_{}_newsletter_test".format(*info),
            ),
            path(
                "<path:object_id>/newsletter/send/",
                wrap(require_http_methods(["GET", "POST"])(self.newsletter_send_view)),
                name="{}_{}_newsletter_send".format(*info),
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["newsletter"] = NewsletterPanel(
                obj,
                can_send=self.has_change_permission(request, obj),
                address=request.user.email,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def newsletter_issue(self, request, object_id):
        issue = self.get_object(request, unquote(object_id))
        if issue is None:
            raise Http404("No such issue.")
        if not self.has_change_permission(request, issue):
            raise PermissionDenied
        return issue

    def newsletter_test_view(self, request, object_id):
        issue = self.newsletter_issue(request, object_id)
        form = TestSendForm(request.POST)
        if not form.is_valid():
            typed = request.POST.get("address", "").strip()
            self.message_user(
                request,
                f"No test was sent: “{typed}” is not an e-mail address."
                if typed
                else "No test was sent: type the address to send it to.",
                messages.ERROR,
            )
            return issue_page(issue)
        address = form.cleaned_data["address"]
        try:
            sending.send_test(issue, address)
        except MAIL_FAILURES as error:
            log.warning("test copy of issue %s to %s failed: %r", issue.pk, address, error)
            self.message_user(
                request,
                f"No test was sent: the mail server could not be reached or refused the "
                f"message ({sending.describe(error)}). Try again in a moment; if it keeps "
                f"failing, check the site's e-mail settings.",
                messages.ERROR,
            )
            return issue_page(issue)
        self.message_user(
            request,
            f"A test copy of “{issue}” was sent to {address}, its subject marked [Test]. "
            f"Its unsubscribe link is a placeholder.",
        )
        return issue_page(issue)

    def newsletter_send_view(self, request, object_id):
        """GET: the page that asks once more, with the number and the title.
        POST: the delivery starts (or waits for the publication)."""
        issue = self.newsletter_issue(request, object_id)
        if request.method == "POST":
            when = request.POST.get("when")
            if when not in ("now", "published"):
                return HttpResponseBadRequest("Choose “now” or “published”.")
            try:
                delivery = desk.send(issue, request.user, when_published=when == "published")
            except desk.DeskError as error:
                self.message_user(request, str(error), messages.ERROR)
                return issue_page(issue)
            self.message_user(
                request,
                f"Sending “{issue}” to its subscribers."
                if delivery.status == delivery.Status.SENDING
                else f"“{issue}” will be sent to its subscribers when it is published.",
            )
            return progress_page(delivery)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Send to subscribers",
            "issue": issue,
            "panel": NewsletterPanel(issue, can_send=True),
        }
        return TemplateResponse(request, "admin/digests/issue/newsletter_send.html", context)
