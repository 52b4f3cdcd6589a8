"""Seat offers near the day: within OFFER_WINDOW_HOURS of the start a freed seat is
offered to the next person waiting, claimed or declined from the manage page, and
passed on when it lapses (the minute task); each step audited and emailed once."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from events.models import AuditEntry, Notification, Offer, Registration
from events.selectors.seat_holds import seats_of
from events.services import offers
from events.services import registration as registration_service
from events.services.notification_delivery import deliver_notification
from events.tasks.offers import expire_seat_offers
from tests.factories import SessionFactory
from tests.seat_helpers import confirmed, hold, register

pytestmark = pytest.mark.django_db

POLICE = "law-enforcement"
SHOPS = "business-retail"


def near_session(capacity: int = 1, hours: float = 24, **fields):
    """A session starting within the offer window (48 hours by default)."""
    starts = timezone.now() + timedelta(hours=hours)
    return SessionFactory(
        capacity=capacity, starts_at=starts, ends_at=starts + timedelta(hours=3), **fields
    )


def full_with_waiting(session, waiting: int = 2):
    """The session's seats taken (by shops), and people waiting; returns (seated, line)."""
    seated = [register(session, SHOPS, f"seat{i}@example.org") for i in range(session.capacity)]
    line = [register(session, SHOPS, f"wait{i}@example.org") for i in range(waiting)]
    return seated, line


def emails(registration, kind) -> int:
    return Notification.objects.filter(registration=registration, kind=kind).count()


def offer_seat(session):
    """Free the first seat: within the window it is offered to the first person waiting."""
    seated, line = full_with_waiting(session)
    registration_service.cancel_registration(registration_id=seated[0].pk)
    return Offer.objects.get(registration=line[0]), line


def test_within_the_window_a_freed_seat_is_offered_not_given():
    session = near_session()
    offer, line = offer_seat(session)

    first = Registration.objects.get(pk=line[0].pk)
    assert first.status == Registration.Status.WAITLISTED
    assert offer.status == Offer.Status.OPEN
    assert offer.expires_at == offer.offered_at + timedelta(hours=4)
    assert emails(first, Notification.Kind.OFFERED) == 1
    assert AuditEntry.objects.filter(registration=first, action="seat_offered").count() == 1


def test_an_offered_seat_counts_as_taken():
    session = near_session()
    offer_seat(session)

    newcomer = register(session, SHOPS, "new@example.org")

    assert newcomer.status == Registration.Status.WAITLISTED
    assert seats_of(session).free == 0


def test_outside_the_window_promotion_stays_immediate():
    session = near_session(hours=72)
    seated, line = full_with_waiting(session)

    registration_service.cancel_registration(registration_id=seated[0].pk)

    line[0].refresh_from_db()
    assert line[0].status == Registration.Status.CONFIRMED
    assert not Offer.objects.exists()


def test_the_window_and_validity_are_settings(settings):
    settings.OFFER_WINDOW_HOURS = 100
    settings.OFFER_VALID_HOURS = 1
    session = near_session(hours=72)

    offer, _line = offer_seat(session)

    assert offer.expires_at == offer.offered_at + timedelta(hours=1)


def test_the_deadline_is_clipped_to_the_start():
    session = near_session(hours=2)

    offer, _line = offer_seat(session)

    assert offer.expires_at == session.starts_at


def test_claiming_confirms_the_seat_with_one_email_and_an_audit_line():
    session = near_session()
    offer, line = offer_seat(session)

    offers.claim_offer(offer_id=offer.pk)

    first = Registration.objects.get(pk=line[0].pk)
    assert first.status == Registration.Status.CONFIRMED
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.CLAIMED
    assert emails(first, Notification.Kind.PROMOTED) == 1
    assert AuditEntry.objects.filter(registration=first, action="offer_claimed").count() == 1
    assert confirmed(session) == 1


def test_claiming_twice_says_the_seat_is_already_theirs():
    session = near_session()
    offer, line = offer_seat(session)
    offers.claim_offer(offer_id=offer.pk)

    with pytest.raises(offers.OfferClosed, match="already claimed") as closed:
        offers.claim_offer(offer_id=offer.pk)

    assert closed.value.status == Offer.Status.CLAIMED
    assert emails(line[0], Notification.Kind.PROMOTED) == 1


