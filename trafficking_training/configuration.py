"""Every environment variable the platform reads, written once.

settings.py reads its variables through `_read(NAME)`, which takes the type and the
default from this list and refuses a name that is not in it. The rest (gunicorn's
processes, `make run`'s port, the tests' and benchmarks' knobs) are listed here too,
with the file that reads them. docs/configuration.md is generated from this list:

    .venv/bin/python -m trafficking_training.configuration > docs/configuration.md
    (or `make docs`)

tests/test_configuration_docs.py fails when that page differs from the list, when a
file reads a variable that is not listed, or when the list names one nothing reads.

This module imports nothing from Django, so gunicorn's config file can use it too.
"""

import os
import sys
from dataclasses import dataclass

SETTINGS = "trafficking_training/settings.py"
# The default is worked out in settings.py from other values (VAR_DIR, REDIS_URL, ...);
# `shown` says what it is.
COMPUTED = object()

# How settings.py parses each kind (the django-environ method), and how the page names it.
KINDS = {
    "str": "text",
    "int": "integer",
    "float": "number",
    "bool": "`True`/`False`",
    "list": "comma-separated",
    "db_url": "URL",
}


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str
    default: object
    meaning: str
    group: str
    # The default as the page shows it, when the value alone would not say it well.
    shown: str = ""
    read_in: str = SETTINGS

    @property
    def default_shown(self) -> str:
        if self.shown:
            return self.shown
        if self.default in ("", []):
            return "empty"
        if isinstance(self.default, list):
            return "`" + ",".join(self.default) + "`"
        return f"`{self.default}`"


SITE = "Site and security"
DATA = "Database, cache and broker"
EMAIL = "Email and the outbox"
LIMITS = "Rate limits and logins"
SEATS = "Seats and the waiting list"
BADGES = "Open Badges"
PROCESSES = "Processes (`make run`, gunicorn, docker compose)"
TESTS = "For developers: tests and CI"
BENCH = "For developers: benchmarks (`make bench`)"

