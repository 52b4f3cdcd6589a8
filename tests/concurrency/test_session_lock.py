"""A session whose lock is held too long answers "very busy, try again", never a 500 or a hang."""

import threading
import time

import pytest
from django.db import connections, transaction

from events.models import Registration, Sector, TrainingSession
from events.services.locking import SessionBusy, lock_session
from tests.factories import SessionFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


class HeldLock:
    """Another connection holding the session's row lock until released."""

    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        self.taken = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        try:
            with transaction.atomic():
                TrainingSession.objects.select_for_update().get(pk=self.session_id)
                self.taken.set()
                self.release.wait(timeout=30)
        finally:
            connections.close_all()

    def __enter__(self) -> "HeldLock":
        self.thread.start()
        assert self.taken.wait(timeout=10)
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.thread.join(timeout=30)


def _registration_data() -> dict:
    return {
        "full_name": "Dana Tester",
        "email": "dana@example.org",
        "organization": "Fargo Public Schools",
        "sector": Sector.objects.first().pk,
        "job_title": "",
        "accommodations": "",
        "consent": "on",
    }


def test_lock_waits_at_most_the_lock_timeout_then_raises_session_busy(settings):
    settings.SESSION_LOCK_TIMEOUT = 0.5
    session = SessionFactory()
    with HeldLock(session.pk):
        started = time.monotonic()
        with pytest.raises(SessionBusy), transaction.atomic():
            lock_session(session.pk)
        waited = time.monotonic() - started
    assert 0.4 <= waited < 5


def test_lock_timeout_applies_to_its_own_transaction_only(settings):
    settings.SESSION_LOCK_TIMEOUT = 0.5
    session = SessionFactory()
    with transaction.atomic():
        lock_session(session.pk)
    with connections["default"].cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "0"


def test_registering_while_the_session_is_locked_too_long_gets_the_503_page(client, settings):
    settings.SESSION_LOCK_TIMEOUT = 0.5
    session = SessionFactory()
    with HeldLock(session.pk):
        response = client.post(session.get_absolute_url(), _registration_data())
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "This session is very busy right now" in response.content.decode()
    assert not Registration.objects.exists()
    # Once the lock is free, the same form goes through.
    again = client.post(session.get_absolute_url(), _registration_data())
    assert again.status_code == 302
    assert Registration.objects.count() == 1


def _lock_in_thread(session_id: int, outcomes: list, started: threading.Event) -> None:
    """Try to lock the session in a transaction of this thread; note what happened, when."""
    begun = time.monotonic()
    started.set()
    try:
        with transaction.atomic():
            lock_session(session_id)
        outcomes.append(("locked", time.monotonic() - begun))
    except SessionBusy:
        outcomes.append(("busy", time.monotonic() - begun))
    finally:
        connections.close_all()


def test_no_waiter_waits_longer_than_the_timeout_even_queued_behind_another(settings):
    # lock_timeout alone bounds each lock wait: a second waiter first waits for the row's
    # lock behind the first waiter, then for the holder's transaction, twice the timeout.
    settings.SESSION_LOCK_TIMEOUT = 0.5
    settings.SESSION_LOCK_WAITERS = 4
    session = SessionFactory()
    outcomes: list = []
    with HeldLock(session.pk):
        threads = []
        for _ in range(3):
            started = threading.Event()
            thread = threading.Thread(target=_lock_in_thread, args=(session.pk, outcomes, started))
            thread.start()
            started.wait(5)
            threads.append(thread)
            time.sleep(0.1)
        for thread in threads:
            thread.join(10)
    assert [outcome for outcome, _took in outcomes] == ["busy"] * 3
    assert max(took for _outcome, took in outcomes) < 0.5 * 1.6


def test_a_waiter_past_the_limit_is_answered_at_once_keeping_threads_for_other_pages(settings):
    settings.SESSION_LOCK_TIMEOUT = 2.0
    settings.SESSION_LOCK_WAITERS = 1
    session = SessionFactory()
    outcomes: list = []
    with HeldLock(session.pk):
        started = threading.Event()
        waiter = threading.Thread(target=_lock_in_thread, args=(session.pk, outcomes, started))
        waiter.start()
        started.wait(5)
        time.sleep(0.2)  # the first waiter is waiting for the lock now
        begun = time.monotonic()
        with pytest.raises(SessionBusy), transaction.atomic():
            lock_session(session.pk)
        assert time.monotonic() - begun < 0.2
    waiter.join(10)
    # The first waiter got the lock once the holder let go: it was never refused.
    assert [outcome for outcome, _took in outcomes] == ["locked"]


def test_the_rest_of_the_transaction_runs_under_the_servers_statement_timeout(settings):
    settings.SESSION_LOCK_TIMEOUT = 0.5
    session = SessionFactory()
    with transaction.atomic():
        lock_session(session.pk)
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.8)")  # longer than the lock's bound: no error
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "0"
