"""The fault drills' harness (issue 25, "Degrade, never fall").

Once per run: a PostgreSQL cluster of the suite's own (initdb + pg_ctl on a spare
port), a template database migrated and loaded with the demo data under production
settings, an Open Badges key, and collectstatic. Per drill: a database copied from
the template, a redis-server of its own, an in-process SMTP sink, and the stack
(gunicorn gthread, a Celery worker with threads, beat), all stopped in the
finalizers, pass or fail. The machine's shared PostgreSQL and Redis are never used.

Each drill reports its figures (response times, delays, counts) with `figures()`;
they are printed as they come (shown with -s or on failure) and again at the end of
the run, in the terminal summary.

Run with `make faults`. The default `make test` leaves this folder out
(tests/conftest.py): the drills take minutes and need redis-server and PostgreSQL's
server programs.
"""

import email
import email.policy
import itertools
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import pytest

from tests.worker.smtp_sink import SmtpSink

from .servers import PostgresCluster, RedisServer, wait_for
from .stack import BIN, ROOT, Stack, production_env
from .visitors import Visitor

TEMPLATE = "faults_template"
_MANAGE_LINK = re.compile(r"https://trainings\.example\.org/manage/([A-Za-z0-9_-]+)/")
FIGURES = pytest.StashKey[list[str]]()

Figures = Callable[[str], None]


# --- The drill's database, read directly ---------------------------------------


class Database:
    """SQL on a drill's database through a connection of the test's own (autocommit)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._connection = None

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        # Reconnect after a PostgreSQL restart instead of failing the drill's checks.
        for attempt in range(2):
            try:
                if self._connection is None or self._connection.closed:
                    self._connection = psycopg2.connect(self.url)
                    self._connection.autocommit = True
                with self._connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.fetchall() if cursor.description else []
            except psycopg2.OperationalError:
                self.close()
                if attempt:
                    raise
        return []

    def value(self, sql: str, params: tuple = ()):
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def upcoming_sessions(self) -> list[str]:
        """Public ids of the published sessions still to come, soonest first."""
        return [
            public_id
            for (public_id,) in self.rows(
                "SELECT public_id FROM events_trainingsession"
                " WHERE status = 'published' AND starts_at > now() ORDER BY starts_at, id"
            )
        ]

    def registration_status(self, email: str) -> list[str]:
        return [
            status
            for (status,) in self.rows(
                "SELECT status FROM events_registration WHERE email = %s ORDER BY id", (email,)
            )
        ]

    def emails_to(self, address: str) -> dict[str, str]:
        """The outbox rows of an address's registrations: kind -> status."""
        return dict(
            self.rows(
                "SELECT n.kind, n.status FROM events_notification n"
                " JOIN events_registration r ON r.id = n.registration_id WHERE r.email = %s",
                (address,),
            )
        )

    def notifications(self) -> dict[int, tuple[str, str, int]]:
        """Every outbox row: id -> (status, kind, attempts)."""
        return {
            pk: (status, kind, attempts)
            for pk, status, kind, attempts in self.rows(
                "SELECT id, status, kind, attempts FROM events_notification"
            )
        }

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None


# --- Shared once per run -------------------------------------------------------


@dataclass
class Platform:
    cluster: PostgresCluster
    folder: Path
    badge_key: Path


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


