"""The Subscribe box in every page's footer gets the Subscribe form's
per-reader markers (its CSRF token and signed time): one cached copy of a
page serves every reader, and the page cache fills them in per response."""

from .forms import SubscribeForm


def subscribe_box(request):
    return {
        "subscribe_box": {
            "csrf": SubscribeForm.csrf_marker,
            "shown_at": SubscribeForm.shown_at_marker,
        }
    }
