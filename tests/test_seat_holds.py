"""Seats held for sectors: part of the capacity, taken first by those sectors, open to
everyone at the hold's end (by the clock, with no job), respected by the waiting list,
edited in the session admin and shown on the session page."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from events.models import AuditEntry, Registration, SeatHold
from events.selectors.seat_holds import seats_of
from events.services import registration as registration_service
from events.services import seat_holds as seat_hold_service
from events.services import waitlist
from events.tasks.offers import release_ended_seat_holds
from tests.admin.test_session_admin import form_data
from tests.factories import RegistrationFactory, SessionFactory
from tests.seat_helpers import confirmed, hold, register, sector

pytestmark = pytest.mark.django_db

POLICE = "law-enforcement"
NURSES = "healthcare"
SHOPS = "business-retail"


def test_a_registrant_from_a_held_sector_takes_a_held_seat_first():
    session = SessionFactory(capacity=5)
    held = hold(session, POLICE, seats=2)

    first = register(session, POLICE, "p1@example.org")

    assert first.status == Registration.Status.CONFIRMED
    assert first.hold == held
    assert seats_of(session).general_free == 3


def test_a_held_sector_takes_a_general_seat_once_its_held_seats_are_gone():
    session = SessionFactory(capacity=3)
    hold(session, POLICE, seats=1)
    register(session, POLICE, "p1@example.org")

    second = register(session, POLICE, "p2@example.org")

    assert second.status == Registration.Status.CONFIRMED
    assert second.hold is None


def test_other_sectors_take_only_general_seats_and_then_wait():
    session = SessionFactory(capacity=3)
    hold(session, POLICE, seats=2)
    register(session, SHOPS, "s1@example.org")

    second = register(session, SHOPS, "s2@example.org")

    assert second.status == Registration.Status.WAITLISTED
    assert confirmed(session) == 1
    # The held seats are still there for their sector.
    assert register(session, POLICE, "p1@example.org").status == Registration.Status.CONFIRMED


def test_a_hold_for_several_sectors_takes_any_of_them():
    session = SessionFactory(capacity=2)
    held = hold(session, POLICE, NURSES, seats=2)

    seated = [register(session, NURSES, "n1@example.org"), register(session, POLICE, "p@x.org")]

    assert [r.hold for r in seated] == [held, held]


def test_with_no_seat_for_the_sector_the_registrant_waits_as_today():
    session = SessionFactory(capacity=2)
    hold(session, POLICE, seats=1)
    register(session, POLICE, "p1@example.org")
    register(session, SHOPS, "s1@example.org")

    late = register(session, POLICE, "p2@example.org")

    assert late.status == Registration.Status.WAITLISTED


def test_a_holds_free_seats_are_general_at_its_end_without_any_job():
    session = SessionFactory(capacity=2)
    until = timezone.now() + timedelta(days=1)
    hold(session, POLICE, seats=1, until=until)
    register(session, SHOPS, "s1@example.org")
    assert register(session, SHOPS, "s2@example.org").status == Registration.Status.WAITLISTED
    register_details = registration_service.AttendeeDetails(
        full_name="Late", email="s3@example.org", sector_id=sector(SHOPS).pk
    )

    with time_machine.travel(until + timedelta(minutes=1), tick=True):
        # The first person waiting gets the freed seat before a newcomer.
        late = registration_service.register_for_session(
            session_id=session.pk, attendee=register_details
        )
        assert late.status == Registration.Status.WAITLISTED
        waiting_first = Registration.objects.get(email="s2@example.org")
        assert waiting_first.status == Registration.Status.CONFIRMED
        assert confirmed(session) == 2


def test_the_minute_scan_gives_an_ended_holds_seats_to_those_waiting():
    session = SessionFactory(capacity=2)
    until = timezone.now() + timedelta(hours=2)
    hold(session, POLICE, seats=1, until=until)
    register(session, SHOPS, "s1@example.org")
    waiting = register(session, SHOPS, "s2@example.org")

    assert release_ended_seat_holds() == 0  # the hold still runs
    with time_machine.travel(until + timedelta(minutes=1), tick=True):
        assert release_ended_seat_holds() == 1
        assert release_ended_seat_holds() == 0  # nothing more to give

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert waiting.hold is None


def test_held_seats_taken_stay_counted_after_the_hold_ends():
    session = SessionFactory(capacity=2)
    until = timezone.now() + timedelta(hours=1)
    hold(session, POLICE, seats=2, until=until)
    register(session, POLICE, "p1@example.org")
    register(session, POLICE, "p2@example.org")

    with time_machine.travel(until + timedelta(minutes=1), tick=True):
        assert register(session, SHOPS, "s@x.org").status == Registration.Status.WAITLISTED
    assert confirmed(session) == 2


# --- The waiting list -------------------------------------------------------------


def test_a_freed_held_seat_goes_to_the_first_person_waiting_from_a_held_sector():
    session = SessionFactory(capacity=2)
    held = hold(session, POLICE, seats=1)
    leaving = register(session, POLICE, "p1@example.org")
    register(session, SHOPS, "s1@example.org")
    shopkeeper = register(session, SHOPS, "s2@example.org")
    officer = register(session, POLICE, "p2@example.org")

    registration_service.cancel_registration(registration_id=leaving.pk)

    officer.refresh_from_db()
    shopkeeper.refresh_from_db()
    assert officer.status == Registration.Status.CONFIRMED
    assert officer.hold == held
    assert shopkeeper.status == Registration.Status.WAITLISTED


def test_a_freed_held_seat_stays_held_when_nobody_from_its_sectors_waits():
    session = SessionFactory(capacity=2)
    hold(session, POLICE, seats=1)
    leaving = register(session, POLICE, "p1@example.org")
    register(session, SHOPS, "s1@example.org")
    shopkeeper = register(session, SHOPS, "s2@example.org")

    registration_service.cancel_registration(registration_id=leaving.pk)

    shopkeeper.refresh_from_db()
    assert shopkeeper.status == Registration.Status.WAITLISTED
    assert seats_of(session).held_free == 1


def test_a_freed_general_seat_goes_to_the_first_person_waiting():
    session = SessionFactory(capacity=2)
    hold(session, POLICE, seats=1)
    leaving = register(session, SHOPS, "s1@example.org")
    register(session, POLICE, "p1@example.org")
    first = register(session, SHOPS, "s2@example.org")
    register(session, SHOPS, "s3@example.org")

    registration_service.cancel_registration(registration_id=leaving.pk)

    first.refresh_from_db()
    assert first.status == Registration.Status.CONFIRMED
    assert first.hold is None


def test_an_organizer_cannot_promote_into_seats_held_for_other_sectors():
    session = SessionFactory(capacity=2)
    hold(session, POLICE, seats=1)
    register(session, SHOPS, "s1@example.org")
    waiting = RegistrationFactory(session=session, waitlisted=True, sector=sector(SHOPS))

    with pytest.raises(waitlist.PromotionRefused, match="held for other sectors"):
        waitlist.promote_registration(registration_id=waiting.pk)


def test_an_organizer_promotes_a_waiting_officer_into_a_held_seat():
    session = SessionFactory(capacity=2)
    held = hold(session, POLICE, seats=1)
    register(session, SHOPS, "s1@example.org")
    waiting = RegistrationFactory(session=session, waitlisted=True, sector=sector(POLICE))

    promoted = waitlist.promote_registration(registration_id=waiting.pk)

    assert promoted.hold == held


# --- Editing holds ---------------------------------------------------------------


def test_a_smaller_hold_frees_general_seats_for_those_waiting():
    session = SessionFactory(capacity=2)
    held = hold(session, POLICE, seats=1)
    register(session, SHOPS, "s1@example.org")
    waiting = register(session, SHOPS, "s2@example.org")

    def write():
        held.delete()

    seat_hold_service.update_seat_holds(session_id=session.pk, write=write)

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert AuditEntry.objects.filter(session=session, action="seat_holds_changed").exists()


def _inline_post(session, holds: list[dict]) -> dict:
    """The session's change form as the admin posts it, with these holds."""
    data = form_data(session, **{"seat_holds-TOTAL_FORMS": len(holds)})
    for index, held in enumerate(holds):
        until = timezone.localtime(held["until"])
        data[f"seat_holds-{index}-sectors"] = [sector(slug).pk for slug in held["sectors"]]
        data[f"seat_holds-{index}-seats"] = held["seats"]
        data[f"seat_holds-{index}-until_0"] = until.strftime("%Y-%m-%d")
        data[f"seat_holds-{index}-until_1"] = until.strftime("%H:%M:%S")
    return data


