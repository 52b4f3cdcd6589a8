"""Real parts for the worker tests: a Celery worker process on Redis, an aiosmtpd server.

Each test runs in a committed transaction (django_db(transaction=True)), so the
worker process, connected to the same test database, sees the rows the test wrote.
The in-process producer publishes to the same Redis instead of running tasks eagerly.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from trafficking_training.celery import app as celery_app

from .smtp_sink import SmtpSink, free_port

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll until predicate() is true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")


def worker_database_url() -> str:
    db = connection.settings_dict
    auth = quote(db.get("USER") or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"


class Workers:
    """Start, SIGKILL and clean up Celery worker processes (each its own process group)."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.env = env
        self.running: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self, **extra_env: str) -> subprocess.Popen:
        log_path = self.tmp_path / f"worker-{len(self.logs)}.log"
        self.logs.append(log_path)
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [
                    CELERY,
                    "-A",
                    "trafficking_training",
                    "worker",
                    "-Q",
                    "default,email,pdf",
                    "-c",
                    "2",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "-l",
                    "INFO",
                    "-n",
                    f"test-{uuid.uuid4().hex[:8]}@%h",
                ],
                cwd=ROOT,
                env={**self.env, **extra_env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # one group: SIGKILL takes the pool children too
            )
        self.running.append(process)
        wait_until(
            lambda: b" ready." in log_path.read_bytes() or process.poll() is not None,
            timeout=90,
            what="the Celery worker to start",
        )
        if process.poll() is not None:
            pytest.fail("worker exited at start:\n" + log_path.read_text()[-3000:])
        return process

    def kill(self, process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)
        if process in self.running:
            self.running.remove(process)

    def stop_all(self) -> None:
        for process in list(self.running):
            self.kill(process)

    def log_tail(self) -> str:
        return "\n".join(p.read_text()[-2000:] for p in self.logs if p.exists())


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp_sink(smtp_port):
    sink = SmtpSink(smtp_port).start()
    yield sink
    sink.stop()


@pytest.fixture
def live_broker(transactional_db, settings):
    """Publish to Redis for real (the unit-test default runs tasks eagerly), on a clean db."""
    broker_url = django_settings.CELERY_BROKER_URL
    if not broker_url.startswith("redis"):
        pytest.fail("worker tests need CELERY_BROKER_URL or REDIS_URL pointing at Redis")
    client = redis.Redis.from_url(broker_url)
    client.flushdb()
    settings.NOTIFICATION_STALE_SECONDS = 5
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield broker_url
    celery_app.conf.task_always_eager = eager
    client.flushdb()
    client.close()


@pytest.fixture
def workers(live_broker, smtp_port, tmp_path):
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": live_broker,
        "CELERY_BROKER_URL": live_broker,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "NOTIFICATION_RETRY_BASE_SECONDS": "1",
        "NOTIFICATION_STALE_SECONDS": "5",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SITE_URL": "http://testserver",
        "LOG_LEVEL": "INFO",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    pool = Workers(tmp_path, env)
    yield pool
    pool.stop_all()
    # The killed workers' connections must be gone before the tables are flushed.
    connection.close()
