"""What a subscriber receives: the issue's e-mail export (CSS inlined) and a
plain-text part, each with the subscriber's own unsubscribe link, the RFC 8058
headers and a Message-ID that stays the same when a message is retried.

An :class:`Edition` renders the issue once; each subscriber's message only
puts their unsubscribe link into it, so a delivery of 100,000 messages renders
the issue once per task, not once per message.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from ..arxiv.ids import abs_url
from ..drafts import export
from ..subscriptions.mail import list_unsubscribe_headers, unsubscribe_url
from .lines import short_html_lines, short_lines

# Stands for the subscriber's unsubscribe link while the issue is rendered once.
# Only letters, digits and dots: HTML escaping and CSS inlining leave it alone.
PLACEHOLDER = "https://unsubscribe.invalid/digests.placeholder"


def plain_text(issue, *, unsubscribe_url=""):
    """The issue as plain text: the editor's Markdown, which reads as text."""
    sections = [
        (
            section,
            [
                {
                    "paper": paper,
                    "url": export.site_url(paper.get_absolute_url()),
                    "abs_url": abs_url(paper.arxiv_id),
                    "annotation": export.text_block(paper.annotation),
                }
                for paper in papers
            ],
        )
        for section, papers in export.papers_by_section(issue)
    ]
    text = render_to_string(
        "digests/export/issue_email.txt",
        {
            "issue": issue,
            "rule": "=" * min(len(issue.title), 72),
            "issue_url": export.site_url(issue.get_absolute_url()),
            "home_url": export.site_url("/"),
            "intro": export.text_block(issue.intro),
            "closing_note": export.text_block(issue.closing_note),
            "sections": sections,
            "site_name": settings.DIGESTS_SITE_NAME,
            "unsubscribe_url": unsubscribe_url,
        },
    )
    return short_lines(text)


def mail_domain():
    return urlsplit(settings.DIGESTS_SITE_URL).hostname or "localhost"


@dataclass(frozen=True)
class Edition:
    issue_id: int
    subject: str
    html: str
    text: str

    @classmethod
    def of(cls, issue):
        return cls(
            issue_id=issue.pk,
            subject=issue.title,
            html=short_html_lines(export.issue_email_html(issue, unsubscribe_url=PLACEHOLDER)),
            text=plain_text(issue, unsubscribe_url=PLACEHOLDER),
        )

    def message_id(self, delivery_id, subscriber_id):
        """The same for every attempt at one subscriber's copy, so a receiving
        server that sees it twice can tell."""
        return f"<issue{self.issue_id}.delivery{delivery_id}.s{subscriber_id}@{mail_domain()}>"

    def message(self, subscriber, *, delivery_id, connection=None):
        link = unsubscribe_url(subscriber)
        headers = list_unsubscribe_headers(subscriber, url=link)
        headers["Message-ID"] = self.message_id(delivery_id, subscriber.pk)
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.text.replace(PLACEHOLDER, link),
            to=[subscriber.email],
            headers=headers,
            connection=connection,
        )
        message.attach_alternative(self.html.replace(PLACEHOLDER, link), "text/html")
        return message

    def test_message(self, address, *, connection=None):
        """A copy for the editor: marked as a test, with a placeholder unsubscribe link."""
        message = EmailMultiAlternatives(
            subject=f"[Test] {self.subject}",
            body=self.text,
            to=[address],
            connection=connection,
        )
        message.attach_alternative(self.html, "text/html")
        return message
