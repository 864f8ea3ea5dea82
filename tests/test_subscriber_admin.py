"""Subscribers in the admin: list, home counts, CSV import and export."""

import csv
import io
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from digests.models import Subscriber
from digests.subscriptions.csv_io import MAX_BYTES

from .factories import UserFactory

pytestmark = pytest.mark.django_db
LIST = reverse("admin:digests_subscriber_changelist")
IMPORT = reverse("admin:digests_subscriber_import")
EXPORT = reverse("admin:digests_subscriber_export")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def add(email, status="confirmed", source="form", **kwargs):
    subscriber = Subscriber(email=email, source=source, **kwargs)
    subscriber.move_to(status)
    subscriber.save()
    return subscriber


def upload(client, content, consented=False, name="list.csv"):
    if isinstance(content, str):
        content = content.encode()
    data = {"csv_file": SimpleUploadedFile(name, content, content_type="text/csv")}
    if consented:
        data["consented"] = "on"
    return client.post(IMPORT, data)


def listed(response):
    return [s.email for s in response.context["cl"].result_list]


def streamed(response):
    return b"".join(response.streaming_content).decode("utf-8-sig")


# The list


def test_list_filters_by_status_source_and_date(admin_client):
    add("a@example.com", "confirmed", "form")
    add("b@example.com", "pending", "import")
    old = add("c@example.com", "unsubscribed", "form")
    Subscriber.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    assert listed(admin_client.get(LIST, {"status__exact": "pending"})) == ["b@example.com"]
    assert listed(admin_client.get(LIST, {"source__exact": "import"})) == ["b@example.com"]
    year = (timezone.now() - timedelta(days=400)).year
    assert listed(admin_client.get(LIST, {"created_at__year": year})) == ["c@example.com"]


def test_search_finds_an_address_in_any_case(admin_client):
    add("Ada.Lovelace@Example.com")
    add("someone@else.org")
    assert listed(admin_client.get(LIST, {"q": "ada.LOVELACE@example"})) == [
        "Ada.Lovelace@Example.com"
    ]


