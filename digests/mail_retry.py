"""A mail task that meets a temporary failure enqueues itself again, later.

A reply in the 500s is final: the server refuses the address or the message,
and asking again changes nothing. Anything else on the way (the connection
refused, dropped or timed out, a 4xx "try later") is worth another try, after
a wait that grows: 1 minute, 5, 30, 2 hours, 6 hours. After that the mail is
given up (logged by the caller).

A task is tried again only on a backend that can run it later (``run_after``:
the database queue; RQ, whose workers must then run with ``--with-scheduler``).
The immediate backend of the tests cannot, so there a failure is only logged.
Task arguments stay JSON: the ids the task was given and ``attempt``.
"""

import logging
from datetime import timedelta

from django.utils import timezone

WAITS = (60, 300, 1800, 7200, 21600)

log = logging.getLogger(__name__)


def smtp_code(error):
    """The SMTP reply code of a refusal (the highest, for several addresses), if any."""
    recipients = getattr(error, "recipients", None)  # smtplib.SMTPRecipientsRefused
    if isinstance(recipients, dict) and recipients:
        return max(code for code, _ in recipients.values())
    return getattr(error, "smtp_code", None)


def is_temporary(error):
    """True for a failure that may pass: the network, or the server's 4xx."""
    if not isinstance(error, OSError):  # smtplib's errors are OSErrors too
        return False
    code = smtp_code(error)
    return code is None or code < 500


def try_again(a_task, attempt, *args, **kwargs):
    """Enqueue ``a_task`` once more, after the wait for this ``attempt`` (0 for
    the first run). Returns the enqueued result, or None when no try is left
    or the backend cannot wait."""
    if attempt >= len(WAITS) or not a_task.get_backend().supports_defer:
        return None
    when = timezone.now() + timedelta(seconds=WAITS[attempt])
    return a_task.using(run_after=when).enqueue(*args, attempt=attempt + 1, **kwargs)


def after_failure(a_task, attempt, error, what, *args, **kwargs):
    """A mail task's send failed: enqueue it again if the failure may pass and
    a try is left, and log which it was. ``what`` names the mail in the log."""
    again = is_temporary(error) and try_again(a_task, attempt, *args, **kwargs)
    log.warning("%s failed (%s): %s", what, "will retry" if again else "given up", error)
    return bool(again)