VARIABLES = [
    # --- Site and security --------------------------------------------------------------
    Variable(
        "DJANGO_ENV",
        "str",
        "development",
        "`production` turns DEBUG off, requires `SECRET_KEY`, `ALLOWED_HOSTS` and a public "
        "`SITE_URL`, and enables HTTPS-only cookies and HSTS. `test` is for the test suite "
        "(DEBUG off by default).",
        SITE,
    ),
    Variable(
        "DEBUG",
        "bool",
        COMPUTED,
        "Django's debug pages. Ignored in production, where it is always off.",
        SITE,
        shown="`True` under `development`, else `False`",
    ),
    Variable(
        "SECRET_KEY",
        "str",
        "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz",
        "Signs sessions and derives manage-link tokens: changing it invalidates every manage "
        "link already emailed. Required in production.",
        SITE,
        shown="a development-only key",
    ),
    Variable(
        "ALLOWED_HOSTS",
        "list",
        COMPUTED,
        "Host names the site answers to. Required in production.",
        SITE,
        shown="`127.0.0.1,localhost,[::1]` (none in production)",
    ),
    Variable(
        "CSRF_TRUSTED_ORIGINS",
        "list",
        [],
        "Origins (with scheme) allowed to post forms, e.g. `https://trainings.example.org`.",
        SITE,
    ),
    Variable(
        "SITE_URL",
        "str",
        "http://127.0.0.1:8000",
        "Absolute base for links in emails, calendar files and certificate QR codes. "
        "Production refuses to start without it or with localhost. Under `make run` it "
        "follows `PORT` unless set.",
        SITE,
        shown="`http://127.0.0.1:8000`; under `make run`, `http://127.0.0.1:$PORT`",
    ),
    Variable(
        "ADMIN_PATH",
        "str",
        "admin/",
        "URL prefix of the organizer admin (validated, e.g. `backoffice-7f3a/`).",
        SITE,
    ),
    Variable(
        "SECURE_SSL_REDIRECT",
        "bool",
        True,
        "Production only: redirect plain http to https. Set `False` only behind a proxy that "
        "already redirects, or for a plain-http try-out.",
        SITE,
        shown="`True` (production only)",
    ),
    Variable(
        "SECURE_HSTS_SECONDS",
        "int",
        31536000,
        "Production only: HSTS max-age.",
        SITE,
        shown="`31536000` (production only)",
    ),
    Variable(
        "TRUSTED_PROXY_COUNT",
        "int",
        0,
        "Reverse proxies in front of the app; the client address is the Nth from the right in "
        "`X-Forwarded-For`.",
        SITE,
    ),
    Variable(
        "CSP_REPORT_ONLY",
        "bool",
        False,
        "`True` sends the policy as `Content-Security-Policy-Report-Only` (to trial a change).",
        SITE,
    ),
    Variable("CSP_REPORT_URI", "str", "", "Where browsers report policy violations.", SITE),
    Variable(
        "EMBED_ALLOWED_ORIGINS",
        "str",
        "",
        "Comma-separated origins of partner sites that may show `/embed/sessions/` in an "
        "iframe, e.g. `https://school.example.org,https://library.example.org`: scheme and "
        "host (and port), no path. Anything else stops start-up.",
        SITE,
        shown="empty (nobody)",
    ),
    Variable(
        "DATA_UPLOAD_MAX_MEMORY_SIZE",
        "int",
        256 * 1024,
        "Largest accepted request body (bytes); bigger ones get a 413 page.",
        SITE,
    ),
    Variable(
        "RETENTION_MONTHS",
        "int",
        24,
        "Registrant details are anonymized this many months after a session ends (minimum 1).",
        SITE,
    ),
    Variable(
        "CHECKIN_OPENS_BEFORE_MINUTES",
        "int",
        120,
        "Door check-in (and walk-ins) opens this many minutes before a session starts; "
        "earlier, the door refuses and an organizer records attendance with a reason.",
        SITE,
    ),
    Variable(
        "CHECKIN_GRACE_MINUTES",
        "int",
        60,
        "Door check-in stays open this many minutes after a session ends, for late "
        "scans and uploads; later attendance is marked from the roster.",
        SITE,
    ),
    Variable(
        "STATIC_FINDERS",
        "bool",
        COMPUTED,
        "`True` serves static files straight from `static/` and the apps; `False` serves the "
        "`collectstatic` collection with its compressed copies (production, and `make run`).",
        SITE,
        shown="`True` outside production",
    ),
    Variable(
        "LOG_LEVEL",
        "str",
        "INFO",
        "Root log level, for web, worker and beat alike (Celery logs through Django's "
        "`LOGGING`, so its `--loglevel` has no effect).",
        SITE,
    ),
    # --- Database, cache and broker -----------------------------------------------------
    Variable(
        "VAR_DIR",
        "str",
        COMPUTED,
        "The embedded default's state: SQLite database and broker, file cache, mail copies, "
        "media, beat's schedule, the development badge key. The Makefile and the Procfile "
        "read it too.",
        DATA,
        shown="`var/` beside the code",
    ),
    Variable(
        "DATABASE_URL",
        "db_url",
        COMPUTED,
        "`postgres://user:pass@host:5432/db` switches to PostgreSQL; only `postgres://` and "
        "`sqlite:///` are accepted.",
        DATA,
        shown="`sqlite:///var/db.sqlite3`",
    ),
    Variable(
        "CONN_MAX_AGE",
        "int",
        60,
        "Seconds to keep PostgreSQL connections open (not read on SQLite).",
        DATA,
    ),
    Variable(
        "REDIS_URL",
        "str",
        "",
        "Redis for the cache, the rate limits and the page versions (and the broker unless "
        "`CELERY_BROKER_URL` is set). Without it they use a file cache under `VAR_DIR`.",
        DATA,
    ),
    Variable(
        "REDIS_TIMEOUT_SECONDS",
        "float",
        0.5,
        "Longest wait for one Redis command (the broker's: at least 1 s); past it the cache "
        "counts a miss and a publish gives up ([when a part fails](operations.md)).",
        DATA,
    ),
    Variable(
        "CELERY_BROKER_URL",
        "str",
        COMPUTED,
        "The Celery broker: `redis://`, `amqp://` or `sqla+sqlite:///` (kombu's SQLAlchemy "
        "transport on a SQLite file, for one machine).",
        DATA,
        shown="`REDIS_URL`, else `sqla+sqlite:///var/celery-broker.sqlite3`",
    ),
    Variable(
        "CELERY_WORKER_CONCURRENCY",
        "int",
        2,
        "Worker processes per `celery worker` started without `--concurrency` (as "
        "docker compose's worker is). `make run`'s worker passes `--concurrency 2` "
        "(threads) in the `Procfile`.",
        DATA,
    ),
    Variable(
        "CELERY_TASK_ALWAYS_EAGER",
        "bool",
        False,
        "Run tasks inside the process that enqueues them, without a worker (debugging only).",
        DATA,
    ),
    Variable(
        "MEDIA_ROOT",
        "str",
        COMPUTED,
        "Where certificate PDFs are stored (shared by web and worker; `manage.py backup` "
        "archives it).",
        DATA,
        shown="`var/media`",
    ),
    Variable(
        "SESSION_LOCK_TIMEOUT",
        "float",
        3.0,
        "Longest wait (seconds) for a session's lock on PostgreSQL; past it the visitor gets "
        'the 503 "very busy, please try again" page.',
        DATA,
    ),
    Variable(
        "SESSION_LOCK_WAITERS",
        "int",
        2,
        "Requests of one web process that may wait for a session's lock at once; one more "
        "gets the busy page at once, so the process's other threads (`WEB_THREADS`) keep "
        "serving other pages while a session is very busy.",
        DATA,
    ),
    # --- Email and the outbox -----------------------------------------------------------
    Variable(
        "EMAIL_URL",
        "str",
        "",
        "`smtp://user:pass@host:587`, `smtp+tls://…` or `smtps://…` sends real mail; empty "
        "writes each message to a file ([email](operators.md#email)).",
        EMAIL,
        shown="empty (`var/mail/` + a log line)",
    ),
    Variable(
        "DEFAULT_FROM_EMAIL",
        "str",
        "Trafficking Awareness Trainings <trainings@example.org>",
        "Sender of all emails.",
        EMAIL,
    ),
    Variable(
        "REMINDER_SCAN_SECONDS",
        "int",
        300,
        "How often beat runs the reminder scan (and the post-evaluation scan).",
        EMAIL,
    ),
    Variable(
        "OFFER_WINDOW_HOURS",
        "float",
        48,
        "Within this many hours before a session starts, a freed seat is offered to the next "
        "person waiting (who claims it from their manage page) instead of given at once.",
        SEATS,
    ),
    Variable(
        "OFFER_VALID_HOURS",
        "float",
        4,
        "How long a seat offer can be claimed (never past the session's start); then it "
        "passes to the next person waiting.",
        SEATS,
    ),
    Variable(
        "NOTIFICATION_RETRY_HOURS",
        "float",
        72.0,
        "How long after its first failure an email keeps being retried against a relay that "
        "refuses or times out; then it is marked failed.",
        EMAIL,
        shown="`72`",
    ),
    Variable(
        "NOTIFICATION_RETRY_BASE_SECONDS",
        "float",
        30,
        "First retry waits about this long; each further retry doubles it (with jitter), up "
        "to `NOTIFICATION_RETRY_MAX_SECONDS`.",
        EMAIL,
    ),
    Variable(
        "NOTIFICATION_RETRY_MAX_SECONDS",
        "float",
        1800,
        "Longest wait between two tries (at most 3000, below Redis' visibility timeout).",
        EMAIL,
    ),
    Variable(
        "NOTIFICATION_SCAN_SECONDS",
        "float",
        30,
        "How often beat runs the outbox recovery scan.",
        EMAIL,
    ),
    Variable(
        "NOTIFICATION_REQUEUE_AFTER_SECONDS",
        "int",
        60,
        "A queued email overdue this long lost its broker message (a publish while Redis was "
        "away) and is enqueued again.",
        EMAIL,
    ),
    Variable(
        "NOTIFICATION_STALE_SECONDS",
        "int",
        600,
        "A send claimed longer ago than this lost its worker and is taken over. Keep it above "
        "300 (the batch send's time limit).",
        EMAIL,
    ),
    Variable(
        "NOTIFICATION_BATCH_SIZE",
        "int",
        50,
        "Emails per send task, over one SMTP connection.",
        EMAIL,
    ),
    # --- Rate limits and logins ---------------------------------------------------------
    Variable(
        "RATELIMIT_ENABLE",
        "bool",
        True,
        "`False` turns every per-address limit off (load tests, benchmarks).",
        LIMITS,
    ),
    Variable(
        "RATELIMIT_REGISTER",
        "str",
        "10/m",
        "Registrations per address (`<count>/<s|m|h|d>`; empty turns this limit off, as for "
        "every `RATELIMIT_*` rate below).",
        LIMITS,
    ),
    Variable("RATELIMIT_RESEND", "str", "5/m", "Manage-link resend requests per address.", LIMITS),
    Variable(
        "RATELIMIT_LOOKUP",
        "str",
        "30/m",
        "Certificate lookups, verification pages and downloads per address.",
        LIMITS,
    ),
    Variable("RATELIMIT_SIGNUP", "str", "5/m", "Account sign-ups per address.", LIMITS),
    Variable(
        "RATELIMIT_PASSWORD_RESET", "str", "5/m", "Password-reset requests per address.", LIMITS
    ),
    Variable(
        "RATELIMIT_LOGIN",
        "str",
        "20/m",
        "Login posts per address (site and admin), on top of axes.",
        LIMITS,
    ),
    Variable("RATELIMIT_ERASE", "str", "10/m", "Erasure requests per address.", LIMITS),
    Variable(
        "RATELIMIT_MANAGE",
        "str",
        "10/m",
        "Corrections of a registrant's details through their manage link, per address.",
        LIMITS,
    ),
    Variable(
        "RATELIMIT_API",
        "str",
        "120/m",
        "Requests to the public API (`/api/v1/`) per address, all endpoints together; past it "
        "a JSON 429 with `Retry-After`.",
        LIMITS,
    ),
    Variable("AXES_ENABLED", "bool", True, "Login lockout on/off.", LIMITS),
    Variable(
        "AXES_FAILURE_LIMIT",
        "int",
        5,
        "Failed logins for one email from one address before the lockout.",
        LIMITS,
    ),
    Variable(
        "AXES_COOLOFF_MINUTES",
        "int",
        15,
        "How long a lockout lasts; it ends by itself.",
        LIMITS,
    ),
    # --- Open Badges --------------------------------------------------------------------
    Variable(
        "BADGE_SIGNING_KEY_FILE",
        "str",
        "",
        "Path of the Ed25519 key that signs Open Badges (`manage.py create_badge_key --output "
        "FILE`). Production requires it or `BADGE_SIGNING_KEY`; elsewhere a key is generated "
        "into `VAR_DIR`.",
        BADGES,
    ),
    Variable(
        "BADGE_SIGNING_KEY",
        "str",
        "",
        "The same key given inline, as a PEM or a private JWK.",
        BADGES,
    ),
    Variable(
        "BADGE_RETIRED_KEYS_FILE",
        "str",
        "",
        "PEM public keys of retired signing keys, still published in `/.well-known/did.json` "
        "so old badges verify.",
        BADGES,
    ),
    Variable(
        "BADGE_STATUS_LIST_SECONDS",
        "int",
        60,
        "How long a served revocation status list is reused (a revocation drops it at once).",
        BADGES,
    ),
    # --- Processes ----------------------------------------------------------------------
    Variable(
        "PORT",
        "int",
        8000,
        "The port `make run` serves on; `SITE_URL` follows it unless set.",
        PROCESSES,
        read_in="Makefile",
    ),
    Variable(
        "WEB_CONCURRENCY",
        "int",
        2,
        "gunicorn processes (gthread workers). The image sets `3`.",
        PROCESSES,
        shown="`2` (the image: `3`)",
        read_in="trafficking_training/gunicorn_conf.py",
    ),
    Variable(
        "WEB_THREADS",
        "int",
        4,
        "Threads per gunicorn process.",
        PROCESSES,
        read_in="trafficking_training/gunicorn_conf.py",
    ),
    Variable(
        "POSTGRES_PASSWORD",
        "str",
        "change-me",
        "docker compose: the password of the `postgres` service; put the same one in "
        "`DATABASE_URL`.",
        PROCESSES,
        read_in="docker-compose.yml",
    ),
    # --- For developers: tests and CI ---------------------------------------------------
    Variable(
        "REQUIRE_SERVICES",
        "str",
        "",
        "`1`: tests that need PostgreSQL, Redis or Chromium fail when it is missing instead of "
        "skipping (`.ci/run` sets it).",
        TESTS,
        read_in="tests/conftest.py",
    ),
    Variable(
        "TEST_CLOCK",
        "str",
        "",
        "Runs the suite with the clock travelled to an ISO 8601 moment, a named moment of "
        "`tests/clock.py`, or `by-date`.",
        TESTS,
        read_in="tests/conftest.py",
    ),
    Variable(
        "CHROMIUM_PATH",
        "str",
        "/usr/bin/chromium",
        "The Chromium that the browser tests drive.",
        TESTS,
        read_in="tests/browser.py",
    ),
    Variable(
        "PYTEST_ARGS",
        "str",
        "",
        "Arguments `make test` passes to pytest, e.g. `PYTEST_ARGS='tests/test_qr.py -x'`.",
        TESTS,
        read_in="Makefile",
    ),
    Variable(
        "SOAK_MINUTES",
        "str",
        "10",
        "How long `make soak` runs; `by-date` is 10 on one day in 7 and 1 on the others.",
        TESTS,
        read_in=".ci/soak_embedded.py",
    ),
    Variable(
        "SOAK_INTERVAL",
        "float",
        1,
        "Seconds between two registrations of `make soak`.",
        TESTS,
        read_in=".ci/soak_embedded.py",
    ),
    Variable(
        "SOAK_SCAN_SECONDS",
        "str",
        "3",
        "How often `make soak`'s beat runs the reminder and outbox scans.",
        TESTS,
        read_in=".ci/soak_embedded.py",
    ),
    Variable(
        "SOAK_KEEP",
        "str",
        "",
        "Set: `make soak` keeps its state folder and says where.",
        TESTS,
        read_in=".ci/soak_embedded.py",
    ),
    Variable(
        "SECURITY_AUDIT_REQUIRED",
        "str",
        "",
        "`1`: the security scan fails when pip-audit cannot reach a vulnerability database, "
        "instead of warning.",
        TESTS,
        read_in=".ci/security_scan.py",
    ),
    # --- For developers: benchmarks -----------------------------------------------------
    Variable(
        "BENCH_DATABASE_URL",
        "str",
        COMPUTED,
        "The benchmarks' PostgreSQL database (each script recreates its own).",
        BENCH,
        shown="`postgres://postgres@127.0.0.1:5432/tt_bench_<name>`",
        read_in="bench/common.py",
    ),
    Variable(
        "BENCH_REDIS_URL",
        "str",
        COMPUTED,
        "The benchmarks' Redis.",
        BENCH,
        shown="`redis://127.0.0.1:6379/12` (per script)",
        read_in="bench/common.py",
    ),
    Variable(
        "BENCH_SECONDS",
        "float",
        10,
        "Seconds of load per page in `bench_pages.py`.",
        BENCH,
        read_in="bench/bench_pages.py",
    ),
    Variable(
        "BURST_MAX",
        "int",
        4000,
        "The largest registration burst `bench_burst.py` tries (bursts double from 500).",
        BENCH,
        read_in="bench/bench_burst.py",
    ),
    Variable(
        "BENCH_CLIENTS",
        "int",
        16,
        "Concurrent connections in `bench_pages.py`.",
        BENCH,
        read_in="bench/bench_pages.py",
    ),
    Variable(
        "BENCH_EXPORT_ROWS",
        "int",
        50000,
        "Roster rows exported by `bench_exports.py`.",
        BENCH,
        read_in="bench/bench_exports.py",
    ),
    Variable(
        "BENCH_EMAILS",
        "int",
        10000,
        "Reminders sent by `bench_emails.py`.",
        BENCH,
        read_in="bench/bench_emails.py",
    ),
    Variable(
        "BENCH_CERTIFICATES",
        "int",
        1000,
        "Certificates rendered by `bench_certificates.py`.",
        BENCH,
        read_in="bench/bench_certificates.py",
    ),
    Variable(
        "BENCH_IMPACT_SESSIONS",
        "int",
        2000,
        "Sessions in `bench_impact.py`'s data.",
        BENCH,
        read_in="bench/bench_impact.py",
    ),
    Variable(
        "BENCH_IMPACT_PER_SESSION",
        "int",
        100,
        "Registrations per session in `bench_impact.py`'s data.",
        BENCH,
        read_in="bench/bench_impact.py",
    ),
    Variable(
        "BENCH_IMPACT_RUNS",
        "int",
        5,
        "Timed runs of each step in `bench_impact.py`.",
        BENCH,
        read_in="bench/bench_impact.py",
    ),
    Variable(
        "BENCH_BROKER",
        "str",
        "sqla",
        "The broker transport `bench_broker.py` measures.",
        BENCH,
        read_in="bench/bench_broker.py",
    ),
    Variable(
        "BENCH_BROKER_DIR",
        "str",
        COMPUTED,
        "Where `bench_broker.py` keeps its broker and its log.",
        BENCH,
        shown="the system's temporary folder",
        read_in="bench/bench_broker.py",
    ),
    Variable(
        "BENCH_BROKER_TASKS",
        "int",
        500,
        "Tasks published by `bench_broker.py`.",
        BENCH,
        read_in="bench/bench_broker.py",
    ),
    Variable(
        "BENCH_BROKER_PINGS",
        "int",
        40,
        "Single tasks timed end to end by `bench_broker.py`.",
        BENCH,
        read_in="bench/bench_broker.py",
    ),
    Variable(
        "LOAD_USERS",
        "int",
        50,
        "Simulated users of the locust run (`bench_load.py`).",
        BENCH,
        read_in="bench/bench_load.py",
    ),
    Variable(
        "LOAD_SECONDS",
        "int",
        60,
        "Length of the locust run (`bench_load.py`).",
        BENCH,
        read_in="bench/bench_load.py",
    ),
]