def test_the_admin_refuses_holds_that_add_up_to_more_than_the_capacity(admin_client):
    session = SessionFactory(capacity=10)
    until = timezone.now() + timedelta(days=2)
    data = _inline_post(
        session,
        [
            {"sectors": [POLICE], "seats": 6, "until": until},
            {"sectors": [NURSES], "seats": 5, "until": until},
        ],
    )

    response = admin_client.post(
        reverse("admin:events_trainingsession_change", args=[session.pk]), data
    )

    assert response.status_code == 200
    assert "are more than the session&#x27;s capacity (10)" in response.content.decode()
    assert not SeatHold.objects.filter(session=session).exists()


def test_the_admin_saves_holds_within_the_capacity(admin_client):
    session = SessionFactory(capacity=10)
    until = timezone.now() + timedelta(days=2)
    data = _inline_post(session, [{"sectors": [POLICE, NURSES], "seats": 10, "until": until}])

    response = admin_client.post(
        reverse("admin:events_trainingsession_change", args=[session.pk]), data
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    saved = SeatHold.objects.get(session=session)
    assert saved.seats == 10
    assert {s.slug for s in saved.sectors.all()} == {POLICE, NURSES}


def test_the_session_change_page_shows_the_holds_inline(admin_client):
    session = SessionFactory(capacity=10)
    hold(session, POLICE, seats=3)

    response = admin_client.get(reverse("admin:events_trainingsession_change", args=[session.pk]))

    assert response.status_code == 200
    assert "Seats held for sectors" in response.content.decode()


# --- The session page -----------------------------------------------------------


def test_the_session_page_says_what_is_held_for_whom_and_until_when(client):
    starts = timezone.now() + timedelta(days=10)
    session = SessionFactory(capacity=10, starts_at=starts, timezone="America/Denver")
    until = (starts - timedelta(days=2)).replace(hour=23, minute=0, second=0, microsecond=0)
    held = hold(session, POLICE, seats=4, until=until)
    register(session, POLICE, "p1@example.org")

    page = client.get(session.get_absolute_url()).content.decode()

    local = timezone.localtime(until, session.tzinfo)
    assert "3 seats held for Law enforcement &amp; first responders until" in page
    assert f"{local:%b} {local.day}, {local.year}" in page
    assert "MST" in page or "MDT" in page  # in the session's own zone
    assert "6 seats open to everyone" in page
    assert f'data-sectors="{sector(POLICE).pk}"' in page
    assert 'aria-live="polite"' in page
    assert held.pk


def test_the_session_page_of_a_session_without_holds_shows_none(client):
    session = SessionFactory(capacity=10)

    page = client.get(session.get_absolute_url()).content.decode()

    assert 'id="seat-holds"' not in page


def test_the_session_page_forgets_a_hold_at_its_end(client):
    session = SessionFactory(capacity=10)
    until = timezone.now() + timedelta(hours=3)
    hold(session, POLICE, seats=4, until=until)
    assert 'id="seat-holds"' in client.get(session.get_absolute_url()).content.decode()

    with time_machine.travel(until + timedelta(minutes=1), tick=True):
        page = client.get(session.get_absolute_url()).content.decode()

    assert 'id="seat-holds"' not in page
    assert "10 seats left" in page


def test_a_full_session_with_held_seats_left_still_offers_to_register(client):
    session = SessionFactory(capacity=2)
    hold(session, POLICE, seats=1)
    register(session, SHOPS, "s1@example.org")
    register(session, SHOPS, "s2@example.org")  # waits

    page = client.get(session.get_absolute_url()).content.decode()

    assert "1 seat held for Law enforcement" in page
    assert "0 seats open to everyone" in page
    assert ">Register</button>" in page
