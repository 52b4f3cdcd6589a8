"""Public pages and registration POSTs under load, against a bare view in the same run.

Stack: gunicorn with 2 sync workers, PostgreSQL (BENCH_DATABASE_URL, default database
tt_bench_pages, recreated), Redis as broker and cache (BENCH_REDIS_URL, db 12; the
email tasks the registrations queue are dropped afterwards, no worker runs). The load
client, wrk (bench/common.py), runs on the same 2 cores as the server.

Measured, each for BENCH_SECONDS (default 10) after a 2 s warm-up:
- /bench/bare/: one query, a tiny template, every middleware (the baseline);
- /sessions/: the catalogue, 40 upcoming sessions with registrations, 12 a page;
- a session page whose session holds 500 registrations;
- registration POSTs for one session, every one a new email, 16 clients.
Targets, as ratios in the same run: anonymous pages at least 1.0 of the bare view,
signed-in pages at least 0.25 of it; registrations at least 0.20 of a bare insert
view, with no overbooking. Results go to bench/results/pages.md.
"""

import os
import re
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    BenchEnv,
    Server,
    add_registrations,
    build_request,
    measure,
    render_table,
    request,
)

SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
RESULTS = Path(__file__).resolve().parent / "results" / "pages.md"
# Below the number of POSTs a run makes, so that the run crosses from seats to the
# waiting list and "no overbooking" is tested at the boundary.
POST_CAPACITY = 150

env = BenchEnv(name="pages", redis_db=12)


def seed() -> dict:
    """Sessions for the catalogue, one with 500 registrations, one to register for."""
    from django.utils import timezone

    from events.models import Sector, Training, TrainingSession

    sectors = list(Sector.objects.all())
    training = Training.objects.create(
        title="Identifying & Reporting Human Trafficking",
        slug="identifying-reporting",
        summary="Spot the signs of trafficking and know how to report them.",
        description="Three hours on the indicators of labor and sex trafficking.",
        hosts="DHS Blue Campaign and the Office of the U.S. Senator for North Dakota",
    )
    training.target_sectors.set(sectors)
    now = timezone.now()
    cities = ["Fargo", "Bismarck", "Grand Forks", "Minot", "Williston", "Dickinson"]

    def session(days: float, capacity: int, city: str) -> TrainingSession:
        starts = now + timedelta(days=days)
        return TrainingSession.objects.create(
            training=training,
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            venue=f"{city} Civic Center",
            address="207 4th St N",
            city=city,
            capacity=capacity,
            status=TrainingSession.Status.PUBLISHED,
        )

    for n in range(40):
        upcoming = session(2 + n, 60, cities[n % len(cities)])
        add_registrations(upcoming, 30 + n, prefix=f"s{n}-", now=now)
    for n in range(10):
        past = session(-30 - n, 60, cities[n % len(cities)])
        add_registrations(past, 50, prefix=f"p{n}-", now=now)
    busy = session(1.5, 600, "Fargo")
    add_registrations(busy, 500, prefix="busy-", now=now)
    target = session(3.5, POST_CAPACITY, "Fargo")
    return {"busy": busy.public_id, "target": target.public_id, "sector": sectors[5].pk}


