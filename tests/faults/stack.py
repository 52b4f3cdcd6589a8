"""The production stack under test, as real processes: gunicorn, a Celery worker, beat.

Each process runs with DJANGO_ENV=production against the drill's own database, Redis
and SMTP sink, in a process group of its own, so that stopping it stops its children
(gunicorn's workers) too. Their logs go to files, printed when a drill fails.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .servers import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# The production configuration (gthread workers, the log format), with the figures
# the drills' timings assume pinned: 2 processes of 4 threads.
GUNICORN = ("-c", "python:trafficking_training.gunicorn_conf", "--workers", "2", "--threads", "4")

# Time compressed for the drills (the settings' production defaults in brackets): a
# message stranded by a broker outage goes out again within seconds, not minutes.
COMPRESSED_TIME = {
    # How often beat runs the requeue scan [30 s].
    "NOTIFICATION_SCAN_SECONDS": "3",
    # A queued row not picked up this long is enqueued again [60 s].
    "NOTIFICATION_REQUEUE_AFTER_SECONDS": "5",
    # A claim this old is taken over [600 s]: short, so that a row left "sending" by
    # an outage is taken over (and shows up as a duplicate) within the drill.
    "NOTIFICATION_STALE_SECONDS": "20",
    # The first retry of a failed send [30 s], doubling up to the cap [1800 s].
    "NOTIFICATION_RETRY_BASE_SECONDS": "1",
    "NOTIFICATION_RETRY_MAX_SECONDS": "5",
}


def production_env(
    *, database_url: str, redis_url: str, smtp_url: str, folder: Path, badge_key: Path
) -> dict[str, str]:
    """The variables a deployment sets, pointed at the drill's own servers."""
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "DJANGO_ENV": "production",
        "SECRET_KEY": "faults-drill-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "https://trainings.example.org",
        # Plain HTTP between the drill and gunicorn; a proxy terminates TLS in production.
        "SECURE_SSL_REDIRECT": "False",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": smtp_url,
        "MEDIA_ROOT": str(folder / "media"),
        "VAR_DIR": str(folder / "var"),
        "BADGE_SIGNING_KEY_FILE": str(badge_key),
        "LOG_LEVEL": "INFO",
        # Bursts come from one address; the Redis drill turns the limits back on.
        "RATELIMIT_ENABLE": "False",
        "PYTHONUNBUFFERED": "1",
        **COMPRESSED_TIME,
    }


class Stack:
    """gunicorn, a Celery worker (threads) and beat, started and stopped together."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.env = env
        self.port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        with (self.folder / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                [str(BIN / args[0]), *args[1:]],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def start(self) -> "Stack":
        self._start(
            "web",
            *("gunicorn", *GUNICORN, "trafficking_training.wsgi"),
            *("--bind", f"127.0.0.1:{self.port}"),
        )
        self._start(
            "worker",
            *("celery", "-A", "trafficking_training", "worker", "-Q", "default,email,pdf"),
            *("--pool", "threads", "--concurrency", "2", "--loglevel", "INFO"),
            *("--hostname", f"faults-{self.port}@%h"),
        )
        self._start(
            "beat",
            *("celery", "-A", "trafficking_training", "beat", "--loglevel", "INFO"),
            *("--schedule", str(self.folder / "celerybeat-schedule")),
        )
        wait_for(lambda: self._answers("/healthz"), seconds=90, what="gunicorn to answer")
        wait_for(
            lambda: " ready." in self.log("worker"), seconds=90, what="the Celery worker to start"
        )
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited at start:\n{self.log(name)[-3000:]}")
        return self

    def _answers(self, path: str) -> bool:
        import http.client

        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            connection.request("GET", path)
            status = connection.getresponse().status
            connection.close()
        except OSError:
            return False
        return status == 200

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_tails(self, lines: int = 40) -> str:
        return "\n".join(
            f"--- {name}.log (last {lines} lines)\n"
            + "\n".join(self.log(name).splitlines()[-lines:])
            for name in self.processes
        )
