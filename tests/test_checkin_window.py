"""The check-in window: the door checks people in only from a while before the start until
a grace period after the end; outside it, an organizer records attendance with a reason."""

import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from events.models import AuditEntry, CheckInScan, Registration
from events.services import checkin
from tests.factories import RegistrationFactory, ScopedOrganizerFactory, SessionFactory

pytestmark = pytest.mark.django_db


def session_starting_in(delta: timedelta, **fields):
    starts = timezone.now() + delta
    return SessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=3), **fields)


def seated(delta: timedelta) -> Registration:
    return RegistrationFactory(session=session_starting_in(delta))


def test_a_check_in_weeks_before_the_session_is_refused_and_says_when_the_door_opens():
    registration = seated(timedelta(days=21))

    with pytest.raises(checkin.OutsideCheckInWindow, match="check-in opens on"):
        checkin.check_in(registration_id=registration.pk)

    registration.refresh_from_db()
    assert (registration.attended, registration.checked_in_at) == (False, None)
    assert not AuditEntry.objects.filter(registration=registration).exists()


@pytest.mark.parametrize(
    ("starts_in", "opens"),
    [(timedelta(minutes=119), True), (timedelta(minutes=121), False)],
)
def test_the_door_opens_two_hours_before_the_start(starts_in, opens):
    registration = seated(starts_in)
    if opens:
        assert checkin.check_in(registration_id=registration.pk).attended
    else:
        with pytest.raises(checkin.OutsideCheckInWindow):
            checkin.check_in(registration_id=registration.pk)


@pytest.mark.parametrize(
    ("ended_ago", "open_"),
    [(timedelta(minutes=59), True), (timedelta(minutes=61), False)],
)
def test_the_door_closes_an_hour_after_the_end(ended_ago, open_):
    registration = seated(-(timedelta(hours=3) + ended_ago))
    if open_:
        assert checkin.check_in(registration_id=registration.pk).attended
    else:
        with pytest.raises(checkin.OutsideCheckInWindow, match="check-in closed on"):
            checkin.check_in(registration_id=registration.pk)


@override_settings(CHECKIN_OPENS_BEFORE_MINUTES=15, CHECKIN_GRACE_MINUTES=0)
def test_the_window_follows_its_settings():
    with pytest.raises(checkin.OutsideCheckInWindow):
        checkin.check_in(registration_id=seated(timedelta(minutes=20)).pk)
    assert checkin.check_in(registration_id=seated(timedelta(minutes=10)).pk).attended


def test_the_refusal_gives_the_time_in_the_sessions_own_zone():
    session = session_starting_in(timedelta(days=3), timezone="America/Denver")
    registration = RegistrationFactory(session=session)
    with pytest.raises(checkin.OutsideCheckInWindow, match=r"M[SD]T"):
        checkin.check_in(registration_id=registration.pk)


def test_an_organizer_checks_someone_in_outside_the_window_with_a_reason_in_the_audit_trail():
    registration = seated(timedelta(days=21))
    organizer = ScopedOrganizerFactory(organizes=[registration.session])

    checked = checkin.check_in(
        registration_id=registration.pk,
        actor=organizer,
        override_reason="  Early   orientation for volunteers ",
    )

    assert checked.attended and checked.checked_in_at is not None
    entry = AuditEntry.objects.get(registration=registration)
    assert entry.action == "checked_in_outside_window"
    assert entry.actor == organizer
    assert entry.detail["reason"] == "Early orientation for volunteers"


def test_a_blank_reason_is_no_override():
    registration = seated(timedelta(days=21))
    with pytest.raises(checkin.OutsideCheckInWindow):
        checkin.check_in(registration_id=registration.pk, override_reason="   ")


def test_an_offline_scan_is_judged_at_its_scan_time():
    # Ended three hours ago, past the grace: the door device scanned during the session
    # and only uploads now.
    session = session_starting_in(-timedelta(hours=6))
    during = RegistrationFactory(session=session)
    after = RegistrationFactory(session=session)

    def upload(registration, scanned_at):
        scan = checkin.OfflineScan(
            nonce=uuid.uuid4(),
            code=registration.checkin_code,
            scanned_at=scanned_at,
            device="Front door",
        )
        stored, _ = checkin.record_offline_scan(session=session, scan=scan)
        return stored

    kept = upload(during, session.starts_at + timedelta(minutes=5))
    refused = upload(after, session.ends_at + timedelta(minutes=90))

    assert kept.outcome == CheckInScan.Outcome.CHECKED_IN
    assert refused.outcome == CheckInScan.Outcome.REFUSED
    assert refused.reason.startswith("check-in closed on")
    assert Registration.objects.get(pk=after.pk).attended is False


# --- attendance from the roster (the paper sign-in sheet) ----------------------------


