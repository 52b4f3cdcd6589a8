"""The calendar feed of sessions: /sessions/feed.ics with the catalogue's filters."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from events.models import Sector, TrainingSession
from events.services.sessions import update_session
from tests.factories import (
    EndedSessionFactory,
    RegistrationFactory,
    SessionFactory,
    TrainingFactory,
)

pytestmark = pytest.mark.django_db

FEED = reverse("events:sessions_feed")


def feed(client, query: str = "", **headers) -> Calendar:
    response = client.get(f"{FEED}?{query}" if query else FEED, headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def uids(calendar: Calendar) -> set[str]:
    return {str(event["uid"]) for event in calendar.walk("VEVENT")}


def uid_of(session: TrainingSession) -> str:
    return Calendar.from_ical(_own_file(session)).walk("VEVENT")[0]["uid"]


def _own_file(session: TrainingSession) -> bytes:
    from django.test import Client

    return Client().get(reverse("events:session_ics", args=[session.public_id])).content


def test_every_event_matches_its_session_in_the_database(client):
    in_fargo = SessionFactory(city="Fargo", state="ND")
    online = SessionFactory(
        venue="",
        address="",
        city="Bismarck",
        online_url="https://meet.example.org/abc",
        timezone="America/Denver",
        starts_at=timezone.now() + timedelta(days=20),
    )
    calendar = feed(client)

    events = {str(event["uid"]): event for event in calendar.walk("VEVENT")}
    assert len(events) == 2
    for session in TrainingSession.objects.select_related("training"):
        event = events[f"session-{session.public_id}@trafficking-training"]
        assert str(event["summary"]) == session.training.title
        assert event.decoded("dtstart") == session.starts_at.replace(microsecond=0)
        assert event.decoded("dtend") == session.ends_at.replace(microsecond=0)
        assert str(event["dtstart"].dt.tzinfo) == session.timezone
        assert str(event["status"]) == "CONFIRMED"
        assert event["sequence"] == session.schedule_version
        assert str(event["url"]).endswith(session.get_absolute_url())
        assert event.decoded("dtstamp") == session.updated_at.replace(microsecond=0)
    fargo_event = events[f"session-{in_fargo.public_id}@trafficking-training"]
    assert str(fargo_event["location"]) == "Fargo Civic Center, 207 4th St N, Fargo, ND"
    online_event = events[f"session-{online.public_id}@trafficking-training"]
    assert str(online_event["location"]) == "Online"


def test_an_online_session_is_listed_as_online_and_its_meeting_address_is_never_given(client):
    """The address is only ever given to registrants, through their own join link."""
    online = SessionFactory(venue="", address="", online_url="https://meet.example.org/abc-123")
    hybrid = SessionFactory(online_url="https://meet.example.org/hybrid-456")
    response = client.get(FEED)

    unfolded = response.content.replace(b"\r\n ", b"")  # a long line goes on after "\r\n "
    assert b"meet.example.org" not in unfolded
    events = {
        str(event["uid"]): event for event in Calendar.from_ical(response.content).walk("VEVENT")
    }
    online_event = events[str(uid_of(online))]
    assert str(online_event["location"]) == "Online"
    assert str(online_event["url"]).endswith(online.get_absolute_url())
    for session in (online, hybrid):
        description = str(events[str(uid_of(session))]["description"])
        assert "Online: each registrant gets their own join link by email." in description
    assert str(events[str(uid_of(hybrid))]["location"]).startswith("Fargo Civic Center")


def test_the_feed_shows_a_session_under_the_uid_of_its_own_calendar_file(client):
    session = SessionFactory()
    assert uids(feed(client)) == {str(uid_of(session))}


def test_drafts_and_ended_sessions_are_left_out(client):
    upcoming = SessionFactory()
    SessionFactory(status=TrainingSession.Status.DRAFT)
    EndedSessionFactory()
    assert uids(feed(client)) == {f"session-{upcoming.public_id}@trafficking-training"}


def test_the_calendar_names_itself_and_says_how_often_to_refresh(client):
    SessionFactory()
    response = client.get(FEED)
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "Trafficking awareness trainings"
    assert str(calendar["version"]) == "2.0"
    assert "prodid" in calendar
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.content
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in response.content
    # Folded as RFC 5545 asks: no line longer than 75 octets.
    assert max(len(line) for line in response.content.split(b"\r\n")) <= 75


def test_the_dtstamps_are_in_utc(client):
    SessionFactory()
    content = client.get(FEED).content.decode()
    assert re.search(r"^DTSTAMP:\d{8}T\d{6}Z\r$", content, re.MULTILINE)


def test_each_zone_used_has_one_vtimezone_spanning_its_sessions_years(client):
    SessionFactory(timezone="America/Chicago")
    SessionFactory(timezone="America/Chicago", starts_at=timezone.now() + timedelta(days=400))
    SessionFactory(timezone="America/Denver")
    calendar = feed(client)
    zones = [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")]
    assert sorted(zones) == ["America/Chicago", "America/Denver"]
    used = {str(event["dtstart"].params["TZID"]) for event in calendar.walk("VEVENT")}
    assert used == set(zones)


def test_the_name_says_what_the_feed_is_filtered_by(client, sector):
    training = TrainingFactory()
    training.target_sectors.add(sector)
    SessionFactory(training=training, city="Fargo")
    calendar = feed(client, f"sector={sector.slug}&city=Fargo&mode=in_person")
    assert str(calendar["x-wr-calname"]) == (
        f"Trafficking awareness trainings: {sector.name}, Fargo, In person"
    )


def test_a_city_typed_in_any_case_is_named_as_the_sessions_spell_it(client):
    SessionFactory(city="Grand Forks")
    calendar = feed(client, "city=grand+FORKS")
    assert len(calendar.walk("VEVENT")) == 1
    assert str(calendar["x-wr-calname"]) == "Trafficking awareness trainings: Grand Forks"


def test_the_name_is_in_the_visitors_language(client, sector):
    SessionFactory(city="Fargo")
    calendar = feed(client, "mode=online", **{"Accept-Language": "es"})
    assert (
        str(calendar["x-wr-calname"])
        == "Capacitaciones para reconocer la trata de personas: En línea"
    )
    schools = Sector.objects.get(slug="schools-education")
    calendar = feed(client, "sector=schools-education", **{"Accept-Language": "es"})
    assert str(calendar["x-wr-calname"]).endswith(f": {schools.name_es}")


# --- Filters -------------------------------------------------------------------


@pytest.fixture
def three_sessions(sector):
    """A healthcare session in Fargo, an online one from Bismarck, one in Moorhead, MN."""
    health = TrainingFactory()
    health.target_sectors.add(sector)
    other = TrainingFactory()
    other.target_sectors.add(Sector.objects.exclude(pk=sector.pk).first())
    start = timezone.now() + timedelta(days=10)
    return {
        "fargo": SessionFactory(training=health, city="Fargo", starts_at=start),
        "online": SessionFactory(
            training=other,
            city="Bismarck",
            venue="",
            address="",
            online_url="https://meet.example.org/x",
            starts_at=start + timedelta(days=40),
        ),
        "moorhead": SessionFactory(training=other, city="Moorhead", state="MN", starts_at=start),
    }


def _month(session) -> str:
    return f"{timezone.localtime(session.starts_at):%Y-%m}"


@pytest.mark.parametrize(
    "query, expected",
    [
        (lambda s, sector: f"sector={sector.slug}", {"fargo"}),
        (lambda s, sector: "city=Fargo", {"fargo"}),
        (lambda s, sector: "city=fargo", {"fargo"}),
        (lambda s, sector: "city=%20MOORHEAD%20", {"moorhead"}),
        (lambda s, sector: "state=mn", {"moorhead"}),
        (lambda s, sector: "mode=online", {"online"}),
        (lambda s, sector: "mode=in_person", {"fargo", "moorhead"}),
        (lambda s, sector: f"month={_month(s['online'])}", {"online"}),
        (lambda s, sector: f"sector={sector.slug}&city=Moorhead", set()),
        (lambda s, sector: "", {"fargo", "online", "moorhead"}),
    ],
)
def test_filters_pick_the_sessions_the_catalogue_would(
    client, three_sessions, sector, query, expected
):
    calendar = feed(client, query(three_sessions, sector))
    assert uids(calendar) == {
        f"session-{three_sessions[name].public_id}@trafficking-training" for name in expected
    }


@pytest.mark.parametrize(
    "query",
    [
        "sector=no-such-sector",
        "city=Atlantis",
        "month=2026-13",
        "month=tomorrow",
        "mode=teleport",
        "state=North Dakota",
        "sector=%3Cscript%3E",
        "city=" + "x" * 5000,
        "sector=healthcare&sector=%27%3BDROP",
    ],
)
def test_a_query_that_makes_no_sense_gets_an_empty_calendar(client, query):
    SessionFactory(city="Fargo")
    response = client.get(f"{FEED}?{query}")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert calendar.name == "VCALENDAR"
    assert calendar.walk("VEVENT") == []
    assert "no sessions match" in str(calendar["x-wr-calname"])


def test_parameters_the_catalogue_does_not_know_are_ignored(client):
    session = SessionFactory()
    assert uids(feed(client, "utm_source=newsletter&page=3")) == {
        f"session-{session.public_id}@trafficking-training"
    }


# --- Changes -------------------------------------------------------------------


def test_a_moved_session_keeps_its_uid_and_raises_its_sequence(client):
    session = SessionFactory()
    before = feed(client).walk("VEVENT")[0]
    session.starts_at += timedelta(days=1)
    session.ends_at += timedelta(days=1)
    update_session(session=session)

    after = feed(client).walk("VEVENT")[0]
    assert after["uid"] == before["uid"]
    assert after["sequence"] == before["sequence"] + 1 == 2
    assert after.decoded("dtstart") == session.starts_at.replace(microsecond=0)


def test_a_cancelled_session_stays_as_cancelled_until_it_would_have_ended(client, time_machine):
    session = SessionFactory()
    session.status = TrainingSession.Status.CANCELLED
    update_session(session=session)

    event = feed(client).walk("VEVENT")[0]
    assert str(event["status"]) == "CANCELLED"
    # Higher than the confirmed entry it replaces, as the session's own file says.
    assert event["sequence"] == session.schedule_version + 1
    assert event["uid"] == uid_of(session)

    time_machine.move_to(session.ends_at - timedelta(minutes=1), tick=False)
    assert len(feed(client).walk("VEVENT")) == 1
    time_machine.move_to(session.ends_at + timedelta(minutes=1), tick=False)
    assert feed(client).walk("VEVENT") == []


def test_a_cancelled_session_is_filtered_like_the_others(client, sector):
    session = SessionFactory(city="Minot")
    session.status = TrainingSession.Status.CANCELLED
    update_session(session=session)
    assert feed(client, "city=Minot").walk("VEVENT")[0]["status"] == "CANCELLED"
    assert feed(client, "mode=online").walk("VEVENT") == []


# --- Cost and caching ------------------------------------------------------------


def test_the_feed_costs_a_few_queries_however_many_sessions(
    client, sector, django_assert_max_num_queries
):
    training = TrainingFactory()
    training.target_sectors.add(sector)
    for day in range(40):
        SessionFactory(training=training, starts_at=timezone.now() + timedelta(days=day + 1))
    # The cities of the form (cached afterwards), the sector, the sessions.
    with django_assert_max_num_queries(3):
        response = client.get(f"{FEED}?sector={sector.slug}&city=Fargo")
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 40


def test_the_feed_is_bounded(client, monkeypatch):
    from events.views import feeds

    monkeypatch.setattr(feeds, "FEED_LIMIT", 3)
    for day in range(5):
        SessionFactory(starts_at=timezone.now() + timedelta(days=day + 1))
    assert len(feed(client).walk("VEVENT")) == 3


def test_an_unchanged_feed_is_answered_with_not_modified(client):
    session = SessionFactory()
    first = client.get(FEED)
    assert "public" in first["Cache-Control"] and "max-age=300" in first["Cache-Control"]
    again = client.get(FEED, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""

    session.venue = "Fargo Public Library"
    update_session(session=session)
    changed = client.get(FEED, headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


# --- The catalogue's link -----------------------------------------------------------


def test_the_catalogue_links_the_feed_of_its_current_filters(client, sector):
    SessionFactory(city="Fargo")
    html = client.get(
        reverse("events:catalog"), {"sector": sector.slug, "city": "Fargo", "page": "1"}
    ).content.decode()
    expected = f'href="{FEED}?sector={sector.slug}&amp;city=Fargo"'
    assert f"{expected}>Subscribe to these sessions (calendar feed)</a>" in html
    assert re.search(
        rf'<link rel="alternate" type="text/calendar" [^>]*{re.escape(expected)}', html
    )


def test_the_catalogues_feed_link_follows_what_the_page_shows(client):
    SessionFactory(city="Fargo")
    # An unknown sector: the page shows every session (and the form's error), so does the link.
    html = client.get(reverse("events:catalog"), {"sector": "nope"}).content.decode()
    assert f'href="{FEED}">Subscribe to these sessions (calendar feed)</a>' in html
    blank = client.get(reverse("events:catalog")).content.decode()
    assert f'href="{FEED}">Subscribe' in blank


def test_neither_the_feed_nor_the_embedded_list_shows_anything_of_a_registrant(client):
    session = SessionFactory()
    RegistrationFactory(
        session=session,
        full_name="Dana Tester",
        email="dana@example.org",
        organization="Fargo Public Schools",
        accommodations="ASL interpreter",
    )
    for url in [FEED, reverse("events:embed_sessions")]:
        body = client.get(url).content.decode()
        assert session.public_id in body, url
        for detail in ["Dana Tester", "dana@example.org", "Fargo Public Schools", "ASL"]:
            assert detail not in body, (url, detail)
