"""`make run`'s processes (the Procfile under honcho) on a free port with a state folder of
their own: for the crash test (tests/test_make_run_processes.py) and the soak
(.ci/soak_embedded.py). Nothing here touches the developer's var/ or their port.
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
HONCHO = str(ROOT / ".venv" / "bin" / "honcho")
# Variables that would point the processes away from the embedded default.
NOT_EMBEDDED = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "EMAIL_URL",
    "DJANGO_ENV",
    "SITE_URL",
    "PORT",
    "VAR_DIR",
    "STATIC_FINDERS",
    "MEDIA_ROOT",
)
# bin/respawn's line when it starts a crashed process again or gives up on one.
RESTART_LINE = re.compile(r"WARNING respawn (\w+) .*(restarting it|not restarting it)")


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class EmbeddedDefault:
    """web, worker and beat as `make run` starts them, on SQLite and the SQLite broker
    in `var_dir`; a context manager that stops them (Ctrl-C, as a developer would)."""

    def __init__(self, var_dir: Path, port: int | None = None, **extra_env: str) -> None:
        self.var_dir = var_dir
        self.port = port or free_port()
        self.log_path = var_dir / "honcho.log"
        self.env = {k: v for k, v in os.environ.items() if k not in NOT_EMBEDDED} | {
            "VAR_DIR": str(var_dir),
            "SITE_URL": f"http://127.0.0.1:{self.port}",
            "DJANGO_SETTINGS_MODULE": "trafficking_training.settings",
            "TZ": "UTC",
            **extra_env,
        }
        self.honcho: subprocess.Popen | None = None

    def manage(self, *args: str) -> None:
        """Run a manage.py command against this state folder."""
        subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True
        )

    def prepare(self, *, demo: bool = False) -> None:
        """What `make run` does before starting: the folders, migrate, the demo if asked."""
        for sub in ("mail", "media"):
            (self.var_dir / sub).mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput", "-v", "0")
        if demo:
            self.manage("load_demo_data")

    def start(self, timeout: float = 90) -> None:
        """Start honcho on the Procfile; return once the site and the worker are up."""
        with self.log_path.open("wb") as log:
            self.honcho = subprocess.Popen(
                [HONCHO, "start", "-f", "Procfile", "-p", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_for(lambda: self.status("/healthz") == 200, timeout, "/healthz to answer 200")
        self.wait_for(lambda: self.log().count(" ready.") >= 1, timeout, "the worker to be ready")

    def log(self) -> str:
        """Everything honcho has printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def restarts(self) -> list[str]:
        """bin/respawn's lines: each names a process that crashed."""
        return [line for line in self.log().splitlines() if RESTART_LINE.search(line)]

    def status(self, path: str, timeout: float = 10) -> int | None:
        """The HTTP status of a GET, or None when nothing answers."""
        url = f"http://127.0.0.1:{self.port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None

    def pid(self, name: str) -> int:
        """The pid of the process itself (gunicorn's master, celery), not of bin/respawn."""
        started = re.findall(rf"{name}\.1 started \(pid=(\d+)\)", self.log())
        respawn = started[-1]
        children = Path(f"/proc/{respawn}/task/{respawn}/children").read_text().split()
        return int(children[0])

    def wait_for(self, predicate, timeout: float, what: str) -> None:
        """Poll until predicate() is true; raise with `what` and the log's tail if not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.honcho is not None and self.honcho.poll() is not None:
                break
            time.sleep(0.25)
        tail = "\n".join(self.log().splitlines()[-30:])
        raise AssertionError(f"timed out waiting for {what}; honcho's log ends:\n{tail}")

    def stop(self, timeout: float = 30) -> int:
        """Ctrl-C: SIGINT to honcho's group, as a terminal sends it; return honcho's status."""
        assert self.honcho is not None
        os.killpg(self.honcho.pid, signal.SIGINT)
        try:
            return self.honcho.wait(timeout)
        finally:
            self._kill_leftovers()

    def _kill_leftovers(self) -> None:
        """Whatever did not stop: each process runs in its own session (honcho's choice)."""
        if self.honcho is not None and self.honcho.poll() is None:
            os.killpg(self.honcho.pid, signal.SIGKILL)
            self.honcho.wait()
        for pid in re.findall(r"started \(pid=(\d+)\)", self.log()):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(int(pid), signal.SIGKILL)

    def __enter__(self) -> "EmbeddedDefault":
        return self

    def __exit__(self, *exc) -> None:
        if self.honcho is not None and self.honcho.poll() is None:
            self.stop()
        self._kill_leftovers()