def vacuum_analyze() -> None:
    """Statistics and visibility map as autovacuum would leave them on a live site."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def registration_shape(port: int, public_id: str, sector_id: int) -> dict:
    """Fetch the form once for a CSRF cookie and token; every POST then carries both."""
    path = f"/sessions/{public_id}/"
    _status, page = request(port, build_request("GET", path))
    cookie = re.search(rb"Set-Cookie: csrftoken=([^;]+);", page).group(1).decode()
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    body = urlencode(
        {
            "csrfmiddlewaretoken": token,
            "full_name": "Load Tester {n}",
            "email": "load{n}@example.org",
            "organization": "Bench Org",
            "sector": sector_id,
            "job_title": "Tester",
            "accommodations": "",
            "consent": "on",
        }
    ).replace("%7Bn%7D", "{n}")
    headers = {
        "Cookie": f"csrftoken={cookie}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return {"path": path, "method": "POST", "body": body, "headers": headers}


def signed_in_cookie() -> str:
    """A session cookie of a signed-in resident, made as the login view would."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    user = User.objects.create_user(email="bench-visitor@example.org", password=None)
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def check_registrations(public_id: str, posted_ok: int) -> dict:
    from django.db.models import Count

    from events.models import Registration

    rows = Registration.objects.filter(session__public_id=public_id)
    by_status = dict(rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    total = rows.count()
    return {
        "rows": total,
        "confirmed": by_status.get("confirmed", 0),
        "waitlisted": by_status.get("waitlisted", 0),
        "distinct_emails": rows.values("email").distinct().count(),
        "posted_ok": posted_ok,
        "overbooked": by_status.get("confirmed", 0) > POST_CAPACITY,
        "expected_confirmed": min(POST_CAPACITY, total),
    }


def main() -> int:
    started = time.monotonic()
    env.create_database()
    env.setup_django()
    from django.conf import settings

    ids = seed()
    vacuum_analyze()
    print(f"   seeded in {time.monotonic() - started:.0f}s", flush=True)

    with Server(env, workers=2) as server:
        port = server.port

        def page(label: str, path: str):
            print(f"   {label} ...", flush=True)
            return measure(path, port=port, clients=CLIENTS, seconds=SECONDS, label=label)

        bare = page("bare view (1 query)", "/bench/bare/")
        catalogue = page("catalogue /sessions/", "/sessions/")
        session_page = page("session page, 500 registrations", f"/sessions/{ids['busy']}/")
        chrome = page("bare view inside base.html (context)", "/bench/bare-base/")
        bare_again = page("bare view again", "/bench/bare/")
        signed_in = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={signed_in_cookie()}"}
        fresh = [
            measure(
                path, port=port, clients=CLIENTS, seconds=SECONDS, label=label, headers=signed_in
            )
            for label, path in (
                ("catalogue, signed-in", "/sessions/"),
                ("session page, signed-in", f"/sessions/{ids['busy']}/"),
            )
        ]
        print("   bare insert POSTs ...", flush=True)
        bare_insert = measure(
            "/bench/bare-insert/",
            port=port,
            method="POST",
            body="n={n}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            clients=CLIENTS,
            seconds=SECONDS,
            expect=201,
            label="bare insert POST (one row, context)",
        )
        print("   registration POSTs ...", flush=True)
        posts = measure(
            port=port,
            clients=CLIENTS,
            seconds=SECONDS,
            expect=302,
            label="registration POST (new email each)",
            **registration_shape(port, ids["target"], ids["sector"]),
        )
    env.flush_redis()

    check = check_registrations(ids["target"], posts.ok)
    baseline = bare if bare.rps >= bare_again.rps else bare_again
    ratios = {s.label: s.rps / baseline.rps for s in (catalogue, session_page, *fresh)}
    anonymous_ok = all(ratios[s.label] >= 1.0 for s in (catalogue, session_page))
    signed_in_ok = all(ratios[s.label] >= 0.25 for s in fresh)
    post_ratio = posts.rps / bare_insert.rps
    posts_ok = post_ratio >= 0.20 and not check["overbooked"] and posts.errors == 0
    # wrk stops (after the warm-up and after the run) with up to one request in flight
    # per connection: the server may still complete those, so they are rows without a
    # counted answer.
    in_flight = check["rows"] - check["posted_ok"]
    consistent = (
        check["rows"] == check["distinct_emails"]
        and 0 <= in_flight <= 2 * CLIENTS
        and check["confirmed"] == check["expected_confirmed"]
    )

    section = f"""## Public pages and registration (bench/bench_pages.py)

Gunicorn with 2 sync workers, PostgreSQL, Redis as the Celery broker and cache (no
worker running; queued emails are dropped afterwards), DEBUG off, rate limits off.
The load client is wrk ({CLIENTS} connections on 2 threads, a new connection per
request), sharing the 2 cores with the server. Each row ran {SECONDS:.0f} s after a
2 s warm-up. The bare view (one query, a tiny template, every middleware) ran before
and after the pages; the ratio uses the faster of the two runs.

Anonymous visitors are served stored copies of the catalogue and session pages
(events/views/page_cache.py; the version check is one Redis round trip). Signed-in
visitors (one resident's session cookie) get the members' stored copy of the
catalogue, and a session page rendered for them (its registration form is filled in
with their details) from cached fragments.

{render_table([bare, catalogue, session_page, chrome, bare_again, *fresh], baseline)}

Targets, as ratios to the bare view in this run:
- anonymous catalogue and session page at least 1.0: **{"met" if anonymous_ok else "missed"}**
  (catalogue {ratios[catalogue.label]:.2f}, session page {ratios[session_page.label]:.2f});
- signed-in catalogue and session page at least 0.25: **{"met" if signed_in_ok else "missed"}**
  (catalogue {ratios[fresh[0].label]:.2f}, session page {ratios[fresh[1].label]:.2f}).

{render_table([posts, bare_insert])}

Registration POSTs for one session (capacity {POST_CAPACITY}), each a new email, each
answered with the redirect to "check your email": {posts.rps:,.0f}/s at {CLIENTS} clients.
In the same run a bare insert view (one row, no CSRF, no template) managed
{bare_insert.rps:,.0f}/s; registrations ran at **{post_ratio:.2f}** of it.
Target: at least 0.20 of the bare insert, with no overbooking:
**{"met" if posts_ok else "missed"}**.
After the run: {check["rows"]} registrations ({check["confirmed"]} confirmed,
{check["waitlisted"]} waitlisted), {check["distinct_emails"]} distinct emails,
{check["posted_ok"]} POSTs answered 302 (warm-up included; {in_flight} more were in
flight when wrk stopped); confirmed = min(capacity, registrations):
{"yes" if consistent else "NO"}. Overbooked: {"YES" if check["overbooked"] else "no"}.
"""
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(section)
    print(section)
    return 0 if (consistent and not check["overbooked"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
