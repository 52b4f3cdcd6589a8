"""Walk-ins at the door: added and checked in at once, even into a full session, never twice."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from events.forms import RegistrationForm
from events.models import AuditEntry, Notification, Registration, TrainingSession
from events.services import checkin
from events.services.certificates import issue_certificate
from events.services.notification_delivery import skip_reason
from tests.factories import (
    DoorOpenSessionFactory,
    RegistrationFactory,
    ScopedOrganizerFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_session(db):
    session = DoorOpenSessionFactory(capacity=1)
    RegistrationFactory(session=session)
    return session


@pytest.fixture
def organizer(full_session):
    return ScopedOrganizerFactory(organizes=[full_session])


def add(session, sector, organizer, **fields):
    return checkin.add_walk_in(
        session_id=session.pk, sector_id=sector.pk, actor=organizer, **fields
    )


def test_a_walk_in_into_a_full_session_is_confirmed_and_checked_in(full_session, sector, organizer):
    walk_in = add(
        full_session, sector, organizer, full_name="  Ana   Torres ", email="Ana@Example.org"
    )

    registration = Registration.objects.get(pk=walk_in.registration.pk)
    assert walk_in.added and walk_in.over_capacity
    assert registration.full_name == "Ana Torres"
    assert registration.email == "ana@example.org"
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.attended and registration.checked_in_at is not None
    assert registration.checked_in_by == organizer
    assert full_session.registrations.filter(status="confirmed").count() == 2
    override = AuditEntry.objects.get(registration=registration, action="capacity_overridden")
    assert override.actor == organizer
    assert override.detail == {"capacity": 1, "confirmed_before": 1}
    assert set(
        AuditEntry.objects.filter(registration=registration).values_list("action", flat=True)
    ) == {"walk_in_added", "capacity_overridden", "checked_in"}


def test_a_walk_in_who_already_holds_a_place_is_checked_in_on_it(full_session, sector, organizer):
    existing = full_session.registrations.get()

    walk_in = add(
        full_session, sector, organizer, full_name="Someone", email=existing.email.upper()
    )

    assert not walk_in.added and not walk_in.over_capacity
    assert walk_in.registration.pk == existing.pk
    assert full_session.registrations.count() == 1
    existing.refresh_from_db()
    assert existing.checked_in_at is not None and existing.full_name != "Someone"
    assert not AuditEntry.objects.filter(action="capacity_overridden").exists()


def test_a_walk_in_on_the_waiting_list_is_confirmed_beyond_capacity(
    full_session, sector, organizer
):
    waiting = RegistrationFactory(session=full_session, status=Registration.Status.WAITLISTED)

    walk_in = add(full_session, sector, organizer, full_name="W", email=waiting.email)

    waiting.refresh_from_db()
    assert walk_in.registration.pk == waiting.pk and walk_in.over_capacity
    assert waiting.status == Registration.Status.CONFIRMED
    assert waiting.checked_in_at is not None
    assert full_session.registrations.count() == 2


def test_a_second_walk_in_of_the_same_person_changes_nothing(full_session, sector, organizer):
    first = add(full_session, sector, organizer, full_name="Ana", email="ana@example.org")
    again = add(full_session, sector, organizer, full_name="Ana", email="ana@example.org")

    assert again.already_checked_in and again.registration.pk == first.registration.pk
    assert full_session.registrations.count() == 2


def test_walk_ins_without_email_are_separate_people_and_get_no_email(
    full_session, sector, organizer
):
    one = add(full_session, sector, organizer, full_name="No Email One")
    two = add(full_session, sector, organizer, full_name="No Email Two")

    assert one.registration.pk != two.registration.pk
    assert one.registration.email == two.registration.email == ""
    row = Notification(registration=one.registration, kind=Notification.Kind.CERTIFICATE)
    assert skip_reason(row) == "no email address (a walk-in who gave none)"


def test_a_cancelled_session_takes_no_walk_ins(full_session, sector, organizer):
    TrainingSession.objects.filter(pk=full_session.pk).update(
        status=TrainingSession.Status.CANCELLED
    )
    with pytest.raises(checkin.WalkInRefused, match="cancelled"):
        add(full_session, sector, organizer, full_name="Late")
    assert full_session.registrations.count() == 1


# --- their emails ------------------------------------------------------------------


def test_a_walk_in_who_gives_an_email_is_told_they_are_checked_in(
    full_session, sector, organizer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        walk_in = add(
            full_session, sector, organizer, full_name="Ana Torres", email="ana@example.org"
        )

    row = Notification.objects.get(registration=walk_in.registration)
    assert (row.kind, row.status) == (Notification.Kind.WALK_IN, Notification.Status.SENT)
    (sent,) = mail.outbox
    assert sent.to == ["ana@example.org"]
    assert sent.subject.startswith("You are checked in: ")
    assert "checked in" in sent.body and walk_in.registration.get_manage_url() in sent.body
    # In the room already: no calendar file, and no code to show at the door.
    assert sent.attachments == []
    assert walk_in.registration.checkin_code not in sent.body


def test_a_walk_in_found_by_email_or_without_one_gets_no_walk_in_email(
    full_session, sector, organizer
):
    existing = full_session.registrations.get()
    add(full_session, sector, organizer, full_name="Same Person", email=existing.email)
    add(full_session, sector, organizer, full_name="No Address")
    assert not Notification.objects.filter(kind=Notification.Kind.WALK_IN).exists()


def test_a_walk_ins_certificate_reaches_them_like_any_attendees(
    full_session, sector, organizer, django_capture_on_commit_callbacks
):
    walk_in = add(full_session, sector, organizer, full_name="Ana Torres", email="ana@example.org")
    # The session ends.
    TrainingSession.objects.filter(pk=full_session.pk).update(
        starts_at=timezone.now() - timedelta(hours=4), ends_at=timezone.now() - timedelta(hours=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        issue_certificate(registration_id=walk_in.registration.pk)

    row = Notification.objects.get(registration=walk_in.registration, kind="certificate")
    assert row.status == Notification.Status.SENT
    (certificate,) = mail.outbox
    assert certificate.to == ["ana@example.org"]
    assert [name for name, _content, _type in certificate.attachments] == [
        f"certificate-{walk_in.registration.certificate.display_code}.pdf"
    ]


# --- the door page -------------------------------------------------------------------


@pytest.fixture
def door(client, organizer):
    client.force_login(organizer)
    return client


def test_the_door_page_adds_a_walk_in_and_says_so(door, full_session, sector):
    url = reverse("events:organize_walk_in", args=[full_session.pk])
    response = door.post(
        url,
        {"full_name": "José Núñez", "sector": sector.pk, "consent": "on"},
        follow=True,
    )
    assert response.status_code == 200
    assert "José Núñez is added and checked in. The session was full" in response.content.decode()
    assert full_session.registrations.filter(full_name="José Núñez", attended=True).exists()


def test_the_walk_in_form_shows_its_errors_on_the_door_page(door, full_session):
    url = reverse("events:organize_walk_in", args=[full_session.pk])
    response = door.post(url, {"full_name": "  ", "email": "not-an-email", "sector": "999"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Please enter their name." in body or "This field is required." in body
    assert "Enter a valid email address." in body
    assert "Choose one of the listed sectors." in body
    assert "Ask for their consent before adding them." in body
    assert full_session.registrations.count() == 1


def test_the_admin_session_page_links_to_add_a_walk_in(admin_client, full_session):
    response = admin_client.get(
        reverse("admin:events_trainingsession_change", args=[full_session.pk])
    )
    door = reverse("events:organize_checkin", args=[full_session.pk])
    assert f'href="{door}#walk-in"' in response.content.decode()


def test_registering_still_needs_an_email(sector):
    form = RegistrationForm(
        {"full_name": "A", "email": "", "sector": sector.pk, "consent": "on"}, sectors=[sector]
    )
    assert not form.is_valid()
    assert "email" in form.errors
