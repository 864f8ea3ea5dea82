"""The reader's comment form, with its spam defences."""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.middleware.csrf import get_token

from ..caching import markers
from .models import Comment
from .text import clean_text

TIMESTAMP_SALT = "digests.comments.form-time"


def form_timestamp(when=None):
    """A signed record of when the form was shown to the reader."""
    return signing.dumps(round(when if when is not None else time.time(), 3), salt=TIMESTAMP_SALT)


# The reader's own values on a page the page cache serves to everyone: the
# cache fills these markers in on every response (digests/caching/markers.py).
CSRF_MARKER = markers.register("csrf", get_token)
SHOWN_AT_MARKER = markers.register("shown-at", lambda request: form_timestamp())


class PlainTextField(forms.CharField):
    """Text cleaned (``text.clean_text``) before any check: one that is empty
    once invisible characters are gone is refused as empty."""

    def __init__(self, *args, name=False, **kwargs):
        self.is_name = name
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        value = clean_text(value, name=self.is_name)
        return " ".join(value.split()) if self.is_name else value.strip()


class CommentForm(forms.Form):
    # What the template prints (unescaped) for the CSRF token and the form's
    # time, filled in per reader, so one cached page serves every reader; on a
    # form shown again after a refusal the clock restarts too.
    csrf_marker = CSRF_MARKER
    shown_at_marker = SHOWN_AT_MARKER

    author_name = PlainTextField(
        name=True,
        label="Name",
        max_length=80,
        error_messages={"required": "Please give a name to show with your comment."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    author_email = forms.EmailField(
        label="E-mail",
        max_length=254,
        help_text="Never shown. Used to recognise you and, if you ask, to tell you about replies.",
        error_messages={
            "required": "Please give your e-mail address; it is never shown.",
            "invalid": "That doesn't look like an e-mail address (name@example.org).",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    body = PlainTextField(
        label="Comment",
        max_length=Comment.BODY_MAX_LENGTH,
        strip=True,
        help_text="Plain text. Line breaks are kept and links become clickable.",
        error_messages={"required": "Please write something before posting."},
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    notify_replies = forms.BooleanField(label="E-mail me replies", required=False)
    # Spam defences: a field people never see and a signed render time.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    shown_at = forms.CharField(widget=forms.HiddenInput, required=False)
    reply_to = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=2**63 - 1
    )

    def __init__(self, *args, editor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editor = editor
        if editor:
            # Signed-in editors post under their own name, approved at once.
            for name in ("author_name", "author_email"):
                self.fields[name].required = False
                self.fields[name].widget = forms.HiddenInput()

    def clean_shown_at(self):
        if self.editor:
            return None
        return check_shown_at(
            self.cleaned_data.get("shown_at"),
            min_seconds=settings.DIGESTS_COMMENT_MIN_SECONDS,
            send="post",
            what="your comment",
            resend="your comment",
        )


def check_shown_at(token, *, min_seconds, send, what, resend):
    """When the form holding ``token`` (its signed ``shown_at``) was shown, or a
    ValidationError when the token is forged, too fresh for a person or too old.
    ``send``, ``what`` and ``resend`` word the messages: “post”, “your comment”,
    “your comment”."""
    try:
        shown = float(signing.loads(token or "", salt=TIMESTAMP_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        raise forms.ValidationError(
            f"This form could not be checked. Please {send} it again.", code="bad_timestamp"
        ) from None
    age = time.time() - shown
    if age < min_seconds:
        raise forms.ValidationError(
            f"That was faster than anyone can type. Please check {what} and {send} it again.",
            code="too_fast",
        )
    if age > settings.DIGESTS_COMMENT_MAX_AGE:
        raise forms.ValidationError(
            "This page was open for more than two hours, so we ask once more: "
            f"please {send} {resend} again.",
            code="too_old",
        )
    return shown
