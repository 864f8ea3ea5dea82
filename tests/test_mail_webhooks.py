"""Bounce and complaint reports of e-mail services (issue 19, item 5): each
service's webhook, as django-anymail receives it, marks the subscriber; a
wrong secret changes nothing, and neither does an unknown address.

The payloads are written here in the shape each service documents."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from digests.newsletter.models import Delivery, Message
from digests.subscriptions.models import Subscriber

from .factories import IssueFactory

pytestmark = [
    pytest.mark.django_db,
    # Anymail keeps SendGrid's webhook but no longer tests it against SendGrid itself.
    pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning"),
]

SECRET = "hooks:correct-horse-battery"
MAILGUN_KEY = "mailgun-signing-key-for-tests"


@pytest.fixture(autouse=True)
def webhook_secrets(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}


@pytest.fixture
def ada():
    subscriber = Subscriber(email="Ada@Example.org")
    subscriber.move_to(Subscriber.Status.CONFIRMED, now=timezone.now() - timedelta(days=30))
    subscriber.save()
    return subscriber


def auth(secret=SECRET):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def iso(when=None):
    return (when or timezone.now()).isoformat().replace("+00:00", "Z")


# --- Each service's own shape ------------------------------------------------------------------


def postmark(record_type="Bounce", kind="HardBounce", email="ada@example.org", when=None):
    body = {
        "RecordType": record_type,
        "MessageStream": "outbound",
        "ID": 4323372036854775807,
        "Type": kind,
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message.",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "From": "digests@example.org",
        "BouncedAt": iso(when),
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Research Highlights",
    }
    return "/anymail/postmark/tracking/", json.dumps(body), {}


def mailgun(event="failed", severity="permanent", email="ada@example.org", key=MAILGUN_KEY):
    timestamp, token = str(int(timezone.now().timestamp())), "a" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    body = {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature.hexdigest()},
        "event-data": {
            "id": "G9Bn5sl1TC6nu79C8C0bwg",
            "event": event,
            "severity": severity,
            "reason": "bounce",
            "recipient": email,
            "timestamp": timezone.now().timestamp(),
            "log-level": "error",
            "message": {"headers": {"to": email, "message-id": "issue1.delivery1.s1@example.org"}},
            "delivery-status": {"code": 550, "message": "5.1.1 No such user", "description": ""},
        },
    }
    return "/anymail/mailgun/tracking/", json.dumps(body), {}


def amazon_ses(kind="Bounce", bounce_type="Permanent", email="ada@example.org"):
    ses_event = {
        "notificationType": kind,
        "mail": {
            "timestamp": iso(),
            "messageId": "0100017c1f4e8e0a-5bd1e0a4-example-000000",
            "source": "digests@example.org",
            "destination": [email],
            "headers": [],
        },
    }
    if kind == "Bounce":
        ses_event["bounce"] = {
            "bounceType": bounce_type,
            "bounceSubType": "General",
            "bouncedRecipients": [
                {"emailAddress": email, "diagnosticCode": "smtp; 550 5.1.1 user unknown"}
            ],
            "timestamp": iso(),
            "feedbackId": "0100017c1f4e8f5d-feedback",
        }
    else:
        ses_event["complaint"] = {
            "complainedRecipients": [{"emailAddress": email}],
            "complaintFeedbackType": "abuse",
            "timestamp": iso(),
            "feedbackId": "0100017c1f4e8f5d-feedback",
        }
    sns = {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:eu-west-1:123456789012:digests-bounces",
        "Message": json.dumps(ses_event),
        "Timestamp": iso(),
        "SignatureVersion": "1",
        "Signature": "EXAMPLE",
        "SigningCertURL": "https://sns.eu-west-1.amazonaws.com/cert.pem",
    }
    headers = {
        "HTTP_X_AMZ_SNS_MESSAGE_TYPE": "Notification",
        "HTTP_X_AMZ_SNS_MESSAGE_ID": sns["MessageId"],
        "HTTP_X_AMZ_SNS_TOPIC_ARN": sns["TopicArn"],
    }
    return "/anymail/amazon_ses/tracking/", json.dumps(sns), headers


def sendgrid(event="bounce", kind="bounce", email="ada@example.org"):
    body = [
        {
            "email": email,
            "timestamp": int(timezone.now().timestamp()),
            "event": event,
            "type": kind,
            "reason": "550 5.1.1 The email account that you tried to reach does not exist.",
            "status": "5.1.1",
            "sg_event_id": "ZGVsaXZlcmVkLTAtMjQ5NDc0OTY2",
            "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
            "smtp-id": "<issue1.delivery1.s1@example.org>",
        }
    ]
    return "/anymail/sendgrid/tracking/", json.dumps(body), {}


def brevo(event="hard_bounce", email="ada@example.org"):
    body = {
        "event": event,
        "email": email,
        "id": 123456,
        "date": "2026-01-05 12:00:00",
        "ts": int(timezone.now().timestamp()),
        "ts_epoch": int(timezone.now().timestamp() * 1000),
        "message-id": "<issue1.delivery1.s1@example.org>",
        "reason": "550 5.1.1 user unknown",
        "tag": "",
    }
    return "/anymail/brevo/tracking/", json.dumps(body), {}


def post(client, hook, secret=SECRET):
    url, body, headers = hook
    return client.post(url, body, content_type="application/json", **auth(secret), **headers)


@pytest.mark.parametrize(
    ("hook", "status"),
    [
        (postmark(), "bounced"),
        (postmark("SpamComplaint", "SpamComplaint"), "complained"),
        (mailgun(), "bounced"),
        (mailgun("complained"), "complained"),
        (mailgun("unsubscribed"), "unsubscribed"),
        (amazon_ses(), "bounced"),
        (amazon_ses("Complaint"), "complained"),
        (sendgrid(), "bounced"),
        (sendgrid("spamreport", ""), "complained"),
        (sendgrid("dropped", "Bounced Address"), "bounced"),  # kept off after an earlier bounce
        (brevo(), "bounced"),
        (brevo("unsubscribe"), "unsubscribed"),
    ],
    ids=lambda value: value if isinstance(value, str) else value[0].split("/")[2],
)
def test_each_service_marks_the_subscriber(client, ada, hook, status):
    response = post(client, hook)
    assert response.status_code == 200
    ada.refresh_from_db()
    assert ada.status == status
    assert getattr(ada, Subscriber.STAMPS[status]) > timezone.now() - timedelta(minutes=1)


@pytest.mark.parametrize(
    "hook",
    [
        postmark(kind="SoftBounce"),
        mailgun(severity="temporary"),
        amazon_ses(bounce_type="Transient"),
        sendgrid(kind="blocked"),
        brevo("soft_bounce"),
        postmark("Delivery", "Delivery"),
    ],
    ids=["postmark", "mailgun", "amazon_ses", "sendgrid", "brevo", "delivered"],
)
def test_a_temporary_bounce_or_a_delivery_changes_nothing(client, ada, hook):
    assert post(client, hook).status_code == 200
    ada.refresh_from_db()
    assert ada.status == "confirmed" and ada.bounced_at is None


def test_a_bounce_marks_the_last_issue_sent_to_the_address(client, ada):
    older, newer = IssueFactory(), IssueFactory()
    rows = []
    for days, issue in ((20, older), (2, newer)):
        delivery = Delivery.objects.create(issue=issue, status=Delivery.Status.DONE)
        rows.append(
            Message.objects.create(
                delivery=delivery,
                subscriber=ada,
                status=Message.Status.SENT,
                sent_at=timezone.now() - timedelta(days=days),
            )
        )
    assert post(client, postmark()).status_code == 200
    first, last = (Message.objects.get(pk=row.pk) for row in rows)
    assert first.status == "sent"
    assert last.status == "bounced" and last.error.startswith("Postmark: smtp;550 5.1.1")


# --- What changes nothing ----------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["hooks:wrong", "", "hooks:correct-horse-battery-staple"])
def test_a_wrong_secret_is_refused_and_changes_nothing(client, ada, secret):
    for hook in (postmark(), sendgrid(), brevo(), mailgun()):
        response = post(client, hook, secret=secret)
        assert response.status_code == 400
    ada.refresh_from_db()
    assert ada.status == "confirmed"


def test_amazon_sns_is_asked_for_its_credentials_first(client, ada):
    url, body, headers = amazon_ses()
    response = client.post(url, body, content_type="application/json", **headers)
    assert response.status_code == 401 and "Basic" in response["WWW-Authenticate"]
    assert Subscriber.objects.get().status == "confirmed"


def test_a_mailgun_call_without_its_signature_is_refused(client, ada):
    response = post(client, mailgun(key="someone-elses-key"))
    assert response.status_code == 400
    assert Subscriber.objects.get().status == "confirmed"


def test_without_a_configured_secret_every_call_is_refused(client, ada, settings):
    from config import settings as configured

    settings.ANYMAIL = configured.ANYMAIL  # as the site starts with no ANYMAIL_WEBHOOK_SECRET
    for guess in (SECRET, "closed:", ""):
        assert post(client, postmark(), secret=guess).status_code == 400
    assert post(client, mailgun()).status_code == 400
    assert Subscriber.objects.get().status == "confirmed"


def test_an_unknown_address_is_answered_and_ignored(client, ada):
    for hook in (postmark(email="nobody@example.org"), mailgun("complained", email="x@y.org")):
        assert post(client, hook).status_code == 200
    assert list(Subscriber.objects.values_list("email", "status")) == [
        ("Ada@Example.org", "confirmed")
    ]


def test_a_report_older_than_the_last_confirmation_is_ignored(client, ada):
    hook = postmark(when=ada.confirmed_at - timedelta(days=1))  # mail from before resubscribing
    assert post(client, hook).status_code == 200
    ada.refresh_from_db()
    assert ada.status == "confirmed"


def test_an_unsubscribed_address_stays_unsubscribed(client, ada):
    ada.move_to(Subscriber.Status.UNSUBSCRIBED)
    ada.save()
    post(client, postmark("SpamComplaint", "SpamComplaint"))
    ada.refresh_from_db()
    assert ada.status == "unsubscribed"


def test_only_the_tracking_webhooks_are_served(client):
    for url in ("/anymail/postmark/inbound/", "/anymail/mandrill/", "/anymail/postal/tracking/"):
        assert client.post(url, "{}", content_type="application/json", **auth()).status_code == 404
    assert client.head("/anymail/postmark/tracking/").status_code == 200  # services check it
