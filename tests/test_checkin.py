"""Door check-in: the service, the door page for organizers, and the attendee's QR code."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from events.models import AuditEntry, Registration
from events.services import checkin
from tests.factories import (
    DoorOpenSessionFactory,
    RegistrationFactory,
    ScopedOrganizerFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(db):
    return DoorOpenSessionFactory()


@pytest.fixture
def organizer(session):
    return ScopedOrganizerFactory(organizes=[session])


@pytest.fixture
def door(client, organizer):
    client.force_login(organizer)
    return client


def submit(client, session, **data):
    return client.post(
        reverse("events:organize_checkin_submit", args=[session.pk]),
        data,
        HTTP_ACCEPT="application/json",
    )


# --- the service -------------------------------------------------------------------


def test_check_in_marks_a_confirmed_registrant_present_and_audits_who(session, organizer):
    registration = RegistrationFactory(session=session)
    checkin.check_in(registration_id=registration.pk, actor=organizer)
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    assert registration.attended is True
    assert registration.checked_in_by == organizer
    entry = AuditEntry.objects.get(registration=registration, action="checked_in")
    assert (entry.actor, entry.session) == (organizer, session)


def test_second_check_in_changes_nothing(session, organizer):
    registration = RegistrationFactory(session=session)
    checkin.check_in(registration_id=registration.pk, actor=organizer)
    first = Registration.objects.get(pk=registration.pk).checked_in_at
    with pytest.raises(checkin.AlreadyCheckedIn):
        checkin.check_in(registration_id=registration.pk, actor=organizer)
    assert Registration.objects.get(pk=registration.pk).checked_in_at == first
    assert AuditEntry.objects.filter(action="checked_in").count() == 1


@pytest.mark.parametrize(
    ("trait", "reason"), [("cancelled", "cancelled"), ("waitlisted", "on the waiting list")]
)
def test_check_in_refuses_registrations_without_a_seat(session, trait, reason):
    registration = RegistrationFactory(session=session, **{trait: True})
    with pytest.raises(checkin.CheckInRefused, match=reason):
        checkin.check_in(registration_id=registration.pk)
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_check_in_to_a_cancelled_session_is_refused(session):
    registration = RegistrationFactory(session=session)
    session.status = "cancelled"
    session.save()
    with pytest.raises(checkin.CheckInRefused, match="the session is cancelled"):
        checkin.check_in(registration_id=registration.pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_check_ins_of_one_person_record_one(organizer):
    registration = RegistrationFactory(session=DoorOpenSessionFactory())
    outcomes, barrier = [], threading.Barrier(4)

    def scan():
        barrier.wait()
        try:
            checkin.check_in(registration_id=registration.pk, actor=organizer)
            outcomes.append("checked_in")
        except checkin.AlreadyCheckedIn:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already", "already", "already", "checked_in"]
    assert AuditEntry.objects.filter(action="checked_in").count() == 1


# --- the door page ----------------------------------------------------------------


def test_door_page_finds_people_by_name_and_email(door, session):
    RegistrationFactory(session=session, full_name="Dana Whitehorse", email="dana@fps.org")
    RegistrationFactory(session=session, full_name="Erik Olson", email="erik@sanford.org")
    url = reverse("events:organize_checkin", args=[session.pk])
    by_name = door.get(url, {"q": "whiteh"})
    by_email = door.get(url, {"q": "sanford.org"})
    assert [r.full_name for r in by_name.context["results"]] == ["Dana Whitehorse"]
    assert [r.full_name for r in by_email.context["results"]] == ["Erik Olson"]
    assert b"Check in Dana Whitehorse" in by_name.content


def test_door_search_leaves_out_cancelled_registrations(door, session):
    RegistrationFactory(session=session, full_name="Gone Person", cancelled=True)
    response = door.get(reverse("events:organize_checkin", args=[session.pk]), {"q": "Gone"})
    assert response.context["results"] == []


def test_one_click_check_in_answers_with_the_new_counts(door, session):
    registration = RegistrationFactory(session=session, full_name="Dana Whitehorse")
    RegistrationFactory(session=session)
    response = submit(door, session, registration=registration.pk)
    data = response.json()
    assert response.status_code == 200
    assert data["outcome"] == "checked_in"
    assert data["message"] == "Dana Whitehorse is checked in."
    assert data["counts"] == {"confirmed": 2, "checked_in": 1, "waitlisted": 0}


def test_scanned_code_checks_the_person_in(door, session):
    registration = RegistrationFactory(session=session)
    response = submit(door, session, code=registration.checkin_code.lower())
    registration.refresh_from_db()
    assert response.json()["outcome"] == "checked_in"
    assert registration.checked_in_at is not None


def test_scanning_twice_says_already_checked_in(door, session):
    registration = RegistrationFactory(session=session, full_name="Dana Whitehorse")
    submit(door, session, code=registration.checkin_code)
    response = submit(door, session, code=registration.checkin_code)
    data = response.json()
    assert response.status_code == 200
    assert data["outcome"] == "already"
    assert data["message"].startswith("Dana Whitehorse was already checked in at ")


@pytest.mark.parametrize("code", ["NOTACODE", "AB\x00CD", "' OR 1=1 --"])
def test_unknown_code_is_not_found_for_this_session(door, session, code):
    response = submit(door, session, code=code)
    assert response.status_code == 404
    assert response.json()["message"] == "Not found for this session."


def test_code_of_another_session_is_not_found_for_this_session(door, session, organizer):
    other = SessionFactory()
    other.organizers.add(organizer)
    elsewhere = RegistrationFactory(session=other)
    response = submit(door, session, code=elsewhere.checkin_code)
    elsewhere.refresh_from_db()
    assert response.json()["message"] == "Not found for this session."
    assert elsewhere.checked_in_at is None


def test_checking_in_a_waitlisted_person_is_refused_with_a_clear_message(door, session):
    waiting = RegistrationFactory(session=session, full_name="Wes Waiting", waitlisted=True)
    response = submit(door, session, registration=waiting.pk)
    assert response.status_code == 409
    assert response.json()["message"] == "Wes Waiting cannot be checked in: on the waiting list."


def test_check_in_without_javascript_redirects_back_with_a_message(door, session):
    registration = RegistrationFactory(session=session, full_name="Dana Whitehorse")
    url = reverse("events:organize_checkin_submit", args=[session.pk])
    response = door.post(url, {"registration": registration.pk, "q": "Dana"}, follow=True)
    assert response.redirect_chain[-1][0].endswith("check-in/?q=Dana")
    assert "Dana Whitehorse is checked in." in [str(m) for m in response.context["messages"]]


def test_live_counts_endpoint_reports_checked_in_people(door, session):
    RegistrationFactory(session=session, checked_in_at="2026-01-01T10:00Z", attended=True)
    RegistrationFactory(session=session, waitlisted=True)
    response = door.get(reverse("events:organize_checkin_counts", args=[session.pk]))
    assert response.json() == {"confirmed": 1, "checked_in": 1, "waitlisted": 1}


def test_door_page_requires_login(client, session):
    response = client.get(reverse("events:organize_checkin", args=[session.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_door_page_check_in_is_in_the_audit_trail_with_the_organizer(door, session, organizer):
    registration = RegistrationFactory(session=session)
    submit(door, session, registration=registration.pk)
    assert AuditEntry.objects.get(registration=registration).actor == organizer


def test_door_page_loads_its_script_from_a_static_file(door, session):
    response = door.get(reverse("events:organize_checkin", args=[session.pk]))
    assert b"js/checkin.js" in response.content
    assert b"<script>" not in response.content


# --- the attendee's QR code ---------------------------------------------------------


def test_manage_page_shows_the_check_in_qr_code(client, session):
    registration = RegistrationFactory(session=session)
    response = client.get(registration.get_manage_url())
    assert b"<svg" in response.content
    assert registration.checkin_code.encode() in response.content


def test_manage_page_shows_no_check_in_code_while_waitlisted(client, session):
    registration = RegistrationFactory(session=session, waitlisted=True)
    response = client.get(registration.get_manage_url())
    assert registration.checkin_code.encode() not in response.content


def test_qr_code_encodes_only_the_check_in_code(session):
    from events.documents.qr import qr_svg
    from events.templatetags.checkin_qr import checkin_qr

    registration = RegistrationFactory(session=session)
    assert checkin_qr(registration) == qr_svg(
        registration.checkin_code, scale=5, title="Your check-in QR code"
    )


def test_the_manage_pages_qr_code_is_named_in_the_readers_language(client, session):
    registration = RegistrationFactory(session=session)
    spanish = client.get(registration.get_manage_url(), HTTP_ACCEPT_LANGUAGE="es")
    assert "<title>Su código QR de llegada</title>" in spanish.content.decode()
    assert "QR code</title>" not in spanish.content.decode()
