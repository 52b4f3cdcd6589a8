"""A reusable harness: a fresh PostgreSQL database, gunicorn on a free port, a load client.

Usage from a bench script::

    from bench.common import BenchEnv, Server, measure, render_table

    env = BenchEnv(name="pages")          # database tt_bench_pages, Redis db 12
    env.create_database()                 # drop, create, migrate
    env.setup_django()                    # the ORM in this process, for seeding
    with Server(env) as server:           # gunicorn, 2 sync workers
        stats = measure(server.get("/sessions/"), clients=16, seconds=10)

The load client is pure Python: threads, one short-lived socket per request (sync
gunicorn workers close the connection after each response), latencies from
time.perf_counter. It needs no extra system package.
"""

import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class BenchEnv:
    """Where a bench runs: its own database and Redis db, and the settings module."""

    name: str
    redis_db: int = 12
    settings_module: str = "bench.settings_bench"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        return os.environ.get(
            "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/tt_bench_{self.name}"
        )

    @property
    def redis_url(self) -> str:
        return os.environ.get("BENCH_REDIS_URL", f"redis://127.0.0.1:6379/{self.redis_db}")

    def environ(self) -> dict[str, str]:
        """The environment of manage.py, gunicorn and this process's Django."""
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": self.settings_module,
            "DJANGO_ENV": "development",
            "DEBUG": "0",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.redis_url,
            # A load test comes from one address; per-address limits would refuse it.
            "RATELIMIT_ENABLE": "0",
            "SITE_URL": "http://127.0.0.1",
            "LOG_LEVEL": "WARNING",
            **self.extra,
        }

    def create_database(self) -> None:
        """Drop and recreate the bench database, then migrate it."""
        import psycopg2

        url = urlparse(self.database_url)
        name = url.path.lstrip("/")
        if not re.fullmatch(r"[a-z0-9_]+", name):
            raise SystemExit(f"refusing odd database name {name!r}")
        admin = psycopg2.connect(
            host=url.hostname,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname="postgres",
        )
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        self.manage("migrate", "--noinput", "-v", "0")

    def manage(self, *args: str) -> None:
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.environ(), check=True)

    def setup_django(self) -> None:
        """Configure Django in this process against the bench database (for seeding)."""
        os.environ.update(self.environ())
        import django

        django.setup()

    def flush_redis(self) -> None:
        """Drop the Celery messages the run queued (no worker consumes them)."""
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with sync workers on a free local port, for the length of a with block."""

    def __init__(self, env: BenchEnv, workers: int = 2) -> None:
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "trafficking_training.wsgi:application",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--backlog",
                "2048",
            ],
            cwd=ROOT,
            env=self.env.environ(),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _body = request(self.port, b"GET /healthz HTTP/1.0\r\n\r\n")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer /healthz within 30 s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def get(self, path: str, headers: dict[str, str] | None = None) -> Callable[[int], bytes]:
        """A request factory for measure(): the same GET every time."""
        raw = build_request("GET", path, headers=headers)
        return lambda _n: raw


def build_request(
    method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def request(port: int, raw: bytes, timeout: float = 30) -> tuple[int, bytes]:
    """Send one raw request on a new connection; return (status, whole response)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    return int(data[9:12]), data


@dataclass
class Stats:
    label: str
    clients: int
    seconds: float
    latencies: list[float]
    errors: int
    statuses: dict[int, int]

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1] * 1000


def measure(
    make_request: Callable[[int], bytes],
    *,
    port: int,
    clients: int = 16,
    seconds: float = 10,
    warmup: float = 2,
    ok: tuple[int, ...] = (200,),
    label: str = "",
    client_setup: Callable[[int], Callable[[int], bytes]] | None = None,
) -> Stats:
    """Closed loop: `clients` threads each send a request, wait for it, send the next.

    make_request(n) returns the raw bytes of request number n (a global counter, so
    POST bodies can be unique). client_setup(client_index), when given, runs once per
    client before the clock starts and returns that client's own make_request (to
    fetch a CSRF cookie, say). Only requests started after the warm-up are counted.
    """
    counter = iter(range(10**12))
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    ready = threading.Barrier(clients + 1)
    go = threading.Barrier(clients + 1)
    start_at = end_at = 0.0

    def client(index: int) -> None:
        nonlocal errors
        build = client_setup(index) if client_setup else make_request
        mine, my_statuses, my_errors = [], {}, 0
        ready.wait()
        go.wait()
        while True:
            began = time.perf_counter()
            if began >= end_at:
                break
            with lock:
                number = next(counter)
            try:
                status, _ = request(port, build(number))
            except OSError:
                status = 0
            took = time.perf_counter() - began
            if began >= start_at:
                mine.append(took)
                my_statuses[status] = my_statuses.get(status, 0) + 1
                if status not in ok:
                    my_errors += 1
        with lock:
            latencies.extend(mine)
            errors += my_errors
            for status, count in my_statuses.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()  # every client has run its setup; only now does the clock start
    start_at = time.perf_counter() + warmup
    end_at = start_at + seconds
    go.wait()
    for thread in threads:
        thread.join()
    return Stats(label, clients, seconds, latencies, errors, statuses)


def render_table(rows: list[Stats], baseline: Stats | None = None) -> str:
    """A markdown table; the ratio column compares each row's req/s with the baseline."""
    header = "| Page | Clients | Requests | req/s | p50 ms | p95 ms | Errors |"
    rule = "|---|---:|---:|---:|---:|---:|---:|"
    if baseline:
        header += " Ratio to bare |"
        rule += "---:|"
    lines = [header, rule]
    for row in rows:
        line = (
            f"| {row.label} | {row.clients} | {row.requests} | {row.rps:,.0f} | "
            f"{row.percentile(50):.1f} | {row.percentile(95):.1f} | {row.errors} |"
        )
        if baseline:
            line += f" {row.rps / baseline.rps:.2f} |" if baseline.rps else " – |"
        lines.append(line)
    return "\n".join(lines)