def test_claiming_after_the_deadline_is_refused_and_passes_the_seat_on():
    session = near_session()
    offer, line = offer_seat(session)

    lapsed = time_machine.travel(offer.expires_at + timedelta(seconds=1), tick=True)
    with lapsed, pytest.raises(offers.OfferClosed, match="ended at its deadline"):
        offers.claim_offer(offer_id=offer.pk)

    late = Registration.objects.get(pk=line[0].pk)
    assert late.status == Registration.Status.CANCELLED
    assert emails(late, Notification.Kind.OFFER_EXPIRED) == 1
    assert Offer.objects.get(registration=line[1]).status == Offer.Status.OPEN


def test_declining_passes_the_seat_to_the_next_person_waiting():
    session = near_session()
    offer, line = offer_seat(session)

    offers.decline_offer(offer_id=offer.pk)

    declined = Registration.objects.get(pk=line[0].pk)
    assert declined.status == Registration.Status.CANCELLED
    assert emails(declined, Notification.Kind.OFFER_DECLINED) == 1
    assert AuditEntry.objects.filter(registration=declined, action="offer_declined").exists()
    assert Offer.objects.get(registration=line[1]).status == Offer.Status.OPEN
    with pytest.raises(offers.OfferClosed, match="You declined"):
        offers.claim_offer(offer_id=offer.pk)


def test_declining_a_claimed_seat_points_to_cancelling():
    session = near_session()
    offer, _line = offer_seat(session)
    offers.claim_offer(offer_id=offer.pk)

    with pytest.raises(offers.OfferClosed, match="cancel your registration"):
        offers.decline_offer(offer_id=offer.pk)


def test_cancelling_while_holding_an_offer_passes_the_seat_on():
    session = near_session()
    offer, line = offer_seat(session)

    registration_service.cancel_registration(registration_id=line[0].pk)

    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.DECLINED
    assert Offer.objects.get(registration=line[1]).status == Offer.Status.OPEN


def test_a_freed_held_seat_is_offered_to_the_held_sector_and_claimed_into_the_hold():
    session = near_session(capacity=2)
    held = hold(session, POLICE, seats=1)
    officer = register(session, POLICE, "p1@example.org")
    register(session, SHOPS, "s1@example.org")
    register(session, SHOPS, "s2@example.org")  # waits, but the seat is held
    next_officer = register(session, POLICE, "p2@example.org")

    registration_service.cancel_registration(registration_id=officer.pk)
    offer = Offer.objects.get()
    offers.claim_offer(offer_id=offer.pk)

    assert offer.registration_id == next_officer.pk
    assert offer.hold == held
    assert Registration.objects.get(pk=next_officer.pk).hold == held


# --- The minute task ---------------------------------------------------------------


def test_the_task_expires_lapsed_offers_once_and_offers_the_seat_on():
    session = near_session()
    offer, line = offer_seat(session)
    assert expire_seat_offers() == 0

    with time_machine.travel(offer.expires_at + timedelta(minutes=1), tick=True):
        assert expire_seat_offers() == 1
        assert expire_seat_offers() == 0

    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.EXPIRED
    assert emails(line[0], Notification.Kind.OFFER_EXPIRED) == 1
    assert emails(line[1], Notification.Kind.OFFERED) == 1
    assert AuditEntry.objects.filter(registration=line[0], action="offer_expired").count() == 1


def test_with_nobody_left_waiting_a_lapsed_offers_seat_is_free_again():
    session = near_session()
    seated, line = full_with_waiting(session, waiting=1)
    registration_service.cancel_registration(registration_id=seated[0].pk)
    offer = Offer.objects.get()

    with time_machine.travel(offer.expires_at + timedelta(minutes=1), tick=True):
        expire_seat_offers()
        assert seats_of(session).free == 1