BY_NAME = {variable.name: variable for variable in VARIABLES}


def declared(name: str) -> Variable:
    """The variable's entry; a name missing from the list is a programming error."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise LookupError(
            f"{name} is not declared in trafficking_training/configuration.py"
        ) from None


def from_environ(name: str) -> str:
    """A variable read outside settings.py, as text: its value, or its listed default."""
    variable = declared(name)
    return os.environ.get(name, str(variable.default))


def render() -> str:
    """docs/configuration.md."""
    lines = [
        "# Configuration",
        "",
        "<!-- Generated from trafficking_training/configuration.py by `make docs`; edit the",
        "list there, not this page (tests/test_configuration_docs.py compares them). -->",
        "",
        "Settings come from the environment (or a `.env` file beside `manage.py`; "
        "`.env.example` is a short example for docker compose). A missing or malformed "
        "value stops start-up with one line naming the variable. With nothing set, the "
        "embedded default runs: SQLite, the SQLite broker and email to files, all under "
        "`VAR_DIR`.",
    ]
    groups = dict.fromkeys(variable.group for variable in VARIABLES)
    for group in groups:
        lines += [
            "",
            f"## {group}",
            "",
            "| Variable | Type | Default | Meaning |",
            "|---|---|---|---|",
        ]
        for variable in VARIABLES:
            if variable.group != group:
                continue
            meaning = variable.meaning.replace("|", "\\|")
            if variable.read_in != SETTINGS:
                meaning += f" Read by `{variable.read_in}`."
            lines.append(
                f"| `{variable.name}` | {KINDS[variable.kind]} | {variable.default_shown} "
                f"| {meaning} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
