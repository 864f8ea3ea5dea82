"""The coverage checklist panel on an issue's admin page."""

from . import checklist


class ChecklistAdminMixin:
    """Adds ``checklist`` to the change form of a saved issue (shown above the form)."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["checklist"] = checklist.for_issue(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)