@pytest.fixture(scope="session")
def platform(tmp_path_factory) -> Iterator[Platform]:
    """The cluster, the template database, the badge key and the static files."""
    folder = tmp_path_factory.mktemp("faults")
    # Not under pytest's folder: that one is private to root, and the cluster's files
    # belong to the postgres user.
    cluster_folder = Path(tempfile.mkdtemp(prefix="tt-faults-pg-"))
    cluster: PostgresCluster | None = None
    redis = RedisServer(folder)
    collectstatic: subprocess.Popen | None = None
    try:
        cluster = PostgresCluster(cluster_folder)
        cluster.create().start()
        Database(cluster.url("postgres")).rows(f"CREATE DATABASE {TEMPLATE}")
        redis.start()
        env = production_env(
            database_url=cluster.url(TEMPLATE),
            redis_url=redis.url,
            smtp_url="smtp://127.0.0.1:1",
            folder=folder,
            badge_key=folder / "badge-signing-key.pem",
        )
        # The static files of a production build (the hashed names the pages link to),
        # collected while the database is prepared.
        collectstatic = subprocess.Popen(
            [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        _manage(env, "create_badge_key", "--output", env["BADGE_SIGNING_KEY_FILE"])
        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(env, "load_demo_data")
        output, _ = collectstatic.communicate(timeout=300)
        if collectstatic.returncode != 0:
            raise RuntimeError(f"collectstatic failed:\n{output.decode(errors='replace')}")
        redis.stop()
        yield Platform(cluster, folder, Path(env["BADGE_SIGNING_KEY_FILE"]))
    finally:
        if collectstatic is not None and collectstatic.poll() is None:
            collectstatic.kill()
            collectstatic.wait(timeout=30)
        redis.stop()
        if cluster is not None:
            cluster.destroy()
        shutil.rmtree(cluster_folder, ignore_errors=True)


# --- One drill -----------------------------------------------------------------


@dataclass
class Drill:
    """A drill's own servers and stack; `start()` brings the stack up."""

    platform: Platform
    folder: Path
    name: str
    redis: RedisServer
    smtp: SmtpSink
    db: Database
    stack: Stack | None = None
    answers: list = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def start(self, **settings: str) -> Stack:
        """Start gunicorn, worker and beat, with these variables over the drill's defaults."""
        env = production_env(
            database_url=self.db.url,
            redis_url=self.redis.url,
            smtp_url=self.smtp.url,
            folder=self.folder,
            badge_key=self.platform.badge_key,
        )
        self.stack = Stack(self.folder, {**env, **settings})
        self.stack.start()
        return self.stack

    def visitor(self) -> Visitor:
        assert self.stack is not None
        return Visitor(self.stack.port, self.answers)

    def manage_token(self, address: str) -> str:
        """The token of the manage link in an email the sink received for `address`."""
        for raw in self.smtp.handler.messages:
            message = email.message_from_bytes(raw, policy=email.policy.default)
            if address in str(message["To"]):
                found = _MANAGE_LINK.search(message.get_body(("plain",)).get_content())
                if found:
                    return found[1]
        raise AssertionError(f"no email with a manage link reached {address}")

    def check(self, ok: bool, problem: str) -> bool:
        """Note a problem instead of stopping at it: a drill goes on to its end and then
        reports everything it found (assert_no_problems), so one run shows every failure."""
        if not ok:
            self.problems.append(problem)
        return ok

    def assert_no_problems(self) -> None:
        if self.problems:
            # Without pytest's rewriting of the assertion, which would print the whole drill.
            pytest.fail("\n".join(["the drill found:", *self.problems]), pytrace=False)

    def wait_for_outbox(self, *, seconds: float, every: float = 0.2) -> float | None:
        """Wait until every outbox row is done (sent, skipped or failed) and every sent row
        reached the sink; returns the seconds it took, or None (a problem noted) on timeout."""

        def done() -> bool:
            rows = self.db.notifications()
            if any(status in {"queued", "sending"} for status, _kind, _n in rows.values()):
                return False
            sent = {pk for pk, (status, _kind, _n) in rows.items() if status == "sent"}
            return sent <= set(self.smtp.handler.ids)

        try:
            return wait_for(done, seconds=seconds, what="the outbox to empty", every=every)
        except TimeoutError:
            self.check(False, f"after {seconds:.0f} s the outbox is not done: {self.outbox()}")
            return None

    def outbox(self) -> str:
        """The outbox in one line: rows by status, and the rows not sent."""
        rows = self.db.notifications()
        by_status: dict[str, int] = {}
        for status, _kind, _attempts in rows.values():
            by_status[status] = by_status.get(status, 0) + 1
        pending = sorted(
            f"{pk}:{kind}:{status}:{attempts} attempts"
            for pk, (status, kind, attempts) in rows.items()
            if status not in {"sent", "skipped"}
        )
        return f"{len(rows)} rows {by_status}; not sent: {pending[:20]}"

    def check_every_email_once(self) -> int:
        """Every outbox row sent, none failed, each exactly once at the sink; returns how
        many were sent."""
        rows = self.db.notifications()
        received = dict(self.smtp.handler.ids)
        failed = {pk for pk, (status, _k, _n) in rows.items() if status == "failed"}
        unsent = {pk for pk, (status, _k, _n) in rows.items() if status in {"queued", "sending"}}
        sent = {pk for pk, (status, _k, _n) in rows.items() if status == "sent"}
        twice = {pk: count for pk, count in received.items() if count > 1}
        self.check(not failed, f"rows marked failed: {sorted(failed)} ({self.outbox()})")
        self.check(not unsent, f"rows never sent: {sorted(unsent)} ({self.outbox()})")
        self.check(not twice, f"emails received more than once (id: times): {twice}")
        self.check(
            sent == set(received),
            f"sent but never received: {sorted(sent - set(received))}; "
            f"received but not marked sent: {sorted(set(received) - sent)}",
        )
        return len(sent)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_OUTCOMES, {})[report.when] = report
    return report


_OUTCOMES = pytest.StashKey[dict]()
_DRILL_NUMBERS = itertools.count(1)


@pytest.fixture
def drill(platform, tmp_path, request) -> Iterator[Drill]:
    """A fresh database from the template, a redis-server, an SMTP sink; all stopped after."""
    name = request.node.name
    database = f"drill_{next(_DRILL_NUMBERS)}"
    Database(platform.cluster.url("postgres")).rows(
        f"CREATE DATABASE {database} TEMPLATE {TEMPLATE}"
    )
    redis = RedisServer(tmp_path).start()
    smtp = SmtpSink().start()
    this = Drill(platform, tmp_path, name, redis, smtp, Database(platform.cluster.url(database)))
    try:
        yield this
    finally:
        call = request.node.stash.get(_OUTCOMES, {}).get("call")
        if this.stack is not None:
            this.stack.stop()
            if call is None or call.failed:
                print(this.stack.log_tails())
        smtp.stop()
        redis.stop()
        this.db.close()
        if not platform.cluster.running():
            platform.cluster.start()  # a drill that failed while the cluster was down


@pytest.fixture
def figures(request) -> Figures:
    """Record one line of a drill's figures: printed now and in the run's summary."""
    lines = request.config.stash.setdefault(FIGURES, [])
    lock = threading.Lock()

    def record(line: str) -> None:
        text = f"[{request.node.name}] {line}"
        print(text, flush=True)
        with lock:
            lines.append(text)

    return record


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    lines = config.stash.get(FIGURES, [])
    if lines:
        terminalreporter.section("fault drills: figures")
        for line in lines:
            terminalreporter.write_line(line)
