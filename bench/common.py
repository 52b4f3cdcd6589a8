"""A reusable harness: a fresh PostgreSQL database, gunicorn on a free port, a load client.

Usage from a bench script::

    from bench.common import BenchEnv, Server, measure, render_table

    env = BenchEnv(name="pages")          # database tt_bench_pages, Redis db 12
    env.create_database()                 # drop, create, migrate
    env.setup_django()                    # the ORM in this process, for seeding
    with Server(env) as server:           # gunicorn, 2 sync workers
        stats = measure("/sessions/", port=server.port, label="catalogue")

The load client is wrk (Debian's package; bench/wrk.lua), one short-lived connection
per request (sync gunicorn workers close the connection after each response).
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
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


def add_registrations(session, count: int, *, prefix: str, now=None, **fields) -> None:
    """Insert count registrations of session in batches (bulk_create), for seeding.

    The first session.capacity are confirmed, the rest wait. Sectors take turns. Each
    keyword overrides a field: a value, or a function of the registration's index.
    """
    from django.utils import timezone

    from events.models import Registration, Sector
    from events.models.tokens import new_manage_credentials

    now = now or timezone.now()
    sectors = list(Sector.objects.order_by("order"))
    rows = []
    for index in range(count):
        confirmed = index < session.capacity
        status = Registration.Status.CONFIRMED if confirmed else Registration.Status.WAITLISTED
        values = {
            "full_name": f"Attendee {index}",
            "email": f"{prefix}{index}@example.org",
            "organization": "Fargo Public Schools",
            "sector": sectors[index % len(sectors)],
            "job_title": "Counselor",
            "consented_at": now,
            "status": status,
            "confirmed_at": now if confirmed else None,
            "waitlisted_at": None if confirmed else now,
            **new_manage_credentials(),
        }
        for name, value in fields.items():
            values[name] = value(index) if callable(value) else value
        rows.append(Registration(session=session, **values))
    Registration.objects.bulk_create(rows, batch_size=1000)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with sync workers on a free local port, for the length of a with block."""

    def __init__(self, env: BenchEnv, workers: int = 2, *, production: bool = False) -> None:
        """production: the product's own worker model (trafficking_training/gunicorn_conf.py:
        gthread, WEB_CONCURRENCY processes of WEB_THREADS threads) instead of sync workers."""
        self.env = env
        self.workers = workers
        self.production = production
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        model = (
            ["-c", "python:trafficking_training.gunicorn_conf", "--access-logfile", "/dev/null"]
            if self.production
            else ["--workers", str(self.workers)]
        )
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "trafficking_training.wsgi:application",
                *model,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--backlog",
                "2048",
            ],
            cwd=ROOT,
            env=self.env.environ(),
            # The product's config prints an access line per request.
            stdout=subprocess.DEVNULL if self.production else None,
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


WRK = shutil.which("wrk")
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"


@dataclass
class Stats:
    label: str
    clients: int
    seconds: float
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    ok: int = 0  # requests answered with the expected status (when one was given)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return {50: self.p50_ms, 95: self.p95_ms}[int(p)]


def _wrk(
    port: int,
    *,
    path: str,
    method: str,
    body: str,
    headers: dict[str, str],
    clients: int,
    seconds: float,
    expect: int,
    run: str,
) -> dict:
    command = [
        WRK,
        "-t2",
        f"-c{clients}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(WRK_SCRIPT),
        "-H",
        "Connection: close",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    environ = {
        **os.environ,
        "WRK_METHOD": method,
        "WRK_PATH": path,
        "WRK_BODY": body,
        "WRK_EXPECT": str(expect),
        "WRK_RUN": run,
    }
    done = subprocess.run(command, env=environ, capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK_JSON "))
    return json.loads(line.removeprefix("WRK_JSON "))


def measure(
    path: str,
    *,
    port: int,
    label: str,
    method: str = "GET",
    body: str = "",
    headers: dict[str, str] | None = None,
    clients: int = 16,
    seconds: float = 10,
    warmup: float = 2,
    expect: int = 200,
) -> Stats:
    """Closed loop with wrk: `clients` connections, each sends a request, waits, sends again.

    wrk (Debian's package) is a C load generator, so the client takes little of the
    cores the server shares with it; a Python client would cap the fastest pages.
    Every request opens a new connection (sync gunicorn workers close after each
    answer). A POST body's "{n}" becomes a number unique across the warm-up and the
    run. The warm-up's requests are sent but not counted here.
    """
    if WRK is None:
        raise SystemExit("bench needs wrk: apt-get install wrk")
    shape = {
        "path": path,
        "method": method,
        "body": body,
        "headers": headers or {},
        "clients": clients,
        "expect": expect if method == "POST" else 0,
    }
    warm = _wrk(port, seconds=warmup, run="w", **shape) if warmup else {"ok": 0}
    result = _wrk(port, seconds=seconds, run="m", **shape)
    errors = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    if shape["expect"]:
        errors += result["bad"]
    return Stats(
        label=label,
        clients=clients,
        seconds=result["duration_us"] / 1e6,
        requests=result["requests"],
        errors=errors,
        p50_ms=result["p50_us"] / 1000,
        p95_ms=result["p95_us"] / 1000,
        ok=result["ok"] + warm["ok"],
    )


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