def test_attendance_is_marked_from_the_sign_in_sheet_days_after_the_session():
    registration = seated(-timedelta(days=5))
    assert checkin.mark_attended(registration_id=registration.pk, attended=True).attended


def test_attendance_before_the_start_needs_a_reason():
    registration = seated(timedelta(days=2))
    with pytest.raises(checkin.AttendanceRefused, match="has not started"):
        checkin.mark_attended(registration_id=registration.pk, attended=True)

    checkin.mark_attended(
        registration_id=registration.pk, attended=True, reason="Attended the pilot run"
    )

    entry = AuditEntry.objects.get(registration=registration, action="marked_attended")
    assert entry.detail == {"reason": "Attended the pilot run"}


# --- walk-ins ------------------------------------------------------------------------


def test_a_walk_in_outside_the_window_is_refused_unless_the_organizer_gives_a_reason(sector):
    session = session_starting_in(timedelta(days=21))

    with pytest.raises(checkin.WalkInRefused, match="check-in opens on"):
        checkin.add_walk_in(session_id=session.pk, full_name="Too Early", sector_id=sector.pk)
    assert not session.registrations.exists()

    walk_in = checkin.add_walk_in(
        session_id=session.pk,
        full_name="Too Early",
        sector_id=sector.pk,
        override_reason="Pre-session briefing",
    )
    assert walk_in.registration.attended
    assert AuditEntry.objects.filter(
        registration=walk_in.registration,
        action="checked_in_outside_window",
        detail__reason="Pre-session briefing",
    ).exists()


# --- the door page -------------------------------------------------------------------


@pytest.fixture
def early():
    """A registrant of a session three weeks away, and its organizer at the door."""
    registration = seated(timedelta(days=21))
    return registration, ScopedOrganizerFactory(organizes=[registration.session])


def door_check_in(client, registration, **extra):
    return client.post(
        reverse("events:organize_checkin_submit", args=[registration.session_id]),
        {"registration": registration.pk, **extra},
        headers={"Accept": "application/json"},
    )


def test_the_door_page_says_it_is_closed_and_asks_for_a_reason(client, early):
    registration, organizer = early
    client.force_login(organizer)

    page = client.get(
        reverse("events:organize_checkin", args=[registration.session_id]),
        {"q": registration.full_name},
    )

    body = page.content.decode()
    assert "The door is closed for this session: check-in opens on" in body
    assert f'id="reason-{registration.pk}"' in body
    assert 'id="walk-in-reason"' in body


def test_the_door_refuses_outside_the_window_with_a_clear_message(client, early):
    registration, organizer = early
    client.force_login(organizer)

    response = door_check_in(client, registration)

    assert response.status_code == 409
    data = response.json()
    assert data["outcome"] == "refused"
    assert data["message"].startswith(f"{registration.full_name} cannot be checked in: ")
    assert "check-in opens on" in data["message"]


def test_the_door_checks_in_outside_the_window_with_the_reason_given(client, early):
    registration, organizer = early
    client.force_login(organizer)

    response = door_check_in(client, registration, reason="Volunteer briefing")

    assert response.json()["outcome"] == "checked_in"
    entry = AuditEntry.objects.get(registration=registration, action="checked_in_outside_window")
    assert entry.detail["reason"] == "Volunteer briefing"


def test_the_door_page_has_no_reason_field_while_it_is_open(client):
    registration = seated(timedelta(minutes=30))
    client.force_login(ScopedOrganizerFactory(organizes=[registration.session]))
    body = client.get(
        reverse("events:organize_checkin", args=[registration.session_id]),
        {"q": registration.full_name},
    ).content.decode()
    assert "The door is closed" not in body
    assert 'name="reason"' not in body


def test_the_snapshot_carries_the_window_for_offline_doors(client, early):
    registration, organizer = early
    client.force_login(organizer)
    data = client.get(
        reverse("events:organize_checkin_snapshot", args=[registration.session_id])
    ).json()
    opens = registration.session.starts_at - timedelta(hours=2)
    assert data["session"]["checkin_opens_at"] == opens.isoformat()


# --- the roster's override ------------------------------------------------------------


def test_the_roster_asks_for_a_reason_then_marks_attended_and_audits_it(client, early):
    registration, organizer = early
    client.force_login(organizer)
    url = reverse("admin:events_registration_changelist")
    chosen = {"action": "mark_attended_with_reason", "_selected_action": [registration.pk]}

    asked = client.post(url, chosen)
    assert b'name="reason"' in asked.content
    done = client.post(url, {**chosen, "record_attendance": "1", "reason": "Sign-in sheet"})

    registration.refresh_from_db()
    assert done.status_code == 302 and registration.attended
    entry = AuditEntry.objects.get(registration=registration, action="marked_attended")
    assert entry.detail == {"reason": "Sign-in sheet"} and entry.actor == organizer
