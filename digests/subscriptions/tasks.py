"""The confirmation mail, sent by the task queue: the Subscribe form's request
only asks for it, so its answer and the time it takes are the same whether
the address is mailed now, was mailed a minute ago, or the mail server is down.

The task reads the subscriber when it runs (someone who confirmed in the
meantime gets the "already subscribed" note) and keeps the resend interval:
one mail per address per ``DIGESTS_SUBSCRIBE_RESEND_MINUTES``, counted when
the first try runs. A try again after a temporary failure (``mail_retry``)
is the same mail, not a new one, so the interval does not hold it back.
"""

from django.utils import timezone
from django_tasks import task

from .. import mail_retry
from . import limits, mail
from .models import Subscriber


@task()
def mail_confirmation(subscriber_id, attempt=0):
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        return
    if attempt == 0 and not limits.may_mail(subscriber.email):
        return
    try:
        mail.send_confirmation(subscriber)
    except Exception as error:
        mail_retry.after_failure(
            mail_confirmation, attempt, error, f"subscription mail to subscriber {subscriber_id}",
            subscriber_id,
        )
        return
    if subscriber.status != Subscriber.Status.CONFIRMED:
        Subscriber.objects.filter(pk=subscriber.pk).update(confirmation_sent_at=timezone.now())
