"""A registration rush (issue 30): a burst of registrations for one session, all sent at
once, while one visitor keeps loading another session's page.

Stack: the product's worker model (gunicorn gthread, trafficking_training/gunicorn_conf.py,
WEB_CONCURRENCY 2 × WEB_THREADS 4), PostgreSQL, Redis as broker and cache (no worker
runs; the queued emails are dropped). The client is asyncio in this process: every POST
of a burst opens its connection at once (gunicorn's backlog holds what the threads do
not take yet), and a prober loads the other session's stored page one request after
another, before the burst (idle) and during it.

The session is the national case of issue 30: online, 10,000 seats. Bursts of 500, then
doubling up to BURST_MAX (4,000): each is answered 302 (registered), 503 (the busy page:
a session lock not granted in SESSION_LOCK_TIMEOUT, or more than SESSION_LOCK_WAITERS
requests of one process waiting), other, or not within 60 s (the proxy's timeout).

Target: during the 500 burst the other page's p95 stays under 3 × its idle p95. The
largest burst with no 5xx and nothing over 60 s is reported, with the default
SESSION_LOCK_WAITERS and with it raised to the thread count.
Results go to bench/results/burst.md.
"""

import asyncio
import os
import re
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BenchEnv, Server, build_request, request  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "burst.md"
BURST_MAX = int(os.environ.get("BURST_MAX", "4000"))
PROXY_TIMEOUT = 60.0
SEATS = 10_000
IDLE_SECONDS = 5.0

env = BenchEnv(name="burst", redis_db=8)


