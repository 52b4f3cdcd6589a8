"""Plain links that put a session into someone's map or calendar app.

"Open in a map" (an OpenStreetMap search), "Add to Google Calendar" and "Add to
Outlook" are ordinary links to those sites with the session in their query string:
no map library, no third-party script, nothing loaded until the visitor clicks.

Whatever goes into them leaves the site, so they carry only what the public session
page shows: the title, the times, the place and the public page's address. Never an
online session's meeting address, and never a registrant's own link (a manage or
join link holds the token that manages their place): an online session's place is
the word "Online", and the registrant's calendar file (.ics) is the way to keep
their own join link in a calendar.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils.translation import gettext as _

from events.models import TrainingSession
from events.models.bilingual import localized

MAP_SEARCH = "https://www.openstreetmap.org/search"
GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
OUTLOOK_COMPOSE = "https://outlook.live.com/calendar/0/deeplink/compose"


@dataclass(frozen=True)
class CalendarEvent:
    """What a third-party calendar link says about a session."""

    title: str
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    location: str
    details: str


@dataclass(frozen=True)
class SessionLinks:
    """A session's three links; map is "" when there is no place to find (online)."""

    map: str
    google: str
    outlook: str


def _query(params: dict[str, str]) -> str:
    # %20 for spaces (quote, not quote_plus): both sites read it, and so do people
    # who copy the link. "/" stays as it is, as in Google's own dates=start/end.
    return urlencode(params, safe="/", quote_via=quote)


def map_url(address: str) -> str:
    """An OpenStreetMap search for the address."""
    return f"{MAP_SEARCH}?{_query({'query': address})}"


def _utc(moment: datetime, pattern: str) -> str:
    return moment.astimezone(UTC).strftime(pattern)


def google_calendar_url(event: CalendarEvent) -> str:
    """Google Calendar's "new event" page, filled in (times in UTC, as YYYYMMDDTHHMMSSZ)."""
    dates = f"{_utc(event.starts_at, '%Y%m%dT%H%M%SZ')}/{_utc(event.ends_at, '%Y%m%dT%H%M%SZ')}"
    params = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": dates,
        "details": event.details,
        "location": event.location,
    }
    return f"{GOOGLE_CALENDAR}?{_query(params)}"


def outlook_calendar_url(event: CalendarEvent) -> str:
    """Outlook on the web's "new event" page, filled in (times in ISO 8601, UTC)."""
    params = {
        "subject": event.title,
        "startdt": _utc(event.starts_at, "%Y-%m-%dT%H:%M:%SZ"),
        "enddt": _utc(event.ends_at, "%Y-%m-%dT%H:%M:%SZ"),
        "location": event.location,
        "body": event.details,
    }
    return f"{OUTLOOK_COMPOSE}?{_query(params)}"


def map_address(session: TrainingSession) -> str:
    """The address to search for: the street address and city (what a map finds), or
    the venue's name and city when no street address was entered; "" for online only."""
    if session.is_online:
        return ""
    first = session.address or session.venue
    return ", ".join(part for part in (first, session.city, session.state) if part)


def session_event(session: TrainingSession) -> CalendarEvent:
    """The session as the public page shows it, in the active language."""
    training = session.training
    details = [localized(training, "summary").text]
    if session.online_url:
        details.append(_("Online: each registrant gets their own join link by email."))
    details.append(settings.SITE_URL + session.get_absolute_url())
    return CalendarEvent(
        title=localized(training, "title").text,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        location=_("Online") if session.is_online else session.place,
        details="\n\n".join(part for part in details if part),
    )


def session_links(session: TrainingSession) -> SessionLinks:
    """The map link and both calendar links of a session."""
    event = session_event(session)
    address = map_address(session)
    return SessionLinks(
        map=map_url(address) if address else "",
        google=google_calendar_url(event),
        outlook=outlook_calendar_url(event),
    )
