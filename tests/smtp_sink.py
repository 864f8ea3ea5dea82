"""A real SMTP server for tests: aiosmtpd on a free local port, keeping every message."""

import contextlib
import email
import email.policy

from aiosmtpd.controller import Controller

from .servers import free_port


class Sink:
    """Keeps every message. ``refuse`` maps an address to the reply its RCPT
    gets instead of 250 (e.g. "550 5.1.1 No such user", "451 4.3.0 Try later")."""

    def __init__(self):
        self.messages = []
        self.refuse = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.refuse.get(address.casefold())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@contextlib.contextmanager
def smtp_server(settings):
    """Start a sink and point Django's mail at it (``settings`` is pytest-django's)."""
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield sink
    finally:
        controller.stop()


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()