def seed() -> dict:
    from django.utils import timezone

    from events.models import Sector, Training, TrainingSession

    training = Training.objects.create(
        title="Identifying & Reporting Human Trafficking", slug="national"
    )
    now = timezone.now()

    def session(days: float, capacity: int, **fields) -> TrainingSession:
        starts = now + timedelta(days=days)
        return TrainingSession.objects.create(
            training=training,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=capacity,
            status=TrainingSession.Status.PUBLISHED,
            **fields,
        )

    national = session(7, SEATS, city="Online", venue="", online_url="https://meet.example.org/n")
    other = session(3, 60, city="Bismarck", venue="Civic Center", address="315 S 5th St")
    return {
        "national": national.public_id,
        "other": other.public_id,
        "sector": Sector.objects.order_by("order").first().pk,
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def send(port: int, raw: bytes, timeout: float) -> tuple[int, float]:
    """One request on a new connection: (status, seconds); status 0 for no answer in time."""
    started = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        writer.write(raw)
        await writer.drain()
        head = await asyncio.wait_for(reader.read(), timeout - (time.monotonic() - started))
        writer.close()
        status = int(head[9:12]) if head[:5] == b"HTTP/" else 0
    except (TimeoutError, OSError):
        status = 0
    return status, time.monotonic() - started


async def probe(port: int, raw: bytes, until: asyncio.Event) -> list[float]:
    """Load a page again and again until told to stop: the latencies, in seconds."""
    latencies = []
    while not until.is_set():
        status, seconds = await send(port, raw, PROXY_TIMEOUT)
        if status == 200:
            latencies.append(seconds)
        await asyncio.sleep(0.01)
    return latencies


async def idle_probe(port: int, raw: bytes) -> list[float]:
    stop = asyncio.Event()
    task = asyncio.create_task(probe(port, raw, stop))
    await asyncio.sleep(IDLE_SECONDS)
    stop.set()
    return await task


async def burst(port: int, posts: list[bytes], page: bytes) -> dict:
    stop = asyncio.Event()
    prober = asyncio.create_task(probe(port, page, stop))
    started = time.monotonic()
    answers = await asyncio.gather(*(send(port, raw, PROXY_TIMEOUT) for raw in posts))
    elapsed = time.monotonic() - started
    stop.set()
    during = await prober
    statuses = [status for status, _ in answers]
    registered = [seconds for status, seconds in answers if status == 302]
    return {
        "size": len(posts),
        "elapsed": elapsed,
        "registered": statuses.count(302),
        "busy": statuses.count(503),
        "timeouts": statuses.count(0),
        "other": sum(1 for s in statuses if s not in (302, 503, 0)),
        "p50": percentile(registered, 50),
        "p95": percentile(registered, 95),
        "max": max((s for _, s in answers), default=0.0),
        "page_p95": percentile(during, 95),
        "page_samples": len(during),
    }


def post_requests(port: int, ids: dict, count: int, offset: int) -> list[bytes]:
    path = f"/sessions/{ids['national']}/"
    _status, page = request(port, build_request("GET", path))
    cookie = re.search(rb"Set-Cookie: csrftoken=([^;]+);", page).group(1).decode()
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    headers = {
        "Cookie": f"csrftoken={cookie}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    posts = []
    for n in range(offset, offset + count):
        body = urlencode(
            {
                "csrfmiddlewaretoken": token,
                "full_name": f"Rush {n}",
                "email": f"rush{n}@example.org",
                "organization": "Bench Org",
                "sector": ids["sector"],
                "job_title": "Tester",
                "consent": "on",
            }
        ).encode()
        posts.append(build_request("POST", path, headers=headers, body=body))
    return posts


def run_model(label: str, extra: dict, ids: dict, offset: int) -> tuple[list[dict], float, int]:
    """Bursts of 500, 1,000, ... on one server configuration."""
    model_env = BenchEnv(name="burst", redis_db=8, extra=extra)
    rows = []
    with Server(model_env, production=True) as server:
        page = build_request("GET", f"/sessions/{ids['other']}/")
        request(server.port, page)  # stores it
        idle = asyncio.run(idle_probe(server.port, page))
        idle_p95 = percentile(idle, 95)
        size = 500
        while size <= BURST_MAX:
            print(f"   {label}: burst of {size} ...", flush=True)
            posts = post_requests(server.port, ids, size, offset)
            offset += size
            result = asyncio.run(burst(server.port, posts, page))
            rows.append(result)
            if result["busy"] or result["timeouts"] or result["other"]:
                break
            size *= 2
    return rows, idle_p95, offset


def table(rows: list[dict], idle_p95: float) -> str:
    lines = [
        "| burst | took s | registered | busy (503) | no answer in 60 s | other |"
        " POST p50 s | POST p95 s | slowest s | other page p95 ms (× idle) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['size']:,} | {r['elapsed']:.1f} | {r['registered']:,} | {r['busy']:,} |"
            f" {r['timeouts']:,} | {r['other']:,} | {r['p50']:.2f} | {r['p95']:.2f} |"
            f" {r['max']:.1f} | {r['page_p95'] * 1000:.0f}"
            f" ({r['page_p95'] / idle_p95:.1f}×) |"
        )
    return "\n".join(lines)


def largest_clean(rows: list[dict]) -> int:
    clean = [r["size"] for r in rows if not (r["busy"] or r["timeouts"] or r["other"])]
    return max(clean, default=0)


def check_no_overbooking(public_id: str) -> tuple[int, int]:
    from events.models import Registration

    rows = Registration.objects.filter(session__public_id=public_id)
    confirmed = rows.filter(status=Registration.Status.CONFIRMED).count()
    return confirmed, rows.values("email").distinct().count()


def main() -> int:
    env.create_database()
    env.setup_django()
    from django.conf import settings

    ids = seed()
    threads = int(os.environ.get("WEB_THREADS", "4"))
    default_rows, default_idle, offset = run_model("defaults", {}, ids, 0)
    raised_rows, raised_idle, offset = run_model(
        f"SESSION_LOCK_WAITERS={threads}",
        {"SESSION_LOCK_WAITERS": str(threads)},
        ids,
        offset,
    )
    env.flush_redis()
    confirmed, distinct = check_no_overbooking(ids["national"])
    first = default_rows[0]
    ratio = first["page_p95"] / default_idle
    met = ratio < 3
    section = f"""## A registration rush (bench/bench_burst.py)

The national case: one online session of {SEATS:,} seats, and bursts of registrations
for it sent all at once (each POST on its own connection, opened together), on the
product's worker model (gunicorn gthread, 2 processes × {threads} threads), PostgreSQL and
Redis on the same 2 cores as the client. Meanwhile one visitor loads another session's
page (a stored copy) one request after another; its idle p95 was measured for
{IDLE_SECONDS:.0f} s just before. Bursts double from 500 until one is not all answered 302
within {PROXY_TIMEOUT:.0f} s (a proxy's timeout), up to {BURST_MAX:,}.

With the defaults (SESSION_LOCK_TIMEOUT {settings.SESSION_LOCK_TIMEOUT} s,
SESSION_LOCK_WAITERS {settings.SESSION_LOCK_WAITERS}); the other page's idle p95:
{default_idle * 1000:.0f} ms.

{table(default_rows, default_idle)}

With SESSION_LOCK_WAITERS={threads} (every thread may wait for the session's lock); idle
p95 {raised_idle * 1000:.0f} ms.

{table(raised_rows, raised_idle)}

Target: during the burst of 500, another session's page keeps a p95 under 3 × its idle
p95: **{"met" if met else "missed"}** ({ratio:.1f}×, defaults).
Largest burst answered with no 5xx and nothing over {PROXY_TIMEOUT:.0f} s: defaults
**{largest_clean(default_rows):,}**, SESSION_LOCK_WAITERS={threads}
**{largest_clean(raised_rows):,}**.
After the runs: {confirmed:,} confirmed of {SEATS:,} seats, {distinct:,} distinct emails
(overbooked: {"YES" if confirmed > SEATS else "no"}).
"""
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(section)
    print(section)
    return 1 if confirmed > SEATS else 0


if __name__ == "__main__":
    raise SystemExit(main())
