"""Calendar files (.ics) for a session, and subscribable feeds of sessions, built with
the icalendar library. Both build each session's VEVENT with session_event().

No calendar ever carries an online session's meeting address: registrants join
through their own join link (manage_join), which notes the join as evidence. A
registrant's own file carries that link; a public one says that registrants get one.
"""

import functools
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, vDuration, vText

from events.models import TrainingSession
from events.models.bilingual import localized

PRODID = "-//trafficking_training//EN"
# How often a subscribed calendar should fetch a feed again (RFC 7986 REFRESH-INTERVAL,
# and X-PUBLISHED-TTL for Outlook and older clients). Sessions are planned weeks ahead;
# an hour is soon enough for a move or a cancellation.
FEED_REFRESH = timedelta(hours=1)


def session_calendar(
    session: TrainingSession, *, manage_url: str = "", join_url: str = ""
) -> bytes:
    """The session's calendar file.

    With a registrant's links (their manage link, their own join link to an online
    session) it is theirs alone; without, it is the public file that everyone shares.
    """
    if manage_url or join_url:
        return _build(session, manage_url=manage_url, join_url=join_url)
    training = session.training
    # Every field the file shows, in the language it is built in (the active one).
    key = (
        session.public_id,
        session.schedule_version,
        session.status,
        session.starts_at,
        session.ends_at,
        session.timezone,
        session.place,
        bool(session.online_url),
        localized(session, "what_to_bring"),
        localized(session, "venue_notes"),
        localized(training, "title"),
        localized(training, "summary"),
        localized(training, "hosts"),
        translation.get_language(),
    )
    return _shared_calendar(key, session)


_CACHE: dict[tuple, bytes] = {}
_CACHE_SIZE = 256


def _shared_calendar(key: tuple, session: TrainingSession) -> bytes:
    # A batch of reminders for one session needs the same file hundreds of times; the
    # key holds every field the file shows, so an edited session gets a new file.
    calendar = _CACHE.get(key)
    if calendar is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        calendar = _CACHE[key] = _build(session, manage_url="", join_url="")
    return calendar


def _build(session: TrainingSession, *, manage_url: str, join_url: str) -> bytes:
    year = session.local_starts_at.year
    calendar = _calendar()
    calendar.add("method", "PUBLISH")
    calendar.add_component(_vtimezone(session.timezone, year, year))
    calendar.add_component(session_event(session, manage_url=manage_url, join_url=join_url))
    return calendar.to_ical()


def sessions_feed(sessions: Iterable[TrainingSession], *, name: str) -> bytes:
    """A calendar to subscribe to: one VEVENT per session, and the VTIMEZONE of each
    zone they use, spanning their years.

    No METHOD: a feed is the calendar itself, not a message about it, so each DTSTAMP
    is when the session was last revised (updated_at). The file then changes only
    when its sessions do, and the view can answer an unchanged feed with a 304.
    """
    sessions = list(sessions)
    calendar = _calendar()
    calendar.calendar_name = name  # NAME and X-WR-CALNAME
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    years: dict[str, list[int]] = defaultdict(list)
    for session in sessions:
        years[session.timezone].append(session.local_starts_at.year)
    for tzid in sorted(years):
        calendar.add_component(_vtimezone(tzid, min(years[tzid]), max(years[tzid])))
    for session in sessions:
        calendar.add_component(session_event(session, stamp=session.updated_at))
    return calendar.to_ical()


def session_event(
    session: TrainingSession,
    *,
    manage_url: str = "",
    join_url: str = "",
    stamp: datetime | None = None,
) -> Event:
    """One session's VEVENT, the same in its own file and in every feed.

    The UID is stable, so a moved session updates the same entry, and a subscriber
    who also imported the session's own file sees it once. SEQUENCE is the session's
    schedule_version (plus one once cancelled): calendar apps replace an entry only
    with a higher or equal sequence, so each "session changed" file overrides the one
    sent before it. stamp is the DTSTAMP (default: now).

    An online session's place is join_url, the registrant's own join link; without
    one (a public file, a feed) it only says that each registrant gets their own.
    """
    cancelled = session.status == TrainingSession.Status.CANCELLED
    event = Event()
    event.add("uid", f"session-{session.public_id}@trafficking-training")
    event.add("sequence", session.schedule_version + (1 if cancelled else 0))
    event.add("dtstamp", stamp or timezone.now())
    event.add("dtstart", session.local_starts_at)
    event.add("dtend", session.local_ends_at)
    # Organizer content in the active language (the registrant's, for an email),
    # English where no Spanish was entered.
    event.add("summary", localized(session.training, "title").text)
    location = (join_url or _("Online")) if session.is_online else session.place
    event.add("location", vText(location))
    details = [
        localized(session.training, "summary").text,
        _("Hosts: %(hosts)s") % {"hosts": localized(session.training, "hosts").text},
    ]
    if session.online_url:
        details.append(
            _("Online: %(url)s") % {"url": join_url}
            if join_url
            else _("Online: each registrant gets their own join link by email.")
        )
    venue_notes = localized(session, "venue_notes").text
    if venue_notes:
        details.append(_("Getting there: %(notes)s") % {"notes": venue_notes})
    what_to_bring = localized(session, "what_to_bring").text
    if what_to_bring:
        details.append(_("What to bring: %(items)s") % {"items": what_to_bring})
    if manage_url:
        details.append(_("Manage your registration: %(url)s") % {"url": manage_url})
    event.add("description", "\n".join(d for d in details if d))
    event.add("url", settings.SITE_URL + session.get_absolute_url())
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    return calendar


@functools.lru_cache(maxsize=64)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE strict calendar apps need to read TZID, around the sessions' years.

    Bounded to a few years because the full 1970-2038 history costs ~10 ms per
    email; cached because every email of a session needs the same one.
    """
    return Timezone.from_tzid(
        tzid, first_date=date(first_year - 1, 1, 1), last_date=date(last_year + 2, 1, 1)
    )
