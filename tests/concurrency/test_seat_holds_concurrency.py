"""Seats held for sectors and seat offers under real concurrency, on real PostgreSQL.

The first test is the control experiment: without the session lock, concurrent
registrations of one held sector take more held seats than the hold has. The others
show the lock keeping every hold and the total within bounds: hundreds of
registrations across sectors, holds ending in the middle of the rush, and claims
racing the expiry scan.
"""

import random
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from events.models import Notification, Offer, Registration, SeatHold
from events.services import offers
from events.services import registration as services
from tests.concurrency.test_capacity import registration_call, run_concurrently
from tests.factories import RegistrationFactory, SessionFactory
from tests.seat_helpers import hold, sector

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

POLICE, NURSES, SOCIAL, SHOPS = "law-enforcement", "healthcare", "social-work", "business-retail"


@pytest.fixture(autouse=True)
def _every_thread_may_wait(settings):
    """As in test_capacity: every thread may wait for the lock, so that the seat rules,
    not the admission limit, decide."""
    settings.SESSION_LOCK_WAITERS = 10_000


def held_counts(session) -> dict[int, int]:
    rows = (
        Registration.objects.filter(session=session, status="confirmed", hold__isnull=False)
        .values("hold")
        .annotate(n=Count("pk"))
    )
    return {row["hold"]: row["n"] for row in rows}


def assert_held_seats_went_to_their_sectors(session) -> None:
    for registration in Registration.objects.filter(session=session, hold__isnull=False):
        assert registration.sector_id in {s.pk for s in registration.hold.sectors.all()}


def test_without_the_lock_a_hold_is_overbooked(monkeypatch):
    """The control experiment: the hold's bound below holds only because of the lock."""
    session = SessionFactory(capacity=20)
    held = hold(session, POLICE, seats=3)
    racers = 10
    everyone_has_read = threading.Barrier(racers)

    def read_without_lock(session_id=None, **_options):
        found = type(session).objects.get(pk=session_id)
        everyone_has_read.wait(timeout=30)
        return found

    monkeypatch.setattr(services, "lock_session", read_without_lock)
    calls = [registration_call(session.pk, sector(POLICE).pk, f"p{i}@x.org") for i in range(racers)]
    _results, errors = run_concurrently(calls, workers=racers)

    assert errors == []
    assert held_counts(session)[held.pk] > held.seats


def test_300_concurrent_registrations_across_sectors_fill_each_hold_and_the_rest_exactly():
    session = SessionFactory(capacity=60)
    police_hold = hold(session, POLICE, seats=15)
    care_hold = hold(session, NURSES, SOCIAL, seats=10)
    people = [
        (slug, f"{slug}-{i}@example.org")
        for slug in (POLICE, NURSES, SOCIAL, SHOPS)
        for i in range(75)
    ]
    random.Random(7).shuffle(people)
    calls = [registration_call(session.pk, sector(slug).pk, email) for slug, email in people]

    results, errors = run_concurrently(calls)

    assert errors == []
    assert len(results) == 300
    statuses = Counter(
        Registration.objects.filter(session=session).values_list("status", flat=True)
    )
    assert statuses == {"confirmed": 60, "waitlisted": 240}
    assert held_counts(session) == {police_hold.pk: 15, care_hold.pk: 10}
    assert_held_seats_went_to_their_sectors(session)
    kinds = Counter(
        Notification.objects.filter(registration__session=session).values_list("kind", flat=True)
    )
    assert kinds == {"confirmation": 60, "waitlisted": 240}


def test_a_hold_ending_in_the_rush_opens_its_seats_and_nothing_overbooks():
    session = SessionFactory(capacity=40)
    until = timezone.now() + timedelta(seconds=2)
    police_hold = hold(session, POLICE, seats=20, until=until)
    # Mostly shops, a few officers: the held seats are not all taken before the end.
    people = [(SHOPS, f"s{i}@example.org") for i in range(200)]
    people += [(POLICE, f"p{i}@example.org") for i in range(5)]
    random.Random(11).shuffle(people)
    pause = random.Random(3)

    def spread(call):
        delay = pause.uniform(0, 0.5)

        def later():
            time.sleep(delay)  # arrivals spread over a few seconds, across the end
            return call()

        return later

    calls = [
        spread(registration_call(session.pk, sector(slug).pk, email)) for slug, email in people
    ]
    _results, errors = run_concurrently(calls)

    assert errors == []
    assert timezone.now() > until, "the run should outlast the hold"
    confirmed = Registration.objects.filter(session=session, status="confirmed")
    assert confirmed.count() == 40  # the hold's free seats became general at its end
    assert held_counts(session).get(police_hold.pk, 0) <= 5
    # A held seat was only taken while the hold ran.
    assert not confirmed.filter(hold__isnull=False, confirmed_at__gte=until).exists()
    assert_held_seats_went_to_their_sectors(session)


def test_claims_racing_the_expiry_scan_settle_each_offer_once():
    starts = timezone.now() + timedelta(hours=12)  # within the offer window
    session = SessionFactory(capacity=20, starts_at=starts, ends_at=starts + timedelta(hours=2))
    seated = RegistrationFactory.create_batch(20, session=session)
    for index in range(40):
        RegistrationFactory(
            session=session,
            waitlisted=True,
            waitlisted_at=timezone.now() + timedelta(microseconds=index),
        )
    for registration in seated:
        services.cancel_registration(registration_id=registration.pk)
    first_offers = list(Offer.objects.filter(session=session))
    assert len(first_offers) == 20
    deadline = timezone.now() + timedelta(seconds=1)
    Offer.objects.filter(session=session).update(expires_at=deadline)

    pause = random.Random(5)

    def claim(offer_id):
        delay = pause.uniform(0.5, 1.5)  # about half before the deadline, half after

        def call():
            time.sleep(delay)
            try:
                return offers.claim_offer(offer_id=offer_id)
            except offers.OfferClosed as closed:
                return closed

        return call

    def scan():
        delay = pause.uniform(0.8, 1.6)

        def call():
            time.sleep(delay)
            return offers.expire_due_offers()

        return call

    calls = [claim(offer.pk) for offer in first_offers] + [scan() for _ in range(12)]
    _results, errors = run_concurrently(calls, workers=32)

    assert errors == []
    outcomes = Counter(
        Offer.objects.filter(pk__in=[o.pk for o in first_offers]).values_list("status", flat=True)
    )
    assert set(outcomes) <= {"claimed", "expired"}
    assert sum(outcomes.values()) == 20
    claimed = Offer.objects.filter(pk__in=[o.pk for o in first_offers], status="claimed")
    expired = Offer.objects.filter(pk__in=[o.pk for o in first_offers], status="expired")
    assert all(o.registration.status == "confirmed" for o in claimed)
    assert all(o.registration.status == "cancelled" for o in expired)
    for offer in first_offers:
        kinds = Counter(offer.registration.notifications.values_list("kind", flat=True))
        assert kinds["offered"] == 1
        assert kinds["promoted"] + kinds["offer_expired"] == 1
    # Every seat is confirmed or on offer again to the next in line, never more.
    now = timezone.now()
    confirmed = Registration.objects.filter(session=session, status="confirmed").count()
    running = Offer.objects.filter(session=session, status="open", expires_at__gt=now).count()
    assert confirmed + running == 20
    assert confirmed == outcomes["claimed"]
    assert SeatHold.objects.count() == 0
