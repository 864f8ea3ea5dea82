"""Model and form fields that normalise arXiv ids as soon as an editor types one."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from ..arxiv.ids import InvalidArxivId, normalize_arxiv_id


def _normalize_or_error(value):
    try:
        return normalize_arxiv_id(value)
    except InvalidArxivId as error:
        raise ValidationError(str(error), code="invalid_arxiv_id") from error


class ArxivIdFormField(forms.CharField):
    """Accepts any arXiv id or URL and cleans it to the bare, canonical id.

    Normalising in the form (not only in the model) matters for inline rows:
    the formset's duplicate check compares cleaned values, so ``2307.03172``
    and ``arxiv.org/abs/2307.03172v2`` are caught as the same paper.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 300)  # a pasted URL is longer than the id
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return _normalize_or_error(value)


class ArxivIdField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in (None, ""):
            return value
        return _normalize_or_error(value)

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", ArxivIdFormField)
        kwargs.setdefault("max_length", 300)  # room for a pasted URL; the id is shorter
        return super().formfield(**kwargs)
