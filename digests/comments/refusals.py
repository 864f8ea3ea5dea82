"""The one way a comment rule says no."""

from dataclasses import dataclass


@dataclass
class CommentRefused(Exception):
    """A submission the rules refuse; the view shows ``message`` beside the kept text."""

    message: str
    status: int = 400
    retry_after: int | None = None

    def __str__(self):
        return self.message
