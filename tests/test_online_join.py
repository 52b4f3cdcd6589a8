"""Online sessions: attendees join through their own link, which notes the join as evidence."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.documents.emails import SharedRenders, build_message
from events.models import AuditEntry, Registration
from events.services import attendance
from tests.factories import NotificationFactory, RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db

MEETING = "https://meet.example.org/nd-trafficking"


def online_registration(*, starts_in=timedelta(minutes=10), **fields) -> Registration:
    session = SessionFactory(
        venue="",
        address="",
        online_url=MEETING,
        starts_at=timezone.now() + starts_in,
    )
    return RegistrationFactory(session=session, **fields)


def join_url(registration) -> str:
    return reverse("events:manage_join", args=[registration.manage_token])


def test_opening_the_link_records_nothing_and_the_button_joins(client):
    registration = online_registration()

    page = client.get(join_url(registration))
    assert page.status_code == 200 and "Join now" in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    registration.refresh_from_db()
    assert registration.joined_at is None  # a mail scanner's GET proves nothing

    joined = client.post(join_url(registration))
    assert joined.status_code == 302 and joined["Location"] == MEETING
    registration.refresh_from_db()
    assert registration.joined_at is not None
    assert not registration.attended  # evidence only: the organizer decides
    assert AuditEntry.objects.filter(registration=registration, action="joined_online").count() == 1


def test_only_the_first_join_within_the_session_counts(client):
    registration = online_registration()
    client.post(join_url(registration))
    first = Registration.objects.get(pk=registration.pk).joined_at
    client.post(join_url(registration))
    assert Registration.objects.get(pk=registration.pk).joined_at == first
    assert AuditEntry.objects.filter(action="joined_online").count() == 1


def test_a_join_days_before_the_session_is_not_evidence(client):
    registration = online_registration(starts_in=timedelta(days=3))
    response = client.post(join_url(registration))
    assert response["Location"] == MEETING  # the link still works
    registration.refresh_from_db()
    assert registration.joined_at is None


def test_a_waitlisted_person_cannot_join(client):
    registration = online_registration(waitlisted=True)
    response = client.post(join_url(registration))
    assert response.status_code == 200
    assert "Only a confirmed place can join." in response.content.decode()
    registration.refresh_from_db()
    assert registration.joined_at is None


def test_an_in_person_session_has_no_join_page(client):
    registration = RegistrationFactory()
    response = client.get(join_url(registration))
    assert response.status_code == 302
    assert response["Location"] == registration.get_manage_url()


def test_the_record_keeps_the_window(db):
    registration = online_registration(starts_in=timedelta(hours=-4))  # ended an hour ago
    attendance.record_joined(registration_id=registration.pk)
    registration.refresh_from_db()
    assert registration.joined_at is None


def test_online_emails_give_each_attendee_their_own_join_link(caplog):
    first = online_registration()
    second = RegistrationFactory(session=first.session)
    renders = SharedRenders()  # one render for the batch, each link filled in
    for registration in (first, second):
        notification = NotificationFactory(registration=registration, kind="reminder")
        message = build_message(notification, renders=renders)
        assert join_url(registration) in message.body
        html = message.alternatives[0][0]
        assert f'href="http://testserver{join_url(registration)}"' in html
        assert MEETING not in message.body  # the raw meeting link would skip the evidence
    assert "one by one" not in caplog.text


def test_the_roster_filters_who_joined(admin_client):
    joined = online_registration(full_name="Joined Person")
    RegistrationFactory(session=joined.session, full_name="Absent Person")
    attendance.record_joined(registration_id=joined.pk)
    response = admin_client.get(reverse("admin:events_registration_changelist"), {"joined": "yes"})
    assert [r.full_name for r in response.context["cl"].result_list] == ["Joined Person"]
