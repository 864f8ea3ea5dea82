import json

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "limits": "ok",
    }
    assert "no-store" in response["Cache-Control"]


def test_healthz_says_503_when_the_cache_is_down_and_names_no_host(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://secret-host.invalid:1/0",
        },
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body == {"status": "failing", "database": "ok", "cache": "failing", "limits": "ok"}
    assert b"secret-host" not in response.content


def test_every_response_carries_a_permissions_policy(client):
    for url in ["/", "/healthz", "/feed/", "/no-such-page/"]:
        assert "camera=()" in client.get(url)["Permissions-Policy"]


@pytest.mark.parametrize("visit", ["first (rendered)", "second (from the page cache)"])
def test_security_headers_on_pages(client, visit):
    response = client.get("/")
    if visit.startswith("second"):
        response = client.get("/")
        assert response["X-Page-Cache"] == "hit"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
