"""Online sessions: attendees join through their own link, which notes the join as evidence."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events.documents.emails import SharedRenders, build_message
from events.models import AuditEntry, Registration
from events.services import checkin
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
    checkin.record_joined(registration_id=registration.pk)
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


def _event(calendar: bytes):
    return Calendar.from_ical(calendar).walk("VEVENT")[0]


def _unfolded(calendar: bytes) -> str:
    return calendar.decode().replace("\r\n ", "")


@pytest.mark.parametrize("kind", ["confirmation", "reminder", "session_changed"])
def test_each_attendees_calendar_file_carries_their_own_join_link(kind):
    first = online_registration()
    second = RegistrationFactory(session=first.session)
    renders = SharedRenders()
    for registration in (first, second):
        notification = NotificationFactory(registration=registration, kind=kind)
        message = build_message(notification, renders=renders)
        (text,) = [body for _name, body, mime in message.attachments if mime == "text/calendar"]
        calendar = text.encode()  # attached as text
        own = f"http://testserver{join_url(registration)}"
        event = _event(calendar)
        assert str(event["location"]) == own
        assert f"Online: {own}" in str(event["description"])
        # Joining from the calendar goes through the link that notes the join.
        assert MEETING not in _unfolded(calendar)


def test_the_calendar_download_of_the_manage_page_carries_the_join_link(client):
    registration = online_registration()
    response = client.get(reverse("events:manage_ics", args=[registration.manage_token]))
    event = _event(response.content)
    assert str(event["location"]) == f"http://testserver{join_url(registration)}"
    assert MEETING not in _unfolded(response.content)


def test_the_public_calendar_file_says_registrants_get_their_own_link(client):
    session = online_registration().session
    response = client.get(reverse("events:session_ics", args=[session.public_id]))
    event = _event(response.content)
    assert str(event["location"]) == "Online"
    assert "each registrant gets their own join link" in str(event["description"])
    assert MEETING not in _unfolded(response.content)


def test_an_in_person_sessions_emails_share_one_calendar_file():
    first = RegistrationFactory()
    second = RegistrationFactory(session=first.session)
    files = {
        body
        for registration in (first, second)
        for _name, body, mime in build_message(
            NotificationFactory(registration=registration, kind="reminder")
        ).attachments
        if mime == "text/calendar"
    }
    assert len(files) == 1


def test_the_roster_filters_who_joined(admin_client):
    joined = online_registration(full_name="Joined Person")
    RegistrationFactory(session=joined.session, full_name="Absent Person")
    checkin.record_joined(registration_id=joined.pk)
    response = admin_client.get(reverse("admin:events_registration_changelist"), {"joined": "yes"})
    assert [r.full_name for r in response.context["cl"].result_list] == ["Joined Person"]
