"""Real gunicorn processes for tests that must cross process boundaries."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_available(url="redis://127.0.0.1:6379/0"):
    try:
        import redis

        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return False


def project_env(**extra):
    """The process environment for a site instance: production-like, no debug."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key != "DATABASE_URL"
    }
    env.update({"DJANGO_DEBUG": "0", "PYTHONUNBUFFERED": "1"}, **extra)
    return env


def manage(*args, env=None, input=None, check=True, timeout=180):
    """``python manage.py *args`` in a process of its own, as an operator runs it.

    ``env`` is the whole environment of that process (``project_env()`` when not
    given: give it a ``DIGESTS_VAR_DIR`` of the test's own before touching a
    database); ``input`` is text for its standard input. Returns the completed
    process, its output captured as text. With ``check`` (the default) a non-zero
    exit fails the test with the command's error output; ``check=False`` is for
    tests about how a command fails."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=project_env() if env is None else env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} exited with {result.returncode}:\n{result.stderr}"
        )
    return result


@contextlib.contextmanager
def gunicorn(env, workers=1):
    """Serve the project on a free loopback port; yields the base URL."""
    with gunicorn_process(env, workers) as (_, port):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def gunicorn_process(env, workers=1):
    """``gunicorn``, yielding its master process and its port once it answers."""
    port = free_port()
    log = open(Path(env["DIGESTS_VAR_DIR"]) / f"gunicorn-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "config.wsgi",
            "-c",
            "config/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/static/css/site.css", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log.name}") from None
                time.sleep(0.2)
        yield process, port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def demo_site(var, secret, **extra):
    """The environment of a demo site on SQLite in ``var``, set up as `make
    run` sets one up (migrate, cache tables, static files, the demo issue)."""
    env = project_env(
        SECRET_KEY=secret,
        DIGESTS_VAR_DIR=str(var),
        DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}",
        CACHE_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        COMMENTS_CLOSE_AFTER_DAYS="0",
        **extra,
    )
    for command in (["migrate", "--noinput"], ["createcachetable"], ["collectstatic", "--noinput"]):
        manage(*command, env=env)
    manage("load_demo", env=env)
    return env
