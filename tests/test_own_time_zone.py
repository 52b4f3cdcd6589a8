"""An online session's emails also give the time where the registrant is."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from events.documents.emails import SharedRenders, build_message
from events.forms import RegistrationForm
from tests.factories import NotificationFactory, RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db

STARTS = datetime(2026, 12, 24, 9, 0, tzinfo=ZoneInfo("America/Chicago"))


def online_session(**fields):
    return SessionFactory(
        venue="", address="", online_url="https://meet.example.org/x", starts_at=STARTS, **fields
    )


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("America/Los_Angeles", "America/Los_Angeles"),
        ("Mars/Olympus", ""),
        ("", ""),
        ("x" * 60, ""),
    ],
)
def test_the_form_keeps_only_a_real_time_zone(sector, sent, kept):
    form = RegistrationForm(
        {
            "full_name": "A",
            "email": "a@example.org",
            "sector": sector.pk,
            "consent": "on",
            "timezone": sent,
        },
        sectors=[sector],
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["timezone"] == kept


def test_registering_stores_the_browsers_zone(client, sector):
    session = online_session()
    client.post(
        session.get_absolute_url(),
        {
            "full_name": "Ana",
            "email": "ana@example.org",
            "sector": sector.pk,
            "consent": "on",
            "timezone": "America/Denver",
        },
    )
    assert session.registrations.get().timezone == "America/Denver"


def test_each_registrant_gets_their_own_time_in_one_shared_render(caplog):
    session = online_session()
    west = RegistrationFactory(session=session, timezone="America/Los_Angeles")
    same = RegistrationFactory(session=session, timezone="America/Chicago")
    unknown = RegistrationFactory(session=session, timezone="")
    renders = SharedRenders()
    bodies = {
        registration.pk: build_message(
            NotificationFactory(registration=registration, kind="reminder"), renders=renders
        ).body
        for registration in (west, same, unknown)
    }
    assert (
        "Where you are, it starts: Thursday, December 24, 2026, 7:00 AM (America/Los Angeles)"
        in (bodies[west.pk])
    )
    assert "Where you are" not in bodies[same.pk]
    assert "Where you are" not in bodies[unknown.pk]
    assert "one by one" not in caplog.text


def test_an_in_person_session_gives_only_its_own_time():
    registration = RegistrationFactory(
        session=SessionFactory(starts_at=STARTS), timezone="America/Los_Angeles"
    )
    body = build_message(NotificationFactory(registration=registration, kind="reminder")).body
    assert "Where you are" not in body
