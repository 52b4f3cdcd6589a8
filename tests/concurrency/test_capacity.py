"""Capacity under real concurrency, on real PostgreSQL.

Each thread has its own database connection (Django opens one per thread), so the
requests really race inside PostgreSQL. The first test shows the race is real when
the session lock is taken away; the others show the lock holding the invariants.
"""

import itertools
import queue
import threading
from collections.abc import Callable

import pytest
from django.db import connections
from django.db.models import Count

from events.models import Notification, Registration, Sector, TrainingSession
from events.selectors import waitlist as waitlist_selectors
from events.services import registration as services
from events.services import sessions, waitlist
from tests.factories import RegistrationFactory, SessionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _every_thread_may_wait(settings):
    """These threads stand for requests spread over many web processes, each of which
    lets a few wait for the lock (SESSION_LOCK_WAITERS): here all of them may, so that
    the capacity rule, not the admission limit, decides who gets a seat."""
    settings.SESSION_LOCK_WAITERS = 10_000


# PostgreSQL allows 100 connections here, shared with other test runs: 32 threads,
# each with its own connection, work through the requests together.
WORKERS = 32


def run_concurrently(calls: list[Callable], workers: int = WORKERS) -> tuple[list, list]:
    """Run the calls from `workers` threads released at once; return (results, errors)."""
    todo: queue.Queue = queue.Queue()
    for call in calls:
        todo.put(call)
    results, errors = [], []
    start = threading.Barrier(workers)

    def work() -> None:
        try:
            start.wait()
            while True:
                try:
                    call = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    results.append(call())
                except Exception as error:  # collected: the test asserts there are none
                    errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results, errors


def registration_call(session_id: int, sector_id: int, email: str) -> Callable:
    details = services.AttendeeDetails(full_name="Racer", email=email, sector_id=sector_id)
    return lambda: services.register_for_session(session_id=session_id, attendee=details)


def raise_capacity(session_id: int, capacity: int) -> TrainingSession:
    """The admin's edit: read the session, change its capacity, save it through the service."""
    edited = TrainingSession.objects.get(pk=session_id)
    edited.capacity = capacity
    return sessions.update_session(session=edited)


def statuses(session) -> dict[str, int]:
    rows = Registration.objects.filter(session=session).values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def test_without_the_lock_concurrent_registrations_overbook(monkeypatch):
    """The control experiment: the invariant below is only true because of the lock."""
    session = SessionFactory(capacity=5)
    sector = Sector.objects.first()
    racers = 10
    everyone_has_read = threading.Barrier(racers)

    def read_without_lock(session_id: int, **_options) -> TrainingSession:
        found = TrainingSession.objects.get(pk=session_id)
        everyone_has_read.wait(timeout=30)  # every request reads before any writes
        return found

    monkeypatch.setattr(services, "lock_session", read_without_lock)
    calls = [registration_call(session.pk, sector.pk, f"r{i}@example.org") for i in range(racers)]
    _results, errors = run_concurrently(calls, workers=racers)

    assert errors == []
    assert statuses(session)["confirmed"] > session.capacity


def test_200_concurrent_registrations_fill_exactly_50_seats_in_arrival_order():
    session = SessionFactory(capacity=50)
    sector = Sector.objects.first()
    emails = [f"person{i}@example.org" for i in range(200)]
    # A second submission of 40 of them, racing the first: it must add no row.
    repeats = [email.upper() for email in emails[::5]]
    calls = [registration_call(session.pk, sector.pk, e) for e in emails + repeats]

    results, errors = run_concurrently(calls)

    assert errors == []
    assert len(results) == 240
    assert statuses(session) == {"confirmed": 50, "waitlisted": 150}
    assert Registration.objects.filter(session=session).count() == 200
    assert set(Registration.objects.values_list("email", flat=True)) == set(emails)

    # Arrival order is the order in which requests took the lock, which is also the
    # order of their ids: every seat went to an earlier arrival than every waiter,
    # and the waiting list runs in id order with places 1..150.
    confirmed_ids = list(
        Registration.objects.filter(session=session, status="confirmed").values_list(
            "id", flat=True
        )
    )
    line = list(waitlist_selectors.waitlist_queryset(session.pk))
    assert max(confirmed_ids) < min(r.id for r in line)
    assert [r.id for r in line] == sorted(r.id for r in line)
    assert [r.waitlisted_at for r in line] == sorted(r.waitlisted_at for r in line)
    assert [waitlist_selectors.waitlist_position(r) for r in (line[0], line[-1])] == [1, 150]

    kinds = Notification.objects.values("kind").annotate(n=Count("pk"))
    assert {k["kind"]: k["n"] for k in kinds} == {
        "confirmation": 50,
        "waitlisted": 150,
        "manage_link": 40,
    }


def test_cancels_racing_promotions_and_new_registrations_keep_the_invariants():
    session = SessionFactory(capacity=10)
    sector = Sector.objects.first()
    seated = RegistrationFactory.create_batch(10, session=session)
    waiting = [RegistrationFactory(session=session, waitlisted=True) for _ in range(10)]
    leaving_line = waiting[:5]

    def cancel(registration):
        return lambda: services.cancel_registration(registration_id=registration.pk)

    calls = [cancel(r) for r in seated + leaving_line]
    calls += [lambda: waitlist.promote_from_waitlist(session_id=session.pk) for _ in range(5)]
    calls += [lambda: raise_capacity(session.pk, 12)]
    calls += [registration_call(session.pk, sector.pk, f"new{i}@example.org") for i in range(5)]
    # Interleave the kinds so that every kind of request is in flight at once.
    calls = [c for group in itertools.zip_longest(calls[::2], calls[1::2]) for c in group if c]

    _results, errors = run_concurrently(calls, workers=16)

    assert errors == []
    # 5 still waiting + 5 newcomers = 10 people for 12 seats: all seated, none waiting,
    # and everyone who cancelled stays cancelled.
    assert statuses(session) == {"cancelled": 15, "confirmed": 10}
    for registration in leaving_line + seated:
        registration.refresh_from_db()
        assert registration.status == Registration.Status.CANCELLED
    promoted = Notification.objects.filter(kind=Notification.Kind.PROMOTED)
    assert promoted.values("registration").distinct().count() == promoted.count()


def test_last_seat_freed_twice_at_once_goes_to_one_person_each_in_line_order():
    session = SessionFactory(capacity=2)
    seated = RegistrationFactory.create_batch(2, session=session)
    line = [RegistrationFactory(session=session, waitlisted=True) for _ in range(3)]

    calls = [lambda r=r: services.cancel_registration(registration_id=r.pk) for r in seated]
    calls += [lambda: waitlist.promote_from_waitlist(session_id=session.pk) for _ in range(4)]
    _results, errors = run_concurrently(calls, workers=6)

    assert errors == []
    after = [Registration.objects.get(pk=r.pk).status for r in line]
    assert after == ["confirmed", "confirmed", "waitlisted"]
    assert Notification.objects.filter(kind=Notification.Kind.PROMOTED).count() == 2
