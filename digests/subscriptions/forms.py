"""The Subscribe form: one address, with the comment form's spam defences."""

import time

from django import forms
from django.conf import settings
from django.core import signing

from ..comments.forms import CSRF_MARKER, SHOWN_AT_MARKER, TIMESTAMP_SALT


class SubscribeForm(forms.Form):
    # The same per-reader markers as the comment form (one cached page serves
    # every reader; the page cache fills in each reader's token and form time).
    csrf_marker = CSRF_MARKER
    shown_at_marker = SHOWN_AT_MARKER

    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        error_messages={
            "required": "Please give the address the issues should go to.",
            "invalid": "That doesn't look like an e-mail address (name@example.org).",
        },
    )
    # A field people never see, and a signed time the form was shown.
    website = forms.CharField(required=False, max_length=500)
    shown_at = forms.CharField(required=False, max_length=500)

    def clean_shown_at(self):
        token = self.cleaned_data.get("shown_at") or ""
        try:
            shown = float(signing.loads(token, salt=TIMESTAMP_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            raise forms.ValidationError(
                "This form could not be checked. Please send it again.", code="bad_timestamp"
            ) from None
        age = time.time() - shown
        if age < settings.DIGESTS_SUBSCRIBE_MIN_SECONDS:
            raise forms.ValidationError(
                "That was faster than anyone can type. "
                "Please check your address and send it again.",
                code="too_fast",
            )
        if age > settings.DIGESTS_COMMENT_MAX_AGE:
            raise forms.ValidationError(
                "This page was open for more than two hours, so we ask once more: "
                "please send the form again.",
                code="too_old",
            )
        return shown
