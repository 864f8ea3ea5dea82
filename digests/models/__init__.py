"""The app's models, where Django looks for them.

Content (sections, issues, papers, tags) lives beside this file; comments
live with their rules in ``digests/comments/``. Who may see what is decided
in ``digests/visibility.py`` and the QuerySet methods built on it.
"""

from ..comments.models import BlockedTerm, Comment
from ..newsletter.models import Delivery, Message
from ..subscriptions.models import Subscriber
from .authors import Author, Authorship, public_authors
from .issues import Issue
from .papers import Paper
from .sections import Section, public_sections
from .tags import TaggedPaper, TagRedirect, public_tags

__all__ = [
    "Author",
    "Authorship",
    "BlockedTerm",
    "Comment",
    "Delivery",
    "Issue",
    "Message",
    "Paper",
    "Section",
    "Subscriber",
    "TagRedirect",
    "TaggedPaper",
    "public_authors",
    "public_sections",
    "public_tags",
]
