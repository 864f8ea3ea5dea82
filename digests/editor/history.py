"""History in the admin: each saved version says, in the admin's own words, what changed."""

import json

from django.contrib.admin.models import LogEntry
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose records carry the admin's change message as their reason.

    An issue saved with edited papers then reads “Changed Annotation and Tags
    for paper “…”.” in the issue's history, not just “Changed”."""

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        raw = message if isinstance(message, str) else json.dumps(message)
        text = LogEntry(change_message=raw).get_change_message()
        latest = obj.history.first()
        mine = latest is not None and latest.history_user_id == request.user.pk
        if text and mine and not latest.history_change_reason:
            reason_field = latest._meta.get_field("history_change_reason")
            latest.history_change_reason = Truncator(text).chars(reason_field.max_length)
            latest.save(update_fields=["history_change_reason"])
        return entry
