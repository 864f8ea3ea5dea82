"""Settings come from the environment; production refuses to start half-configured."""

import os

import pytest

from .servers import manage


def run_command(args, env, tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    clean.pop("SECRET_KEY", None)
    clean.pop("ALLOWED_HOSTS", None)
    clean.update({"DIGESTS_VAR_DIR": str(tmp_path / "var"), **env})
    return manage(*args, env=clean, check=False)


def run_check(env, tmp_path):
    return run_command(["check"], env, tmp_path)


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL"),
        ({"SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS, DATABASE_URL"),
        ({"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "example.org"}, "DATABASE_URL"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(env, missing, tmp_path):
    result = run_check({"DJANGO_ENV": "production", **env}, tmp_path)
    assert result.returncode != 0
    assert f"DJANGO_ENV=production needs these environment variables: {missing}" in result.stderr


def test_development_generates_a_private_secret_key_once(tmp_path):
    first = run_check({}, tmp_path)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "var" / "secret_key"
    key = key_file.read_text()
    assert len(key.strip()) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600
    run_check({}, tmp_path)
    assert key_file.read_text() == key


def debug_value(env, tmp_path):
    result = run_command(
        ["shell", "-c", "from django.conf import settings; print(settings.DEBUG)"], env, tmp_path
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "False"),
        ({"DJANGO_DEBUG": "0"}, "False"),
        ({"DJANGO_DEBUG": "1"}, "True"),
        (
            {
                "DJANGO_DEBUG": "1",
                "DJANGO_ENV": "production",
                "SECRET_KEY": "x" * 60,
                "ALLOWED_HOSTS": "example.org",
                "DATABASE_URL": "sqlite:///:memory:",
            },
            "False",
        ),
    ],
)
def test_debug_is_off_unless_asked_for_and_never_in_production(env, expected, tmp_path):
    assert debug_value(env, tmp_path) == expected


@pytest.mark.parametrize(
    ("env", "backend", "content_version"),
    [
        ({}, "django.core.cache.backends.db.DatabaseCache", "file"),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/0"},
            "django.core.cache.backends.redis.RedisCache",
            "redis",
        ),
    ],
)
def test_the_cache_and_the_content_version_are_shared_by_every_worker(
    env, backend, content_version, tmp_path
):
    """Rate limits and the page cache's version must hold across gunicorn workers:
    never a per-process cache. Without Redis (one machine) the version is a file
    every process reads; with Redis it lives there, for any number of machines."""
    code = (
        "from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.DIGESTS_CONTENT_VERSION)"
    )
    result = run_command(["shell", "-c", code], env, tmp_path)
    assert result.stdout.strip().splitlines()[-1].split() == [backend, content_version]


PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k9#Vq2!x" * 8,
    "ALLOWED_HOSTS": "digest.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


def test_production_passes_the_deployment_checklist(tmp_path):
    result = run_command(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deployment_checklist_catches_a_weakened_setting(tmp_path):
    """The check above is not silenced wholesale: turning HTTPS redirects off fails it."""
    env = {**PRODUCTION, "SECURE_SSL_REDIRECT": "0"}
    result = run_command(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode != 0
    assert "security.W008" in result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "9123"}, "http://127.0.0.1:9123"),  # make run PORT=9123
        ({"PORT": "9123", "SITE_URL": "https://digest.example.org"}, "https://digest.example.org"),
    ],
)
def test_links_in_e_mails_follow_the_port_the_site_is_served_on(env, expected, tmp_path):
    env = {"PORT": "", "SITE_URL": "", **env}
    code = "from django.conf import settings; print(settings.DIGESTS_SITE_URL)"
    result = run_command(["shell", "-c", code], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


@pytest.mark.parametrize(
    ("env", "limits"),
    [
        ({}, "django.core.cache.backends.db.DatabaseCache digests_limits None"),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/0", "CACHE_KEY_PREFIX": "site"},
            "django.core.cache.backends.redis.RedisCache redis://127.0.0.1:6379/0 site:limits",
        ),
    ],
)
def test_limits_live_apart_from_the_page_cache(env, limits, tmp_path):
    """Rate limits in a store of their own, which no amount of page entries culls."""
    code = (
        "from django.conf import settings; c = settings.CACHES; "
        "print(c['limits']['BACKEND'], c['limits']['LOCATION'], c['limits'].get('KEY_PREFIX')); "
        "print(c['default']['LOCATION'] != c['limits']['LOCATION'] "
        "or c['default']['KEY_PREFIX'] != c['limits']['KEY_PREFIX'])"
    )
    result = run_command(["shell", "-c", code], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-2:] == [limits, "True"]