def test_timestamps_and_status_cannot_be_edited_by_hand(admin_client):
    subscriber = add("a@example.com", "confirmed")
    before = Subscriber.objects.get(pk=subscriber.pk)
    url = reverse("admin:digests_subscriber_change", args=[subscriber.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="confirmed_at' not in page and 'name="status"' not in page
    admin_client.post(
        url, {"email": "x@example.com", "status": "pending", "confirmed_at_0": "2001-01-01"}
    )
    after = Subscriber.objects.get(pk=subscriber.pk)
    assert (after.email, after.status, after.confirmed_at) == (
        before.email,
        before.status,
        before.confirmed_at,
    )


def test_mark_unsubscribed_sets_the_time_and_leaves_bounced_alone(admin_client):
    receiving = [add("a@example.com"), add("b@example.com", "pending")]
    bounced = add("c@example.com", "bounced")
    admin_client.post(
        LIST,
        {
            "action": "mark_unsubscribed",
            "_selected_action": [s.pk for s in [*receiving, bounced]],
        },
    )
    for subscriber in Subscriber.objects.filter(pk__in=[s.pk for s in receiving]):
        assert subscriber.status == "unsubscribed" and subscriber.unsubscribed_at
    assert Subscriber.objects.get(pk=bounced.pk).status == "bounced"
    assert Subscriber.objects.get(pk=bounced.pk).unsubscribed_at is None


# The admin home


def test_home_shows_counts_by_status_in_one_query(admin_client):
    for n in range(3):
        add(f"c{n}@example.com", "confirmed")
    add("p@example.com", "pending")
    add("u@example.com", "unsubscribed")
    add("b@example.com", "bounced")
    add("s@example.com", "complained")
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Subscribers: " in page
    assert "3 confirmed</a> · " in page and "1 pending</a>" in page
    assert "1 unsubscribed</a>" in page and "2 bounced/complained" in page
    assert sum("digests_subscriber" in q["sql"] for q in queries.captured_queries) == 1


def test_home_hides_counts_from_staff_who_may_not_see_subscribers(client, editor):
    add("a@example.com")
    client.force_login(editor)
    assert "Subscribers: " not in client.get(reverse("admin:index")).content.decode()


# Import


def test_the_list_links_to_import_and_export(admin_client):
    page = admin_client.get(LIST, {"status__exact": "confirmed"}).content.decode()
    assert f'href="{IMPORT}"' in page
    assert f'href="{EXPORT}?status__exact=confirmed"' in page


def test_without_consent_rows_are_imported_pending_and_no_mail_is_sent(admin_client):
    response = upload(admin_client, "Name,E-Mail\nAda,ada@example.com\nBob,bob@example.org\n")
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 addresses imported" in page and "pending" in page
    assert set(Subscriber.objects.values_list("email", "status", "source")) == {
        ("ada@example.com", "pending", "import"),
        ("bob@example.org", "pending", "import"),
    }
    assert Subscriber.objects.filter(confirmed_at__isnull=False).count() == 0
    assert mail.outbox == []


def test_with_consent_rows_are_imported_confirmed(admin_client):
    upload(admin_client, "email\nada@example.com\n", consented=True)
    ada = Subscriber.objects.get()
    assert ada.status == "confirmed" and ada.confirmed_at and ada.source == "import"
    assert mail.outbox == []


def test_semicolons_a_bom_and_an_address_column_without_a_name(admin_client):
    upload(admin_client, "\ufeffAda;ada@example.com;x\nBob;bob@example.org;y\n".encode())
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "ada@example.com",
        "bob@example.org",
    }


def test_hostile_rows_are_reported_by_line_and_nothing_else_changes(admin_client):
    gone = add("gone@example.com", "unsubscribed")
    bounced = add("bounce@example.com", "bounced")
    here = add("here@example.com", "pending")
    rows = [
        "name,email",  # 1
        "ok,good@example.com",  # 2
        "evil,=cmd|' /C calc'!A0",  # 3
        "evil,+SUM(A1)@example.com",  # 4
        "dup,GOOD@Example.com",  # 5
        "nope,not an address",  # 6
        "back,Gone@Example.COM",  # 7
        "bounce,bounce@example.com",  # 8
        "again,HERE@example.com",  # 9
        "nul,nul\x00@example.com",  # 10
        "long," + "a" * 5000 + "@example.com",  # 11
        "long2," + "b" * 300 + "@example.com",  # 12
        "<script>,<script>alert(1)</script>@x.org",  # 13
    ]
    response = upload(admin_client, "\r\n".join(rows))
    assert response.status_code == 200
    refused = {r.line: r.reason for r in response.context["report"].refused}
    assert set(refused) == set(range(3, 14))
    assert "formula" in refused[3] and "formula" in refused[4]
    assert refused[5] == "duplicate of line 2"
    assert refused[6] == "not an e-mail address"
    assert "previously unsubscribed" in refused[7] and "never" in refused[7]
    assert "previously bounced" in refused[8]
    assert "already on the list" in refused[9]
    assert "NUL" in refused[10]
    assert "characters long" in refused[11] and "characters long" in refused[12]
    page = response.content.decode()
    assert "Line 5:" in page and "<script>alert" not in page
    assert Subscriber.objects.count() == 4
    assert Subscriber.objects.get(email="good@example.com").status == "pending"
    for before in (gone, bounced, here):
        after = Subscriber.objects.get(pk=before.pk)
        assert (after.email, after.status, after.created_at) == (
            before.email,
            before.status,
            before.created_at,
        )


def test_previously_unsubscribed_stay_unsubscribed_even_with_consent(admin_client):
    gone = add("Gone@example.com", "unsubscribed")
    response = upload(admin_client, "email\ngone@EXAMPLE.com\nnew@example.com\n", consented=True)
    assert [(r.line, r.reason[:23]) for r in response.context["report"].refused] == [
        (2, "previously unsubscribed")
    ]
    assert Subscriber.objects.get(email="new@example.com").status == "confirmed"
    assert Subscriber.objects.get(pk=gone.pk).status == "unsubscribed"
    assert Subscriber.objects.get(pk=gone.pk).confirmed_at == gone.confirmed_at


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04" + bytes(range(256)) * 20, "not a text file"),
        ("email\nada@example.com\n".encode("utf-16"), "not a text file"),
        ("email\nrené@exämple.com\n".encode("latin-1"), "not UTF-8"),
        (b"", "empty"),
        (b"name,phone\nAda,123\n", "No column of e-mail addresses"),
        (b"email\n" + b"a@example.com\n" * 100_001, "at most 100,000"),
    ],
)
def test_unreadable_files_are_refused_whole_with_a_clear_message(admin_client, content, message):
    add("kept@example.com")
    response = upload(admin_client, content, consented=True)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "checked" in str(response.context["form"]["consented"])  # the choice is kept
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["kept@example.com"]


