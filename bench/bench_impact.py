"""The impact report at scale: 2,000 sessions and 200,000 registrations on PostgreSQL.

Run by bench/run.py (or directly). PostgreSQL: BENCH_DATABASE_URL (default database
tt_bench_impact, recreated). The sessions spread over the current year (so the page's
default period, this year, covers all of them) in five cities and three time zones,
100 registrations each (90 confirmed, 10 waiting), 80% of the confirmed of ended
sessions attended, 3,000 organizations typed in varying case and spacing, and
certificates for the attendees of 200 sessions. Measured in this process through
Django's test client (the whole request: middleware, admin, form, the report's
queries, template), median of BENCH_IMPACT_RUNS runs after one warm-up:
- the report page with default filters, as a superuser (every session) and as an
  organizer of 200 sessions;
- the XLSX export of the same report;
- the report's own queries alone (events.selectors.impact.impact_report), to show
  what the page adds to them.
Targets (issue 13): page < 1 s, XLSX < 5 s. Results go to bench/results/impact.md.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchEnv  # noqa: E402

SESSIONS = int(os.environ.get("BENCH_IMPACT_SESSIONS", "2000"))
PER_SESSION = int(os.environ.get("BENCH_IMPACT_PER_SESSION", "100"))
RUNS = int(os.environ.get("BENCH_IMPACT_RUNS", "5"))
PAGE_TARGET, XLSX_TARGET = 1.0, 5.0
RESULTS = Path(__file__).resolve().parent / "results" / "impact.md"
CITIES = [
    ("Fargo", "ND", "America/Chicago"),
    ("Bismarck", "ND", "America/Chicago"),
    ("Grand Forks", "ND", "America/Chicago"),
    ("Williston", "ND", "America/Denver"),
    ("Moorhead", "MN", "America/Chicago"),
]

env = BenchEnv(name="impact", redis_db=15)


def seed():
    """Sessions, registrations and certificates in bulk; returns (superuser, organizer)."""
    from datetime import datetime, timedelta

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.models import User
    from events.models import Certificate, Registration, Sector, Training, TrainingSession
    from events.models.tokens import random_code

    now = timezone.now()
    year = timezone.localdate().year
    start = datetime(year, 1, 1, 15, 0, tzinfo=timezone.get_current_timezone())
    span = (datetime(year, 12, 31, tzinfo=start.tzinfo) - start).total_seconds()
    trainings = [
        Training.objects.create(title=title, slug=f"bench-{i}", hosts="DHS Blue Campaign")
        for i, title in enumerate(["Identifying & Reporting", "Hotel staff", "School staff"])
    ]
    sessions = TrainingSession.objects.bulk_create(
        [
            TrainingSession(
                training=trainings[i % len(trainings)],
                starts_at=start + timedelta(seconds=span * i / SESSIONS),
                ends_at=start + timedelta(seconds=span * i / SESSIONS, hours=3),
                city=CITIES[i % len(CITIES)][0],
                state=CITIES[i % len(CITIES)][1],
                timezone=CITIES[i % len(CITIES)][2],
                venue="" if i % 7 == 0 else "Civic Center",
                online_url="https://meet.example.org/x" if i % 7 == 0 else "",
                capacity=PER_SESSION - 10,
                status="published",
                public_id=f"bench{i:07d}",
            )
            for i in range(SESSIONS)
        ],
        batch_size=1000,
    )
    sectors = list(Sector.objects.order_by("order"))
    batch = []
    for number, session in enumerate(sessions):
        ended = session.ends_at <= now
        for index in range(PER_SESSION):
            confirmed = index < session.capacity
            org = 3000 if index % 9 == 0 else (number * 7 + index) % 3000
            name = f"Organization {org}" if org % 2 else f" organization {org} "
            batch.append(
                Registration(
                    session=session,
                    full_name=f"Attendee {number}-{index}",
                    # One person in ten comes back to another session.
                    email=f"p{(number * PER_SESSION + index) % 180_000}@example.org",
                    organization="" if org == 3000 else name,
                    sector=sectors[(number + index) % len(sectors)],
                    consented_at=now,
                    status="confirmed" if confirmed else "waitlisted",
                    attended=ended and confirmed and index % 5 != 0,
                    manage_token_hash=f"bench-{number}-{index}",
                    checkin_code=f"B{number:07d}{index:04d}",
                )
            )
        if len(batch) >= 20_000:
            Registration.objects.bulk_create(batch, batch_size=2000)
            batch = []
    Registration.objects.bulk_create(batch, batch_size=2000)
    attendees = Registration.objects.filter(attended=True, session__in=sessions[:200]).values_list(
        "pk", "full_name", "session__starts_at", "session__ends_at"
    )
    Certificate.objects.bulk_create(
        [
            Certificate(
                registration_id=pk,
                code=random_code(16),
                name_printed=name,
                training_title="Identifying & Reporting",
                session_starts_at=starts,
                session_ends_at=ends,
                session_timezone="America/Chicago",
                place="Fargo, ND",
                credit_hours=3,
                hosts="DHS Blue Campaign",
                issued_at=ends,
            )
            for pk, name, starts, ends in attendees
        ],
        batch_size=2000,
    )
    superuser = User.objects.create_user(
        email="admin@example.org", password=None, is_staff=True, is_superuser=True
    )
    organizer = User.objects.create_user(email="org@example.org", password=None, is_staff=True)
    organizer.groups.add(Group.objects.get(name="Organizers"))
    organizer.organized_sessions.add(*sessions[::10])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return superuser, organizer


def timed(call, runs: int) -> list[float]:
    call()  # warm-up: templates, caches, the planner's statistics
    seconds = []
    for _run in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def measure(superuser, organizer) -> dict:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from events.admin.impact_form import ImpactReportForm
    from events.models import Sector
    from events.selectors.impact import impact_report

    page_url = reverse("admin:events_impact_report")
    xlsx_url = reverse("admin:events_impact_xlsx")
    clients = {}
    for name, user in (("superuser", superuser), ("organizer", organizer)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients[name] = client

    def get(client, url):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        if hasattr(response, "render"):
            response.render()
        return response

    sectors = list(Sector.objects.all())
    form = ImpactReportForm({}, trainings=[], places=[], sectors=sectors, organizers=[])
    assert form.is_valid(), form.errors
    filters = form.filters()
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    # A wrapper, not CaptureQueriesContext: each request starts by clearing the log.
    with connection.execute_wrapper(count):
        response = get(clients["superuser"], page_url)
    assert b"Headline figures" in response.content
    headline = impact_report(superuser, filters, sectors=sectors).headline
    results = {
        "page_superuser": timed(lambda: get(clients["superuser"], page_url), RUNS),
        "page_organizer": timed(lambda: get(clients["organizer"], page_url), RUNS),
        "xlsx_superuser": timed(lambda: get(clients["superuser"], xlsx_url), max(3, RUNS // 2)),
        "selector": timed(lambda: impact_report(superuser, filters, sectors=sectors), RUNS),
        "queries": len(executed),
        "headline": headline,
        "xlsx_bytes": len(get(clients["superuser"], xlsx_url).content),
    }
    return results


def render(r: dict) -> str:
    def row(label, seconds, target=None):
        median = statistics.median(seconds)
        verdict = ""
        if target is not None:
            verdict = f"< {target:.0f} s: {'met' if median < target else 'NOT met'}"
        return f"| {label} | {median:.3f} | {min(seconds):.3f} | {max(seconds):.3f} | {verdict} |"

    h = r["headline"]
    lines = [
        f"## Impact report ({SESSIONS:,} sessions, {SESSIONS * PER_SESSION:,} registrations)",
        "",
        f"{SESSIONS:,} published sessions over this year in {len(CITIES)} cities and two time",
        f"zones, {SESSIONS * PER_SESSION:,} registrations ({PER_SESSION} a session, 10 of them",
        "waiting), certificates for the attendees of 200 sessions, on PostgreSQL. Each request",
        "goes through Django's test client in this process (middleware, admin, form, report",
        f"queries, template or workbook); median of {RUNS} runs after a warm-up, seconds.",
        "",
        "| | median s | min s | max s | target |",
        "|---|---:|---:|---:|---|",
        row("report page, default filters, superuser (all sessions)", r["page_superuser"], 1),
        row(
            f"report page, default filters, organizer of {len(range(0, SESSIONS, 10))} sessions",
            r["page_organizer"],
            1,
        ),
        row("XLSX export of the same report, superuser", r["xlsx_superuser"], 5),
        row("the report's queries alone (impact_report)", r["selector"]),
        "",
        f"- The page ran **{r['queries']} queries** (the test pins at most 15, whatever the size).",
        f"- It counted {h.sessions_held + h.sessions_upcoming:,} sessions, {h.registered:,}"
        f" registered, {h.attendances:,} attendances, {h.people_attended:,} people reached,"
        f" {h.organizations:,} organizations, {h.unmet_demand:,} left waiting; the workbook is"
        f" {r['xlsx_bytes'] / 1024:.0f} KiB.",
        "- The page's time is nearly all the report's queries: the sessions (with their local",
        "  month and city), one GROUP BY of the registrations by session and sector whose",
        "  subtotals give every sum (headline, sector, month, city), and one query per distinct",
        "  count (people, organizations, the sector's organizations) and for certificates. The",
        "  queries name the sessions by id, so PostgreSQL hashes the registrations instead of",
        "  looping over them (it cannot estimate the local-date condition).",
        f"- Machine: {os.cpu_count()} cores (load average {os.getloadavg()[0]:.2f} at the end);"
        f" run at {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    env.create_database()
    env.setup_django()
    started = time.monotonic()
    superuser, organizer = seed()
    print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)
    results = measure(superuser, organizer)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(render(results))
    print(RESULTS.read_text())
    met = (
        statistics.median(results["page_superuser"]) < PAGE_TARGET
        and statistics.median(results["page_organizer"]) < PAGE_TARGET
        and statistics.median(results["xlsx_superuser"]) < XLSX_TARGET
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
