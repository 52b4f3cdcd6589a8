"""Load: 50 concurrent locust users browse, register and cancel for 60 s against gunicorn.

PostgreSQL and Redis as in production (bench/common.py), rate limits off. Afterwards
the database is checked: no session holds more confirmed seats than its capacity, no
one waits while a seat is free, and promotions followed the waiting-list order.
Writes bench/results/load.md with p50/p95/p99 per request type and the errors.

Environment: LOAD_USERS (50), LOAD_SECONDS (60), BENCH_DATABASE_URL, BENCH_REDIS_URL.
"""

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, BenchEnv, Server  # noqa: E402

USERS = int(os.environ.get("LOAD_USERS", "50"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
LOCUST = str(Path(sys.executable).with_name("locust"))
OUT = ROOT / "bench" / "results" / "load.md"

env = BenchEnv(name="load", redis_db=13)


def seed() -> dict:
    """Sessions to browse and to fill (small, so waiting lists form), and places to cancel."""
    from django.utils import timezone

    from events.models import Registration, Sector
    from events.services.registration import AttendeeDetails, register_for_session
    from tests.factories import SessionFactory, TrainingFactory

    training = TrainingFactory()
    start = timezone.now() + timedelta(days=20)
    browse = [
        SessionFactory(training=training, starts_at=start + timedelta(days=i), capacity=200)
        for i in range(6)
    ]
    tight = [
        SessionFactory(training=training, starts_at=start + timedelta(days=i), capacity=25)
        for i in range(3)
    ]
    sector = Sector.objects.order_by("order").first()
    cancel_tokens = []
    for session in tight:
        # Already full with a waiting list, so every cancellation promotes someone.
        for n in range(40):
            registration = register_for_session(
                session_id=session.pk,
                attendee=AttendeeDetails(
                    full_name=f"Seeded {n}",
                    email=f"seed-{session.pk}-{n}@example.org",
                    sector_id=sector.pk,
                ),
            )
            cancel_tokens.append(registration.manage_token)
    assert Registration.objects.filter(status="confirmed").count() == 75
    return {
        "browse": [s.public_id for s in browse + tight],
        "register": [s.public_id for s in tight],
        "sector": sector.pk,
        "cancel_tokens": cancel_tokens,
    }


def check_integrity() -> list[str]:
    """Overbooking and waiting-list order, straight from the database."""
    from django.db.models import Count, Q

    from events.models import Registration, TrainingSession

    problems = []
    sessions = TrainingSession.objects.annotate(
        confirmed=Count("registrations", filter=Q(registrations__status="confirmed")),
        waiting=Count("registrations", filter=Q(registrations__status="waitlisted")),
    )
    for session in sessions:
        if session.confirmed > session.capacity:
            problems.append(f"{session.public_id}: {session.confirmed} > {session.capacity}")
        if session.waiting and session.confirmed < session.capacity:
            problems.append(f"{session.public_id}: free seats while {session.waiting} wait")
        # Promoted people, in the order they got their seat, joined the list in that order;
        # and nobody still waiting joined before someone who was promoted.
        promoted = list(
            Registration.objects.filter(session=session, waitlisted_at__isnull=False)
            .exclude(confirmed_at=None)
            .order_by("confirmed_at", "id")
            .values_list("waitlisted_at", "id")
        )
        if promoted != sorted(promoted):
            problems.append(f"{session.public_id}: promotions out of waiting-list order")
        first_waiting = (
            Registration.objects.filter(session=session, status="waitlisted")
            .order_by("waitlisted_at", "id")
            .values_list("waitlisted_at", "id")
            .first()
        )
        if promoted and first_waiting and max(promoted) > first_waiting:
            problems.append(f"{session.public_id}: someone was promoted past an earlier waiter")
    return problems


def run_locust(port: int, seed_file: Path, prefix: Path) -> None:
    subprocess.run(
        [
            LOCUST,
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(USERS),
            "-r",
            str(USERS),
            "-t",
            f"{SECONDS}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "10",
        ],
        cwd=ROOT,
        env={**os.environ, "LOAD_SEED": str(seed_file)},
        check=False,
    )


def read_stats(prefix: Path) -> tuple[list[dict], list[dict]]:
    with open(f"{prefix}_stats.csv") as handle:
        stats = list(csv.DictReader(handle))
    failures_path = Path(f"{prefix}_failures.csv")
    failures = list(csv.DictReader(failures_path.open())) if failures_path.exists() else []
    return stats, failures


def five_xx(failures: list[dict]) -> int:
    """Failures that are server errors (5xx) or broken connections, not expected refusals."""
    pattern = re.compile(r"\b5\d\d\b|Connection|Disconnected|Timeout", re.IGNORECASE)
    return sum(int(f["Occurrences"]) for f in failures if pattern.search(f["Error"]))


def report(stats: list[dict], failures: list[dict], problems: list[str], counts: dict) -> str:
    lines = [
        "## Load: browse, register and cancel (locust)",
        "",
        f"{USERS} concurrent locust users for {SECONDS} s against gunicorn (2 sync workers), "
        "PostgreSQL and Redis on the same 2 cores, rate limits off. Three sessions of 25 seats "
        "start full with 15 waiting each; users register for them (joining the waiting list) "
        "and cancel seeded places (each cancellation promotes the next person waiting).",
        "",
        "| request | count | failures | p50 ms | p95 ms | p99 ms | req/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in stats:
        lines.append(
            f"| {row['Name'] or 'all'} | {row['Request Count']} | {row['Failure Count']} | "
            f"{row['50%']} | {row['95%']} | {row['99%']} | {float(row['Requests/s']):.1f} |"
        )
    lines += ["", f"- 5xx and connection errors: **{five_xx(failures)}**"]
    if failures:
        lines.append("- Failures:")
        lines += [
            f"  - {f['Method']} {f['Name']}: {f['Error']} × {f['Occurrences']}" for f in failures
        ]
    else:
        lines.append("- Failures: none")
    lines.append(
        f"- After the run: {counts['confirmed']} confirmed, {counts['waitlisted']} waiting, "
        f"{counts['cancelled']} cancelled."
    )
    verdict = "none" if not problems else "; ".join(problems)
    lines.append(f"- Overbooking and waiting-list order problems: **{verdict}**")
    return "\n".join(lines) + "\n"


def main() -> int:
    env.create_database()
    env.setup_django()
    data = seed()
    with tempfile.TemporaryDirectory() as tmp:
        seed_file = Path(tmp) / "seed.json"
        seed_file.write_text(json.dumps(data))
        prefix = Path(tmp) / "locust"
        with Server(env, workers=2) as server:
            run_locust(server.port, seed_file, prefix)
        stats, failures = read_stats(prefix)
    env.flush_redis()

    from django.db.models import Count

    from events.models import Registration

    counts = dict(Registration.objects.values_list("status").annotate(n=Count("id")).order_by())
    counts = {key: counts.get(key, 0) for key in ("confirmed", "waitlisted", "cancelled")}
    problems = check_integrity()
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(report(stats, failures, problems, counts))
    print(OUT.read_text())
    return 1 if problems or five_xx(failures) else 0


if __name__ == "__main__":
    raise SystemExit(main())