def test_a_file_over_the_size_limit_is_refused(admin_client):
    response = upload(admin_client, b"email\n" + b"a" * MAX_BYTES)
    assert response.status_code == 400
    assert "at most" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_a_hundred_thousand_rows_import_in_reasonable_time(admin_client):
    add("a7@example.com", "unsubscribed")
    content = "email\n" + "".join(f"a{n}@example.com\n" for n in range(100_000))
    started = time.monotonic()
    response = upload(admin_client, content, consented=True)
    elapsed = time.monotonic() - started
    if elapsed > 30:
        pytest.skip(f"100,000 rows took {elapsed:.1f} s on this machine")
    assert response.status_code == 200
    assert response.context["report"].imported == 99_999
    assert Subscriber.objects.filter(status="confirmed").count() == 99_999
    print(f"100,000-row import: {elapsed:.1f} s")


# Export


def test_export_of_the_filtered_list_with_formulas_defused(admin_client):
    add("=HYPERLINK(1)@example.com", "confirmed")
    add("+plus@example.com", "confirmed")
    add("plain@example.com", "confirmed")
    add("gone@example.com", "unsubscribed")
    response = admin_client.get(EXPORT, {"status__exact": "confirmed"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(streamed(response))))
    assert rows[0] == [
        "email",
        "status",
        "source",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    assert [row[0] for row in rows[1:]] == [
        "'=HYPERLINK(1)@example.com",
        "'+plus@example.com",
        "plain@example.com",
    ]
    assert all(row[1] == "confirmed" and row[4] for row in rows[1:])


def test_export_selected_action(admin_client):
    chosen = add("chosen@example.com")
    add("other@example.com")
    response = admin_client.post(
        LIST, {"action": "export_selected", "_selected_action": [chosen.pk]}
    )
    rows = list(csv.reader(io.StringIO(streamed(response))))
    assert [row[0] for row in rows] == ["email", "chosen@example.com"]


def test_export_with_bad_filters_is_a_400(admin_client):
    assert admin_client.get(EXPORT, {"nosuchfield__in": "x"}).status_code == 400


# Permissions


@pytest.mark.parametrize("url", [LIST, IMPORT, EXPORT])
def test_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert upload(client, "email\na@example.com\n").status_code == 302
    assert not Subscriber.objects.exists()


def test_staff_without_permission_get_403(client, staff_without_permission):
    client.force_login(staff_without_permission)
    for url in (LIST, IMPORT, EXPORT):
        assert client.get(url).status_code == 403
    assert upload(client, "email\na@example.com\n").status_code == 403
    assert not Subscriber.objects.exists()


def test_a_viewer_may_export_but_not_import(client):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_subscriber"))
    add("a@example.com")
    client.force_login(viewer)
    assert IMPORT not in client.get(LIST).content.decode()
    assert "a@example.com" in streamed(client.get(EXPORT))
    assert upload(client, "email\nb@example.com\n").status_code == 403
    assert Subscriber.objects.count() == 1
