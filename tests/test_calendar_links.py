"""The map and calendar links: plain links to OpenStreetMap, Google Calendar and Outlook,
carrying only what the public session page shows."""

from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import translation

from events.documents.calendar_links import (
    CalendarEvent,
    google_calendar_url,
    map_address,
    map_url,
    outlook_calendar_url,
    session_event,
    session_links,
)
from tests.factories import EndedSessionFactory, SessionFactory

CHICAGO = ZoneInfo("America/Chicago")
EVENT = CalendarEvent(
    title="Identifying & Reporting Human Trafficking",
    starts_at=datetime(2027, 3, 9, 9, 0, tzinfo=CHICAGO),
    ends_at=datetime(2027, 3, 9, 12, 30, tzinfo=CHICAGO),
    location="Fargo Civic Center, 207 4th St N, Fargo, ND",
    details="Spot the signs.\n\nhttps://trainings.example.org/sessions/abc/",
)


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def test_the_map_link_is_an_openstreetmap_search_for_the_address():
    url = map_url("207 4th St N, Fargo, ND")
    assert url == "https://www.openstreetmap.org/search?query=207%204th%20St%20N%2C%20Fargo%2C%20ND"


def test_the_map_link_encodes_what_would_break_the_query():
    url = map_url("Salle #2 & 3, Café/Bar?, Minot")
    assert query(url) == {"query": "Salle #2 & 3, Café/Bar?, Minot"}
    assert "#" not in url and "&3" not in url


def test_the_google_link_has_the_template_action_and_utc_dates():
    url = google_calendar_url(EVENT)
    assert url.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE&")
    # 9:00 in Chicago in March 2027 (CST, before the change on March 14) is 15:00 UTC.
    assert "dates=20270309T150000Z/20270309T183000Z" in url
    assert query(url) == {
        "action": "TEMPLATE",
        "text": EVENT.title,
        "dates": "20270309T150000Z/20270309T183000Z",
        "details": EVENT.details,
        "location": EVENT.location,
    }


def test_the_outlook_link_has_iso_utc_times():
    url = outlook_calendar_url(EVENT)
    assert url.startswith("https://outlook.live.com/calendar/0/deeplink/compose?")
    assert query(url) == {
        "subject": EVENT.title,
        "startdt": "2027-03-09T15:00:00Z",
        "enddt": "2027-03-09T18:30:00Z",
        "location": EVENT.location,
        "body": EVENT.details,
    }


def test_times_follow_daylight_saving_time_in_the_sessions_zone():
    summer = CalendarEvent(
        title="t",
        starts_at=datetime(2027, 7, 1, 9, 0, tzinfo=ZoneInfo("America/Denver")),
        ends_at=datetime(2027, 7, 1, 10, 0, tzinfo=ZoneInfo("America/Denver")),
        location="",
        details="",
    )
    assert query(outlook_calendar_url(summer))["startdt"] == "2027-07-01T15:00:00Z"
    assert query(google_calendar_url(summer))["dates"] == "20270701T150000Z/20270701T160000Z"


def test_spaces_are_encoded_as_percent_20_not_plus():
    url = google_calendar_url(EVENT)
    assert "+" not in url and "Identifying%20%26%20Reporting" in url


@pytest.mark.django_db
def test_an_in_person_sessions_event_has_its_place_and_public_page():
    session = SessionFactory()
    event = session_event(session)
    assert event.location == "Fargo Civic Center, 207 4th St N, Fargo, ND"
    assert event.starts_at == session.starts_at and event.ends_at == session.ends_at
    assert settings.SITE_URL + session.get_absolute_url() in event.details
    assert map_address(session) == "207 4th St N, Fargo, ND"


@pytest.mark.django_db
def test_without_a_street_address_the_map_searches_for_the_venue():
    session = SessionFactory(address="", venue="Minot Public Library", city="Minot")
    assert map_address(session) == "Minot Public Library, Minot, ND"


@pytest.mark.django_db
def test_an_online_session_says_online_and_never_its_meeting_address():
    meeting = "https://meet.example.org/secret-room?pwd=hunter2"
    session = SessionFactory(venue="", address="", online_url=meeting)

    links = session_links(session)

    assert links.map == ""
    for url in (links.google, links.outlook):
        assert "meet.example.org" not in url and "secret-room" not in url
    assert query(links.google)["location"] == "Online"
    assert "own join link" in query(links.outlook)["body"]


@pytest.mark.django_db
def test_a_hybrid_session_has_its_place_and_no_meeting_address():
    session = SessionFactory(online_url="https://meet.example.org/hybrid-secret")
    links = session_links(session)
    assert query(links.google)["location"].startswith("Fargo Civic Center")
    assert links.map and "hybrid-secret" not in links.google + links.outlook


@pytest.mark.django_db
def test_the_links_speak_the_active_language():
    session = SessionFactory(venue="", address="", online_url="https://meet.example.org/x")
    with translation.override("es"):
        links = session_links(session)
    assert query(links.google)["location"] == "En línea"


# --- On the public session page ------------------------------------------------------


@pytest.mark.django_db
def test_the_session_page_links_to_a_map_and_both_calendars(client):
    session = SessionFactory()
    page = client.get(session.get_absolute_url()).content.decode()
    links = session_links(session)
    for url in (links.map, links.google, links.outlook):
        assert f'href="{url.replace("&", "&amp;")}"' in page
    assert "Open in a map" in page and "Add to Google Calendar" in page


@pytest.mark.django_db
def test_an_online_sessions_page_has_calendar_links_but_no_map(client):
    session = SessionFactory(venue="", address="", online_url="https://meet.example.org/x-secret")
    page = client.get(session.get_absolute_url()).content.decode()
    assert "calendar.google.com" in page and "openstreetmap.org" not in page
    assert "x-secret" not in page


@pytest.mark.django_db
def test_an_ended_sessions_page_offers_no_map_or_calendar(client):
    page = client.get(EndedSessionFactory().get_absolute_url()).content.decode()
    assert "calendar.google.com" not in page and "openstreetmap.org" not in page
