"""Soak the embedded default: `make run`'s processes under a stream of registrations.

web, worker and beat start as `make run` starts them (the Procfile under honcho, SQLite,
the SQLite broker, email to files), in a temporary state folder on a free port, with the
demo data, rate limits off and beat's reminder and evaluation scans every
SOAK_SCAN_SECONDS (3). For SOAK_MINUTES (10; "by-date": 10 on one day in 7, picked by
the run's date as TEST_CLOCK=by-date picks its moment, else 1) a visitor registers every
SOAK_INTERVAL seconds (1) through the session page's form (GET for the CSRF token, then
POST) and loads the home page. Then, once the queue has drained, it checks:
- no process crashed: no line of bin/respawn's, no "Unrecoverable error", no traceback;
- no 5xx answer, and every registration answered with its redirect;
- every registrant's email was written exactly once (var/mail/), and every outbox row
  of theirs is marked sent;
- Ctrl-C stops all three cleanly.
It prints its figures and exits non-zero on any failure. Run by `make soak` (10 minutes)
and by .ci/run with SOAK_MINUTES=by-date (a minute on most runs, the full soak once a week).
"""

import email.parser
import http.cookiejar
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.embedded import EmbeddedDefault  # noqa: E402


def soak_minutes(value: str, today: date | None = None) -> float:
    """SOAK_MINUTES as a number; "by-date" is the full 10 on one day in 7, else 1."""
    if value == "by-date":
        return 10.0 if (today or date.today()).toordinal() % 7 == 0 else 1.0
    return float(value)


MINUTES = soak_minutes(os.environ.get("SOAK_MINUTES", "10"))
INTERVAL = float(os.environ.get("SOAK_INTERVAL", "1"))
SCAN_SECONDS = os.environ.get("SOAK_SCAN_SECONDS", "3")
# Time the worker gets to send what is queued once the stream stops.
DRAIN_SECONDS = 180
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SESSION_LINK = re.compile(r'href="/sessions/([A-Za-z0-9_-]{6,})/"')
RUN = uuid.uuid4().hex[:6]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep a 302 as the answer: a registration's success is its redirect."""

    def redirect_request(self, *args, **kwargs):
        return None


class Soak:
    """The stream of visitors against one EmbeddedDefault, and what it saw."""

    def __init__(self, site: EmbeddedDefault) -> None:
        self.site = site
        self.base = f"http://127.0.0.1:{site.port}"
        self.statuses: Counter[int] = Counter()
        self.post_seconds: list[float] = []
        self.registered: dict[str, float] = {}  # email -> when its POST was answered
        self.failures: list[str] = []

    def request(self, opener, path: str, data: dict | None = None) -> tuple[int, str]:
        """One request; its status (None counts as 0: nothing answered) and body."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with opener.open(self.base + path, body, timeout=30) as response:
                status, text = response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, ""
        except OSError as error:
            status, text = 0, str(error)
        self.statuses[status] += 1
        if status >= 500 or status == 0:
            self.failures.append(f"{'POST' if data else 'GET'} {path}: {status} {text[:200]}")
        return status, text

    def sessions(self) -> list[str]:
        """The public ids of the listed sessions whose page has the registration form."""
        opener = urllib.request.build_opener()
        _, page = self.request(opener, "/sessions/")
        ids = [
            public_id
            for public_id in dict.fromkeys(SESSION_LINK.findall(page))
            if 'name="full_name"' in self.request(opener, f"/sessions/{public_id}/")[1]
        ]
        if not ids:
            raise SystemExit("the catalogue lists no session to register for")
        return ids

    def register(self, public_id: str, number: int) -> None:
        """A new visitor (no cookies) fills in the session's form and sends it."""
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )
        path = f"/sessions/{public_id}/"
        _, page = self.request(opener, path)
        token = CSRF.search(page)
        if not token or 'name="sector"' not in page:
            self.failures.append(f"GET {path}: no registration form")
            return
        address = f"soak-{RUN}-{number}@example.org"
        started = time.monotonic()
        status, _ = self.request(
            opener,
            path,
            {
                "csrfmiddlewaretoken": token.group(1),
                "full_name": f"Soak Visitor {number}",
                "email": address,
                "organization": "Soak Test",
                "sector": self.sector(page),
                "job_title": "Tester",
                "accommodations": "",
                "consent": "on",
            },
        )
        self.post_seconds.append(time.monotonic() - started)
        if status == 302:
            self.registered[address] = time.time()
        else:
            self.failures.append(f"POST {path} for {address}: {status}, not a redirect")

    @staticmethod
    def sector(page: str) -> str:
        """The first sector the form offers."""
        select = page[page.index('name="sector"') :]
        return re.search(r'<option value="(\d+)"', select).group(1)

    def run(self, minutes: float) -> None:
        """Register one visitor every INTERVAL seconds for `minutes`, and load the home page."""
        ids = self.sessions()
        deadline = time.monotonic() + 60 * minutes
        number = 0
        while time.monotonic() < deadline:
            tick = time.monotonic()
            self.register(ids[number % len(ids)], number)
            self.request(urllib.request.build_opener(), "/")
            number += 1
            time.sleep(max(0.0, INTERVAL - (time.monotonic() - tick)))


