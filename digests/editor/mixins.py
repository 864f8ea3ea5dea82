"""Behaviour every admin of ours shares."""


class BadInputIs400Mixin:
    """A refused form answers 400, not 200: the editor's input stays in the form."""

    def changeform_view(self, request, *args, **kwargs):
        response = super().changeform_view(request, *args, **kwargs)
        context = getattr(response, "context_data", None) or {}
        if request.method == "POST" and context.get("errors"):
            response.status_code = 400
        return response
