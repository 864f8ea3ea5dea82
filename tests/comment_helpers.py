import time

from digests.comments.forms import form_timestamp


def form_data(**overrides):
    """What the comment form sends, as if the reader had it open for a minute."""
    data = {
        "author_name": "Ada Reader",
        "author_email": "ada@example.org",
        "body": "Nice update!",
        "website": "",
        "shown_at": form_timestamp(time.time() - 60),
        "reply_to": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_comment(client, url, ip="192.0.2.10", **overrides):
    return client.post(url, form_data(**overrides), REMOTE_ADDR=ip)
