"""Emails: dispatch and deliver 10,000 reminders through a real worker, vs no-op tasks.

Run by bench/run.py (or directly). PostgreSQL: BENCH_DATABASE_URL (default database
tt_bench_emails, recreated); Redis: BENCH_REDIS_URL (default db 11, flushed). One
Celery worker process (2 prefork processes, the Procfile's settings) consumes the
default and email queues; a local SMTP server in this process (FastSmtpSink in
bench/smtp_sink.py, checked with one message at start-up) accepts the mail.

- baseline: BENCH_EMAILS (10,000) no-op tasks published to the email queue, timed
  from the first publish until the worker has taken the last one;
- emails: BENCH_EMAILS confirmed registrants whose 1-day reminder is due. Timed from
  the start of dispatch_due_reminders() (the beat task's service: outbox rows, then
  batches of NOTIFICATION_BATCH_SIZE enqueued) until the SMTP server has accepted
  the last message and every row is marked sent.
Target: emails end to end at least 0.30 of the no-op task rate, measured in the same run.
Results: bench/results/emails.md.
"""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from celery import shared_task  # noqa: E402

COUNT = int(os.environ.get("BENCH_EMAILS", "10000"))
SESSIONS = 20
# Emails per second as a share of no-op tasks per second on the same broker and worker.
TARGET = 0.30
RESULTS = ROOT / "bench" / "results" / "emails.md"


@shared_task(name="bench.noop", ignore_result=True)
def noop() -> None:
    """The baseline: a task that does nothing, on the same broker and worker."""


def _seed(now) -> None:
    from bench.common import add_registrations
    from events.models import Sector, Training, TrainingSession

    training = Training.objects.create(
        title="Identifying & Reporting Human Trafficking",
        slug="bench-emails",
        hosts="DHS Blue Campaign",
    )
    sector = Sector.objects.order_by("order").first()
    per_session = COUNT // SESSIONS
    for index in range(SESSIONS):
        starts = now + timedelta(hours=23, minutes=index)
        session = TrainingSession.objects.create(
            training=training,
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            venue="Fargo Civic Center",
            address="207 4th St N",
            city="Fargo",
            capacity=per_session,
            status=TrainingSession.Status.PUBLISHED,
            what_to_bring="A photo ID",
        )
        add_registrations(
            session,
            per_session,
            prefix=f"attendee-{index}-",
            now=now - timedelta(days=3),
            full_name=lambda number, index=index: f"Attendee {index}-{number}",
            organization="Example Org",
            sector=sector,
        )


