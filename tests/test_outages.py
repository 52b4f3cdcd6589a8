"""A dependency away: Redis refused or hung, the database gone. Pages answer, changes keep.

These run in-process against real failures: a port where nothing listens (refused), a
socket that accepts connections and never answers (hung, as a stopped Redis is), and a
database address that does not answer. tests/faults/ drills the same with real servers
stopped under gunicorn, a worker and beat.
"""

import socket
import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from events.models import Registration
from tests.factories import RegistrationFactory, SessionFactory
from tests.worker.smtp_sink import free_port

from .test_public_pages import form_data

pytestmark = pytest.mark.django_db


def _redis_cache(location: str, settings) -> None:
    """The default cache as production builds it, pointed at `location`."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        },
    }
    settings.RATELIMIT_ENABLE = True  # their counters live in this cache too


@pytest.fixture
def redis_refused(settings):
    _redis_cache(f"redis://127.0.0.1:{free_port()}/0", settings)


@pytest.fixture
def redis_hung(settings):
    """A server that accepts connections (the kernel's backlog) and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    _redis_cache(f"redis://127.0.0.1:{listener.getsockname()[1]}/0", settings)
    yield
    listener.close()


def _public_pages(session) -> list[str]:
    return [
        "/",
        reverse("events:catalog"),
        reverse("events:session_detail", args=[session.public_id]),
        reverse("events:session_ics", args=[session.public_id]),
        reverse("events:sessions_feed"),
        "/embed/sessions/",
        "/api/v1/sessions/",
        reverse("accounts:login"),
        reverse("privacy"),
    ]


@pytest.mark.parametrize("outage", ["redis_refused", "redis_hung"])
def test_every_public_page_answers_while_redis_is_away(client, outage, request):
    session = SessionFactory()
    request.getfixturevalue(outage)
    for path in _public_pages(session):
        started = time.monotonic()
        response = client.get(path)
        took = time.monotonic() - started
        assert response.status_code == 200, path
        # A hung Redis costs each page its short socket timeouts, never a hang.
        assert took < 3, (path, took)


@pytest.mark.parametrize("outage", ["redis_refused", "redis_hung"])
def test_a_registration_and_a_cancellation_are_saved_and_mailed_while_redis_is_away(
    client, outage, request, sector, django_capture_on_commit_callbacks
):
    session = SessionFactory(capacity=5)
    request.getfixturevalue(outage)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("events:session_detail", args=[session.public_id]), form_data(sector)
        )
    assert response.status_code == 302
    registration = Registration.objects.get(session=session)
    assert registration.status == Registration.Status.CONFIRMED
    assert [m.to for m in mail.outbox] == [[registration.email]]

    seated = RegistrationFactory(session=session)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("events:manage_cancel", args=[seated.manage_token]))
    assert response.status_code == 302
    seated.refresh_from_db()
    assert seated.status == Registration.Status.CANCELLED


def test_pages_rendered_while_redis_is_away_are_not_stored(client, redis_refused):
    # No one could tell such a copy had gone stale: each visit renders afresh. (The
    # factory writes around the services, so a stored copy would still say 3.)
    session = SessionFactory(capacity=3)
    page = reverse("events:session_detail", args=[session.public_id])
    assert "3 seats left" in client.get(page).content.decode()
    RegistrationFactory.create_batch(2, session=session)
    assert "1 seat left" in client.get(page).content.decode()


def test_health_answers_within_three_seconds_with_redis_hung_and_names_the_cache(
    client, redis_hung
):
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 3
    assert response.json()["status"] == "degraded"
    assert response.json()["cache"] == "down"
    assert response.json()["database"] == "ok"


def test_an_after_commit_callback_that_fails_does_not_stop_the_ones_after_it(
    client, redis_refused, sector, django_capture_on_commit_callbacks
):
    # The page-version bump fails (Redis away); the outbox publish after it still runs.
    session = SessionFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("events:session_detail", args=[session.public_id]), form_data(sector))
    assert len(callbacks) >= 2
    assert len(mail.outbox) == 1
    assert cache.get("anything") is None  # the cache is indeed away


@pytest.fixture
def database_away(transactional_db):
    """PostgreSQL's address answers nothing from here on; put back afterwards.

    (SQLite's test database lives in memory, and closing it would end it for good.)
    """
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = free_port()
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


@pytest.mark.postgres
def test_a_database_outage_answers_the_friendly_503_page_with_retry_after(client, database_away):
    response = client.get(reverse("events:catalog"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "We will be back in a moment" in response.content.decode()


@pytest.mark.postgres
def test_health_says_down_with_503_when_the_database_is_away(client, database_away):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.postgres
def test_a_database_outage_on_a_form_answers_503_not_500(client, database_away):
    response = client.post(
        reverse("accounts:login"), {"username": "a@example.org", "password": "x"}
    )
    assert response.status_code == 503


@pytest.mark.parametrize("outage", ["refused", "hung"])
def test_a_publish_to_a_broker_that_is_away_gives_up_within_about_a_second(outage, settings):
    # The request that commits a registration publishes its email after the commit;
    # with Redis away it must not hold the visitor (the outbox scan sends it later).
    # A Celery app of its own, configured from the settings as the site's is: the
    # site's app keeps a pool of connections to the Redis the other tests use.
    from celery import Celery

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1] if outage == "hung" else free_port()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        **settings.REDIS_BROKER_TIMEOUTS,
    }
    app = Celery("outage-probe", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    started = time.monotonic()
    try:
        with pytest.raises(Exception):  # noqa: B017,PT011 - kombu's own error for each
            app.send_task("events.send_notification", args=(1,), retry=False)
    finally:
        listener.close()
        app.close()
    took = time.monotonic() - started
    assert took < 2.5, took
