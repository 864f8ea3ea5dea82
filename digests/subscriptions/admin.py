"""Subscribers in the admin: the list with filters and search, "Mark
unsubscribed", CSV export (selected rows, or everything the list shows) and
the CSV import page under the list. ``digests/admin.py`` imports this module
to register it."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from ..editor.mixins import BadInputIs400Mixin
from .csv_io import MAX_BYTES, MAX_ROWS, ImportRefused, export_lines, import_csv
from .models import Subscriber

SHOWN_REFUSALS = 1_000


class SubscriberImportForm(forms.Form):
    csv_file = forms.FileField(
        label="CSV file",
        help_text=(
            "A column named email, e-mail, mail or address (or the first column holding "
            "addresses); other columns are ignored. UTF-8, comma or semicolon, at most "
            f"{MAX_BYTES // 2**20} MB and {MAX_ROWS:,} rows."
        ),
    )
    consented = forms.BooleanField(
        label=(
            "These people agreed to receive the magazine by e-mail (they are imported as confirmed)"
        ),
        required=False,
        help_text=(
            "Leave unticked unless you have their consent: they are then imported as pending, "
            "receive nothing, and must subscribe themselves to confirm. No mail is sent."
        ),
    )

    def clean_csv_file(self):
        upload = self.cleaned_data["csv_file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"“{upload.name}” is {upload.size:,} bytes; an import may be at most "
                f"{MAX_BYTES:,} bytes. Split it into smaller files."
            )
        return upload


def csv_response(queryset, filename):
    response = StreamingHttpResponse(export_lines(queryset), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def export_filename():
    return f"subscribers-{timezone.localtime():%Y-%m-%d}.csv"


@admin.register(Subscriber)
class SubscriberAdmin(BadInputIs400Mixin, admin.ModelAdmin):
    list_display = ("email", "status_badge", "source", "created_at", "confirmed_at")
    list_filter = ("status", "source", "created_at", "confirmed_at")
    search_fields = ("email",)  # icontains: any case
    date_hierarchy = "created_at"
    list_per_page = 100
    show_full_result_count = False
    actions = ["mark_unsubscribed", "export_selected"]
    change_list_template = "admin/digests/subscriber/change_list.html"
    fields = (
        "email",
        "status",
        "source",
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
        "bounced_at",
        "complained_at",
    )
    readonly_fields = (
        "status",
        "source",
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
        "bounced_at",
        "complained_at",
    )

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_readonly_fields(self, request, obj=None):
        # The address is typed once; afterwards it identifies the subscriber.
        return ("email", *self.readonly_fields) if obj else self.readonly_fields

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="digests_subscriber_import"),
            path("export/", wrap(self.export_view), name="digests_subscriber_export"),
            *super().get_urls(),
        ]

    def has_import_permission(self, request):
        return self.has_add_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import": self.has_import_permission(request),
            "filters_query": request.GET.urlencode(),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="status", ordering="status")
    def status_badge(self, subscriber):
        return format_html(
            '<span class="state state--{}">{}</span>',
            subscriber.status,
            subscriber.get_status_display(),
        )

    @admin.action(description="Mark selected subscribers unsubscribed", permissions=["change"])
    def mark_unsubscribed(self, request, queryset):
        now, changed = timezone.now(), 0
        receiving = (Subscriber.Status.PENDING, Subscriber.Status.CONFIRMED)
        for subscriber in queryset.filter(status__in=receiving):
            subscriber.move_to(Subscriber.Status.UNSUBSCRIBED, now=now)
            subscriber.save(update_fields=["status", "unsubscribed_at"])
            changed += 1
        skipped = queryset.count() - changed
        note = (
            f" ({skipped} already unsubscribed, bounced or complained: unchanged)"
            if skipped
            else ""
        )
        self.message_user(request, f"Marked {changed} subscriber(s) unsubscribed{note}.")

    @admin.action(description="Export selected subscribers as CSV", permissions=["view"])
    def export_selected(self, request, queryset):
        return csv_response(queryset, export_filename())

    def export_view(self, request):
        """Everything the list shows with the same filters and search, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            queryset = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("These filters are not valid for subscribers.")
        return csv_response(queryset, export_filename())

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        bound = request.method == "POST"
        form = SubscriberImportForm(
            request.POST if bound else None, request.FILES if bound else None
        )
        status, report = 200, None
        if bound:
            if form.is_valid():
                upload = form.cleaned_data["csv_file"]
                try:
                    report = import_csv(
                        upload.read(),
                        consented=form.cleaned_data["consented"],
                        name=f"“{upload.name}”",
                    )
                except ImportRefused as error:
                    form.add_error("csv_file", str(error))
            if report is None:
                status = 400
            elif report.imported:
                self.message_user(request, f"Imported {report.imported} subscriber(s).")
            else:
                self.message_user(request, "No subscriber was imported.", messages.WARNING)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import subscribers" if report is None else "Subscribers imported",
            "form": form,
            "report": report,
            "shown_refusals": report.refused[:SHOWN_REFUSALS] if report else [],
            "hidden_refusals": max(0, len(report.refused) - SHOWN_REFUSALS) if report else 0,
            "media": self.media + form.media,
        }
        return TemplateResponse(
            request, "admin/digests/subscriber/import.html", context, status=status
        )