def _start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    celery = str(Path(sys.executable).with_name("celery"))
    log = open(log_path, "wb")  # noqa: SIM115 - closed by the caller via the process
    process = subprocess.Popen(
        [
            celery,
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
            "--include",
            "bench.bench_emails",
            "-n",
            "bench-emails@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process


def _wait_ready(process: subprocess.Popen, client, log_path: Path) -> None:
    # Per-task INFO logging would slow the baseline, so readiness is one no-op task
    # taken off the queue rather than the "ready." log line.
    noop.apply_async(queue="email")
    deadline = time.monotonic() + 120
    while not _queue_empty(client):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the worker did not start:\n" + log_path.read_text()[-3000:])
        time.sleep(0.2)


def _stop_worker(process: subprocess.Popen) -> None:
    import signal

    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _cpu_seconds(root_pid: int) -> float:
    """User + system CPU time of a process and its children (the prefork pool), from /proc.

    CPU time per email does not depend on what else runs on the machine, unlike the
    rates, so it tells what the same run would do on idle cores.
    """
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == root_pid or ppid == root_pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _queue_empty(client) -> bool:
    # kombu's Redis transport: the queue is a list, taken-but-unacknowledged
    # messages sit in the "unacked" hash until their task ends (acks_late).
    return client.llen("email") == 0 and client.hlen("unacked") == 0


def _run_noop(client) -> float:
    started = time.perf_counter()
    for _ in range(COUNT):
        noop.apply_async(queue="email")
    while not _queue_empty(client):
        time.sleep(0.01)
    return time.perf_counter() - started


def _run_emails(sink) -> tuple[float, float]:
    from django.utils import timezone

    from events.models import Notification
    from events.services.reminders import dispatch_due_reminders

    started = time.perf_counter()
    report = dispatch_due_reminders(now=timezone.now())
    dispatched = time.perf_counter() - started
    assert len(report.enqueued_ids) == COUNT, len(report.enqueued_ids)
    deadline = time.monotonic() + 1800
    while sink.handler.count < COUNT:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {sink.handler.count} of {COUNT} emails arrived")
        time.sleep(0.02)
    while Notification.objects.exclude(status=Notification.Status.SENT).exists():
        time.sleep(0.02)
    return dispatched, time.perf_counter() - started


def main() -> int:
    from bench.common import BenchEnv
    from bench.smtp_sink import FastSmtpSink, self_check

    self_check()
    sink = FastSmtpSink()
    env = BenchEnv(
        name="emails",
        redis_db=11,
        extra={
            "EMAIL_URL": sink.url,
            "SITE_URL": "https://trainings.example.org",
            "LOG_LEVEL": "WARNING",
        },
    )
    env.create_database()
    env.setup_django()
    env.flush_redis()

    import redis
    from django.utils import timezone

    from events.models import Notification
    from trafficking_training.celery import app as celery_app

    celery_app.conf.task_always_eager = False
    client = redis.Redis.from_url(env.redis_url)
    _seed(timezone.now())
    sink.start()
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / "bench-emails-worker.log"
    worker = _start_worker(env.environ(), log_path)
    try:
        _wait_ready(worker, client, log_path)
        load_before = os.getloadavg()[0]
        cpu_start, own_start = _cpu_seconds(worker.pid), time.process_time()
        noop_seconds = _run_noop(client)
        cpu_noop, own_noop = _cpu_seconds(worker.pid), time.process_time()
        dispatch_seconds, email_seconds = _run_emails(sink)
        cpu_emails, own_emails = _cpu_seconds(worker.pid), time.process_time()
        load_after = os.getloadavg()[0]
    finally:
        _stop_worker(worker)
        sink.stop()
        env.flush_redis()
    duplicates = sum(n - 1 for n in sink.handler.ids.values() if n > 1)
    sent = Notification.objects.filter(status=Notification.Status.SENT).count()
    noop_rate = COUNT / noop_seconds
    email_rate = COUNT / email_seconds
    verdict = "met" if email_rate / noop_rate >= TARGET else "**missed**"
    worker_noop_ms = (cpu_noop - cpu_start) / COUNT * 1000
    worker_email_ms = (cpu_emails - cpu_noop) / COUNT * 1000
    own_noop_ms = (own_noop - own_start) / COUNT * 1000
    own_email_ms = (own_emails - own_noop) / COUNT * 1000
    bound = 2000 / (worker_email_ms + own_email_ms)
    table = "\n".join(
        [
            f"| No-op Celery tasks (baseline) | {noop_seconds:.1f} s | {noop_rate:,.0f} tasks/s |",
            f"| Reminder dispatch (rows + enqueue) | {dispatch_seconds:.1f} s "
            f"| {COUNT / dispatch_seconds:,.0f} rows/s |",
            f"| Reminders end to end (dispatch → SMTP accepted → row sent) "
            f"| {email_seconds:.1f} s | **{email_rate:,.0f} emails/s** |",
        ]
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        f"""## Emails: reminders end to end through a real worker

`bench/bench_emails.py`: {COUNT:,} reminders ({SESSIONS} sessions × {COUNT // SESSIONS}
confirmed registrants) dispatched by `dispatch_due_reminders()` and delivered by one
Celery worker (2 prefork processes, prefetch 1, acks_late) on Redis to a local
SMTP server (FastSmtpSink in bench/smtp_sink.py: asyncio, DATA read in one
piece; the tests use aiosmtpd), PostgreSQL
for the outbox. Each email is the full reminder: text and HTML parts, the inline QR
check-in PNG and the session's .ics. Baseline: the same number of no-op tasks on the
same broker and worker, in the same run.

| Run | Time | Rate |
|---|---:|---:|
{table}

- Emails per second as a share of the no-op task rate: **{email_rate / noop_rate:.2f}**.
- CPU time per item (independent of machine load): worker {worker_noop_ms:.2f} ms per
  no-op task, {worker_email_ms:.2f} ms per email; this script (publisher, dispatch, SMTP
  server, polling) {own_noop_ms:.2f} ms per no-op, {own_email_ms:.2f} ms per email. On 2
  idle cores that bounds the email rate at about {bound:,.0f}/s (plus PostgreSQL's share).
- Target ≥ {TARGET:.2f} of the no-op task rate: {verdict}.
- Rows sent: {sent:,} of {COUNT:,}; duplicate deliveries: {duplicates}.
- The SMTP server, PostgreSQL, Redis, the worker and this script share the same
  2 cores ({os.cpu_count()} CPUs seen); 1-minute load average {load_before:.1f} before
  the baseline and {load_after:.1f} after the emails (anything above 2 means other
  processes were competing for the cores, which slows both runs).
"""
    )
    print(RESULTS.read_text())
    return 0 if sent == COUNT and duplicates == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
