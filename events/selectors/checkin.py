"""Reads for the door page's offline mode: the roster snapshot a device keeps."""

from datetime import datetime

from django.utils import timezone

from events.models import Registration, TrainingSession

# The least a door needs to find and check in a person: no email, no sector, no needs.
SNAPSHOT_FIELDS = ("id", "full_name", "organization", "checkin_code", "status", "checked_in_at")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def checkin_snapshot(session: TrainingSession, *, now: datetime | None = None) -> dict:
    """The session's roster for a door device to keep offline (one query).

    Once the session has ended it holds nobody, and says so: the device then wipes
    what it kept. Anonymized registrations are left out.
    """
    now = now or timezone.now()
    ended = session.ends_at <= now
    rows = (
        []
        if ended
        else Registration.objects.filter(session_id=session.pk, anonymized_at__isnull=True)
        .order_by("full_name", "id")
        .values_list(*SNAPSHOT_FIELDS)
    )
    return {
        "session": {
            "id": session.pk,
            "ends_at": _iso(session.ends_at),
            "ended": ended,
        },
        "generated_at": _iso(now),
        "registrations": [
            {
                "id": pk,
                "name": name,
                "organization": organization,
                "code": code,
                "status": status,
                "checked_in_at": _iso(checked_in_at),
            }
            for pk, name, organization, code, status, checked_in_at in rows
        ],
    }
