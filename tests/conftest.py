"""Shared fixtures. Services tests need (PostgreSQL, Redis) skip only without REQUIRE_SERVICES.

TEST_CLOCK runs the whole suite with the clock travelled to another moment, ticking
from there, to catch tests and code that only pass at some hours of the day:
TEST_CLOCK=2026-12-31T23:30-06:00 (an ISO 8601 time with its offset) or one of the
names in tests/clock.py (TEST_CLOCK=late-evening-fargo; TEST_CLOCK=by-date picks one
by today's date, as CI does).
"""

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone, translation

from tests.clock import moment_for
from trafficking_training.celery import app as celery_app

pytest_plugins = ["tests.browser"]

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") not in ("", "0")

# Unit tests run tasks in-process (the real task code, no broker); tests/worker/
# starts a real Celery worker against Redis instead.
celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True


def _is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _redis_answers() -> bool:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=2):
            return True
    except OSError:
        return False


CLOCK_KEY = pytest.StashKey[str]()

FAULT_DRILLS = Path(__file__).resolve().parent / "faults"


def pytest_ignore_collect(collection_path: Path, config) -> bool | None:
    """Leave the fault drills (tests/faults) out unless they are named on the command line.

    They start servers of their own and take minutes, so `make test` runs without them
    and `make faults` (pytest tests/faults) runs them alone.
    """
    if collection_path != FAULT_DRILLS:
        return None
    here = config.invocation_params.dir
    named = any(
        (here / arg.split("::")[0]).resolve().is_relative_to(FAULT_DRILLS) for arg in config.args
    )
    return None if named else True


def pytest_configure(config) -> None:
    name = os.environ.get("TEST_CLOCK", "")
    if name:
        moment = moment_for(name)
        # Started here, before any test module is imported, and never stopped: the
        # process ends with the run.
        time_machine.travel(moment, tick=True).start()
        config.stash[CLOCK_KEY] = f"{name} = {moment.isoformat()}"


def pytest_report_header(config) -> str | None:
    clock = config.stash.get(CLOCK_KEY, None)
    if not clock:
        return None
    now = timezone.localtime()
    return f"clock travelled: TEST_CLOCK {clock} (now {now:%Y-%m-%dT%H:%M:%S%z})"


def pytest_sessionstart(session) -> None:
    if not REQUIRE_SERVICES:
        return
    missing = []
    if not _is_postgres():
        missing.append("DATABASE_URL does not point to PostgreSQL")
    if not _redis_answers():
        missing.append("REDIS_URL is unset or Redis does not answer")
    if missing:
        raise pytest.UsageError("REQUIRE_SERVICES=1 but " + "; ".join(missing))


@pytest.fixture(autouse=True)
def _needs_services(request) -> None:
    """Skip service-bound tests on a bare machine; with REQUIRE_SERVICES=1 they must run."""
    needs = []
    if request.node.get_closest_marker("postgres") and not _is_postgres():
        needs.append("PostgreSQL (set DATABASE_URL)")
    if request.node.get_closest_marker("redis") and not _redis_answers():
        needs.append("Redis (set REDIS_URL)")
    if needs:
        message = "needs " + " and ".join(needs)
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SITE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def _locmem_cache(settings) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fragments",
        },
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
        },
    }
    from django.core.cache import cache, caches

    cache.clear()
    caches["fragments"].clear()
    caches["pages"].clear()


@pytest.fixture(autouse=True)
def _rate_limits_off(settings) -> None:
    """Per-address limits would trip tests that post many times; tests/security opts in."""
    settings.RATELIMIT_ENABLE = False


@pytest.fixture(autouse=True)
def _seeded_data(request) -> None:
    """Put back what data migrations seed (sectors, the Organizers group) after a flush.

    Transactional tests (e2e, concurrency, worker) end with a flush that also empties
    seeded tables, and --reuse-db carries that into the next run.
    """
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    from django.apps import apps

    from events.models import Sector

    if not Sector.objects.exists():
        import importlib

        importlib.import_module("events.migrations.0002_seed_sectors").seed(apps, None)
        spanish = importlib.import_module("events.migrations.0018_spanish_sector_names_and_hosts")
        spanish.name_seeded_sectors(apps, None)
    from tests.factories import _organizers_group

    _organizers_group()


@pytest.fixture
def sectors(db):
    from events.models import Sector

    return list(Sector.objects.all())


@pytest.fixture
def sector(db):
    from events.models import Sector

    return Sector.objects.get(slug="healthcare")


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request with Accept-Language: es leaves Spanish active in this thread (Django's
    LocaleMiddleware activates, nothing deactivates): the next test starts in English."""
    yield
    translation.deactivate()