def emails_by_recipient(mail_dir: Path) -> dict[str, list[Path]]:
    """Each recipient's copies in var/mail/ (one .eml per message)."""
    parser = email.parser.BytesHeaderParser()
    copies: dict[str, list[Path]] = {}
    for path in mail_dir.glob("*.eml"):
        with path.open("rb") as message:
            copies.setdefault(parser.parse(message)["To"], []).append(path)
    return copies


def outbox(database: Path, run: str) -> Counter[str]:
    """The soak registrants' outbox rows by status."""
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT n.status, count(*) FROM events_notification n "
            "JOIN events_registration r ON r.id = n.registration_id "
            "WHERE r.email LIKE ? GROUP BY n.status",
            (f"soak-{run}-%",),
        ).fetchall()
    return Counter(dict(rows))


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of them lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> int:
    """Start, soak, drain, stop, check; print the figures; 1 on any failure."""
    var_dir = Path(tempfile.mkdtemp(prefix="soak-embedded-"))
    print(
        f"Soak: {MINUTES:g} min, a registration every {INTERVAL:g} s, beat's scans every "
        f"{SCAN_SECONDS} s; state in {var_dir}",
        flush=True,
    )
    site = EmbeddedDefault(
        var_dir, RATELIMIT_ENABLE="False", REMINDER_SCAN_SECONDS=SCAN_SECONDS, LOG_LEVEL="INFO"
    )
    try:
        with site:
            site.prepare(demo=True)
            site.start()
            print(f"Serving on {site.port}; registering...", flush=True)
            soak = Soak(site)
            started = time.monotonic()
            soak.run(MINUTES)
            soaked = time.monotonic() - started

            def drained() -> bool:
                copies = emails_by_recipient(var_dir / "mail")
                return all(address in copies for address in soak.registered)

            try:
                site.wait_for(drained, DRAIN_SECONDS, "every registrant's email")
            except AssertionError as error:
                soak.failures.append(str(error).splitlines()[0])
            stopped_with = site.stop()
        return report(site, soak, soaked, stopped_with)
    finally:
        if os.environ.get("SOAK_KEEP"):
            print(f"State kept in {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


def report(site: EmbeddedDefault, soak: Soak, soaked: float, stopped_with: int) -> int:
    """Check what the soak saw and print its figures; 0 when all is well."""
    log = site.log()
    failures = list(soak.failures)
    failures += [f"a process crashed: {line}" for line in site.restarts()]
    if "Unrecoverable error" in log:
        failures.append("the worker logged an Unrecoverable error")
    tracebacks = log.count("Traceback (most recent call last)")
    if tracebacks:
        failures.append(f"{tracebacks} tracebacks in the log")
    if stopped_with not in (0, 130) or any(
        f"{name}.1 stopped (rc=0)" not in log for name in ("web", "worker", "beat")
    ):
        failures.append(f"Ctrl-C did not stop all three cleanly (honcho's status {stopped_with})")

    copies = emails_by_recipient(site.var_dir / "mail")
    counts = Counter(len(copies.get(address, [])) for address in soak.registered)
    missing, doubled = counts.get(0, 0), sum(n for k, n in counts.items() if k > 1)
    if missing or doubled:
        failures.append(f"emails: {missing} registrants got none, {doubled} more than one")
    rows = outbox(site.var_dir / "db.sqlite3", RUN)
    if set(rows) - {"sent"}:
        failures.append(f"outbox rows not sent: {dict(rows)}")
    delays = [
        copy.stat().st_mtime - soak.registered[address]
        for address in soak.registered
        for copy in copies.get(address, [])[:1]
    ]
    scans = log.count("Sending due task")
    broker_mb = (site.var_dir / "celery-broker.sqlite3").stat().st_size / 1e6

    print(f"""
Soak of the embedded default: {soaked / 60:.1f} min
  registrations answered 302:  {len(soak.registered)}
  HTTP statuses:               {dict(sorted(soak.statuses.items()))}
  POST time p50 / p95 / max:   {percentile(soak.post_seconds, 0.5) * 1000:.0f} / \
{percentile(soak.post_seconds, 0.95) * 1000:.0f} / {max(soak.post_seconds, default=0) * 1000:.0f} ms
  email after its POST p50 / max: {percentile(delays, 0.5):.1f} / {max(delays, default=0):.1f} s
  emails per registrant:       {dict(sorted(counts.items()))}
  outbox rows by status:       {dict(rows)}
  beat's tasks sent:           {scans}
  restarts:                    {len(site.restarts())}
  broker file:                 {broker_mb:.1f} MB""")
    for failure in failures[:20]:
        print(f"FAIL {failure}")
    print("soak: " + ("0 passed, 1 failed" if failures else "1 passed, 0 failed"))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
