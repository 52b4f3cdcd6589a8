"""The drills' own Redis and PostgreSQL, started on spare ports and stopped by their PID.

The machine's shared services (PostgreSQL on 5432, Redis on 6379) are never touched:
every server here is a process this suite started, in a temporary folder it made, so
stopping, hanging or restarting it harms nothing else.
"""

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.worker.smtp_sink import free_port


class MissingServer(RuntimeError):
    """A server program the suite needs is not installed (the suite fails, never skips)."""


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for(predicate, *, seconds: float, what: str, every: float = 0.1) -> float:
    """Poll predicate() until it is true; returns the seconds it took. Raises on timeout."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if predicate():
            return time.monotonic() - started
        time.sleep(every)
    raise TimeoutError(f"waited {seconds:.0f} s for {what}")


def program(name: str) -> str:
    """The path of a server program: on PATH, else in Debian's versioned PostgreSQL folder."""
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        raise MissingServer(
            f"{name} is not installed; the fault drills need redis-server and PostgreSQL's "
            "initdb and pg_ctl (Debian: apt-get install redis-server postgresql)"
        )
    return found


class RedisServer:
    """One redis-server without persistence: stopping it loses what it held, as a crash would."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.hung = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                program("redis-server"),
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
                *("--dir", str(self.folder)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_for(lambda: listening(self.port), seconds=10, what="redis-server to listen")
        return self

    def stop(self) -> None:
        """Stop the server (a stopped process is woken first, or SIGTERM would wait)."""
        if self.process is None:
            return
        if self.hung:
            self.resume()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def hang(self) -> None:
        """SIGSTOP: connections are still accepted by the kernel, but nothing ever answers."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)
        self.hung = True

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)
        self.hung = False


class PostgresCluster:
    """A PostgreSQL cluster of its own: initdb in a temporary folder, run with pg_ctl.

    initdb and the server refuse to run as root, so under root they run as the
    `postgres` user, in a folder that user owns.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.initdb = program("initdb")
        self.pg_ctl = program("pg_ctl")
        self._owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> str:
        command = list(args)
        if self._owner is not None:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"`{' '.join(args)}` failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def create(self) -> "PostgresCluster":
        if self._owner is not None:
            os.chown(self.folder, self._owner.pw_uid, self._owner.pw_gid)
        self._run(
            self.initdb,
            *("-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"),
            *("--locale", "C.UTF-8", "--no-sync"),
        )
        return self

    def start(self) -> None:
        # fsync off: a throwaway cluster on a CI disk. Every stop here is a clean
        # shutdown (-m fast), so nothing relies on fsync; the drills need restarts, not
        # crash safety.
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=80"
        )
        self._run(
            self.pg_ctl,
            *("-D", str(self.data), "-l", str(self.folder / "postgres.log")),
            *("-o", options, "-w", "-t", "60", "start"),
        )

    def stop(self) -> None:
        """A fast shutdown: open connections are cut, as in a restart by an operator."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def destroy(self) -> None:
        if self.running():
            with contextlib.suppress(RuntimeError):
                self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
