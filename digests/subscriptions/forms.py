"""The Subscribe form: one address, with the comment form's spam defences."""

from django import forms
from django.conf import settings

from ..comments.forms import CSRF_MARKER, SHOWN_AT_MARKER, check_shown_at


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
        return check_shown_at(
            self.cleaned_data.get("shown_at"),
            min_seconds=settings.DIGESTS_SUBSCRIBE_MIN_SECONDS,
            send="send",
            what="your address",
            resend="the form",
        )
