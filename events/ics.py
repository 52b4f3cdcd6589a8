"""Calendar files (.ics) for a session, built with the icalendar library."""

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vText

from events.models import TrainingSession


def session_calendar(session: TrainingSession, *, manage_url: str = "") -> bytes:
    """One VEVENT with a stable UID, so that a moved session updates the same entry."""
    calendar = Calendar()
    calendar.add("prodid", "-//trafficking_training//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"session-{session.public_id}@trafficking-training")
    event.add("sequence", session.schedule_version)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.local_starts_at)
    event.add("dtend", session.local_ends_at)
    event.add("summary", session.training.title)
    event.add("location", vText(session.place if session.venue else session.online_url))
    details = [session.training.summary, f"Hosts: {session.training.hosts}"]
    if session.online_url:
        details.append(f"Online: {session.online_url}")
    if manage_url:
        details.append(f"Manage your registration: {manage_url}")
    event.add("description", "\n".join(d for d in details if d))
    event.add("url", settings.SITE_URL + session.get_absolute_url())
    if session.status == TrainingSession.Status.CANCELLED:
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return calendar.to_ical()
