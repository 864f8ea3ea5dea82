"""Deliveries in the admin: a list, and for each a read-only progress page
with Pause, Resume and Cancel.

A delivery is started only by the Send buttons of its issue's page
(``issue_panel.py``) and never deleted by hand: its send log is the record
of who was sent what. Who may change issues may send them and steer their
deliveries; who may view issues may watch. ``digests/admin.py`` imports this
module to register it."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from . import desk, progress, tasks
from .models import Delivery, Message

REFRESH_SECONDS = 5


def ask_again(delivery):
    """Enqueue again what a delivery is waiting for: its start (snapshot) or its senders."""
    if not tasks.ask_again(delivery):
        raise desk.DeskError(
            "Only a delivery that is sending or waiting to start can be asked again."
        )


# (url name, what it does, the message when done)
BUTTONS = {
    "pause": (
        desk.pause,
        "Paused. What the mail server already took is on its way; the rest waits for Resume.",
    ),
    "resume": (desk.resume, "Resumed: sending goes on where it stopped."),
    "cancel": (
        desk.cancel,
        "Cancelled: nobody else is sent this issue by this delivery. “Send” on the issue's "
        "page would start a new one to those not yet sent it.",
    ),
    "ask-again": (
        ask_again,
        "Asked the workers again. If the figures do not move within a minute, no worker "
        "is running: start one.",
    ),
}


def badge(delivery):
    return format_html(
        '<span class="state state--{}">{}</span>', delivery.status, delivery.get_status_display()
    )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("issue_title", "status_badge", "created", "sent_of_total", "failed", "bounced")
    list_filter = ("status",)
    list_select_related = ("issue",)
    actions = None

    class Media:
        css = {"all": ["css/admin.css"]}

    # Issues' permissions, so the Editors group needs nothing more.

    def has_view_permission(self, request, obj=None):
        user = request.user
        return user.has_perm("digests.view_issue") or self.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("digests.change_issue")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        of_status = lambda status: Count("messages", filter=Q(messages__status=status))  # noqa: E731
        return (
            super()
            .get_queryset(request)
            .annotate(
                sent_count=of_status(Message.Status.SENT),
                failed_count=of_status(Message.Status.FAILED),
                bounced_count=of_status(Message.Status.BOUNCED),
            )
        )

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Deliveries", **(extra_context or {})})

    @admin.display(description="issue", ordering="issue__title")
    def issue_title(self, delivery):
        return Truncator(delivery.issue.title).chars(60)

    @admin.display(description="created", ordering="created_at")
    def created(self, delivery):
        return date_format(timezone.localtime(delivery.created_at), "j M Y, H:i")

    @admin.display(description="status", ordering="status")
    def status_badge(self, delivery):
        return badge(delivery)

    @admin.display(description="sent / total")
    def sent_of_total(self, delivery):
        return f"{delivery.sent_count:,} / {delivery.total:,}"

    @admin.display(description="failed", ordering="failed_count")
    def failed(self, delivery):
        return f"{delivery.failed_count:,}"

    @admin.display(description="bounced", ordering="bounced_count")
    def bounced(self, delivery):
        return f"{delivery.bounced_count:,}"

    # The progress page and its buttons

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                f"<path:object_id>/{name}/",
                wrap(require_POST(self.button_view)),
                {"button": name},
                name=f"digests_delivery_{name.replace('-', '_')}",
            )
            for name in BUTTONS
        ] + super().get_urls()

    def delivery_or_404(self, object_id):
        delivery = (
            Delivery.objects.select_related("issue", "created_by")
            .filter(pk=unquote(object_id))
            .first()
            if str(object_id).isdigit()
            else None
        )
        if delivery is None:
            raise Http404("No such delivery.")
        return delivery

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        delivery = self.delivery_or_404(object_id)
        if not self.has_view_permission(request, delivery):
            raise PermissionDenied
        figures = progress.of(delivery)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Delivery of “{delivery.issue}”",
            "delivery": delivery,
            "progress": figures,
            "badge": badge(delivery),
            "can_change": self.has_change_permission(request, delivery),
            "can_see_subscribers": request.user.has_perm("digests.view_subscriber"),
            "max_attempts": settings.DIGESTS_MAIL_MAX_ATTEMPTS,
            "refresh_seconds": REFRESH_SECONDS
            if delivery.status == Delivery.Status.SENDING
            else None,
            **(extra_context or {}),
        }
        response = TemplateResponse(request, "admin/digests/delivery/progress.html", context)
        response["Cache-Control"] = "private, no-store"
        return response

    def button_view(self, request, object_id, button):
        delivery = self.delivery_or_404(object_id)
        if not self.has_change_permission(request, delivery):
            raise PermissionDenied
        act, done = BUTTONS[button]
        try:
            act(delivery)
        except desk.DeskError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, done)
        return HttpResponseRedirect(reverse("admin:digests_delivery_change", args=[delivery.pk]))
