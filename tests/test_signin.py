"""Admin sign-in: wrong passwords lock a username out for a while (django-axes);
passwords must be good ones."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from .conftest import PASSWORD
from .factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def signin_lockout(settings):
    settings.AXES_ENABLED = True


@pytest.fixture
def chief(db):
    return UserFactory(username="chief", is_staff=True, is_superuser=True)


def sign_in(client, password, address="203.0.113.7", username="chief"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, times, **kwargs):
    for _ in range(times):
        response = sign_in(client, "wrong password", **kwargs)
        assert response.status_code == 200  # the form again, with its error
        assert "Please enter the correct username and password" in response.content.decode()


def test_five_wrong_passwords_lock_the_username_out_with_a_friendly_page(client, chief):
    fail(client, 4)
    response = sign_in(client, "wrong password")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many wrong passwords" in page
    assert "After 5 failed attempts" in page and "for 15 minutes" in page
    assert response["Retry-After"] == str(15 * 60)
    assert "no-store" in response["Cache-Control"]
    # Even the right password is refused while the lock lasts.
    response = sign_in(client, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_for_the_cool_off_then_lifts(client, chief):
    with freeze_time() as clock:
        fail(client, 4)
        assert sign_in(client, "wrong password").status_code == 429
        clock.tick(timedelta(minutes=14))
        assert sign_in(client, PASSWORD).status_code == 429
        clock.tick(timedelta(minutes=16))
        response = sign_in(client, PASSWORD)
        assert response.status_code == 302 and response["Location"] == "/admin/"


def test_signing_in_forgives_earlier_mistakes(client, chief):
    fail(client, 4)
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()
    fail(client, 4)  # counted from zero again: four more are not a lock
    assert sign_in(client, PASSWORD).status_code == 302


def test_the_lock_is_per_username_and_address(client, chief):
    """Someone guessing from elsewhere cannot lock the editor out of their own desk."""
    fail(client, 4, address="198.51.100.9")
    assert sign_in(client, "wrong password", address="198.51.100.9").status_code == 429
    response = sign_in(client, PASSWORD, address="203.0.113.7")
    assert response.status_code == 302


def test_behind_a_proxy_the_readers_address_counts(client, chief, settings):
    settings.DIGESTS_TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        client.post(
            LOGIN,
            {"username": "chief", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.9",
        )
    other_reader = client.post(
        LOGIN,
        {"username": "chief", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert other_reader.status_code == 302


@pytest.mark.parametrize(
    "password", ["short1", "password123", "12345678901234", "chief@example.org"]
)
def test_weak_passwords_are_refused(password, chief):
    with pytest.raises(ValidationError):
        validate_password(password, user=chief)


def test_a_weak_password_is_refused_in_the_admin_with_a_message(client, chief):
    client.force_login(chief)
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "newcomer",
            "password1": "password",
            "password2": "password",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert "This password is too common" in response.content.decode()