def test_beat_runs_the_offer_and_hold_tasks_every_minute():
    schedule = {
        entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["events.expire_seat_offers"] == 60.0
    assert schedule["events.release_ended_seat_holds"] == 60.0


# --- The emails ---------------------------------------------------------------------


def test_the_offer_email_gives_the_deadline_in_the_sessions_zone(mailoutbox):
    session = near_session(timezone="America/Denver")
    offer, line = offer_seat(session)

    row = Notification.objects.get(registration=line[0], kind=Notification.Kind.OFFERED)
    deliver_notification(notification_id=row.pk)

    sent = [m for m in mailoutbox if m.to == [line[0].email]][-1]
    local = timezone.localtime(offer.expires_at, session.tzinfo)
    assert "A seat is offered to you" in sent.subject
    assert f"Claim it by {local:%A}, {local:%B} {local.day}, {local.year}" in sent.body
    assert local.strftime("%Z") in sent.body


# --- The manage page ----------------------------------------------------------------


def manage_url(registration, name="events:manage") -> str:
    return reverse(name, args=[registration.manage_token])


def test_the_manage_page_shows_the_offer_with_its_deadline_and_two_buttons(client):
    session = near_session(timezone="America/Denver")
    offer, line = offer_seat(session)

    page = client.get(manage_url(line[0])).content.decode()

    local = timezone.localtime(offer.expires_at, session.tzinfo)
    assert 'id="seat-offer"' in page
    assert f"{local:%B} {local.day}, {local.year}" in page
    assert local.strftime("%Z") in page
    assert manage_url(line[0], "events:manage_offer_claim") in page
    assert manage_url(line[0], "events:manage_offer_decline") in page
    # The status says so too, not "number N on the waiting list, we will email you".
    assert "a seat is offered to you: claim it below." in page
    assert "on the waiting list. We will email you" not in page


def test_claiming_from_the_manage_page_confirms_and_says_so(client):
    session = near_session()
    _offer, line = offer_seat(session)

    response = client.post(manage_url(line[0], "events:manage_offer_claim"), follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "The seat is yours" in page
    assert "You have a seat." in page
    assert 'id="seat-offer"' not in page


def test_claiming_twice_from_the_manage_page_is_a_message_not_an_error(client):
    session = near_session()
    _offer, line = offer_seat(session)
    client.post(manage_url(line[0], "events:manage_offer_claim"))

    response = client.post(manage_url(line[0], "events:manage_offer_claim"), follow=True)

    assert response.status_code == 200
    assert "You have already claimed this seat" in response.content.decode()


def test_claiming_late_from_the_manage_page_says_the_offer_ended(client):
    session = near_session()
    offer, line = offer_seat(session)

    with time_machine.travel(offer.expires_at + timedelta(seconds=5), tick=True):
        response = client.post(manage_url(line[0], "events:manage_offer_claim"), follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "This offer ended at its deadline" in page
    assert "was not claimed by" in page


def test_declining_from_the_manage_page(client):
    session = near_session()
    _offer, line = offer_seat(session)

    response = client.post(manage_url(line[0], "events:manage_offer_decline"), follow=True)

    assert response.status_code == 200
    assert "You declined the seat" in response.content.decode()
    assert Registration.objects.get(pk=line[0].pk).status == Registration.Status.CANCELLED


def test_claiming_without_an_offer_is_a_message(client):
    session = near_session()
    _seated, line = full_with_waiting(session)

    response = client.post(manage_url(line[0], "events:manage_offer_claim"), follow=True)

    assert response.status_code == 200
    assert "No seat has been offered" in response.content.decode()


def test_the_offer_urls_answer_only_posts(client):
    session = near_session()
    _offer, line = offer_seat(session)

    assert client.get(manage_url(line[0], "events:manage_offer_claim")).status_code == 405


def test_offers_of_a_cancelled_session_lapse_without_a_misleading_email():
    session = near_session()
    offer, line = offer_seat(session)
    session.status = "cancelled"
    session.save(update_fields=["status"])

    with pytest.raises(offers.OfferClosed, match="cancelled"):
        offers.claim_offer(offer_id=offer.pk)
    with time_machine.travel(offer.expires_at + timedelta(minutes=1), tick=True):
        assert expire_seat_offers() == 1

    assert emails(line[0], Notification.Kind.OFFER_EXPIRED) == 0
    assert not Offer.objects.filter(status=Offer.Status.OPEN).exists()


def test_a_person_with_an_open_offer_who_walks_in_takes_the_offered_seat_once():
    from events.services.checkin import add_walk_in

    session = near_session(hours=1)  # the door opens two hours before the start
    offer, line = offer_seat(session)

    add_walk_in(
        session_id=session.pk,
        full_name=line[0].full_name,
        email=line[0].email,
        sector_id=line[0].sector_id,
    )

    offer.refresh_from_db()
    assert offer.status == Offer.Status.CLAIMED
    assert Registration.objects.get(pk=line[0].pk).status == Registration.Status.CONFIRMED
    # The seat is counted once: the second person waiting is not squeezed out or in.
    assert seats_of(session).free == 0
    assert Registration.objects.get(pk=line[1].pk).status == Registration.Status.WAITLISTED
    assert AuditEntry.objects.filter(registration=line[0], action="offer_claimed").count() == 1
