"""Reads for the door: the check-in window, live counts, search by name or code, and the
offline snapshot."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from events.models import CheckInScan, Registration, TrainingSession
from events.models.tokens import normalize_code

from .text_search import containing_ignoring_accents, fold_exceptions

# The least a door needs to find and check in a person: no email, no sector, no needs.
SNAPSHOT_FIELDS = ("id", "full_name", "organization", "checkin_code", "status", "checked_in_at")


@dataclass(frozen=True)
class CheckInWindow:
    """When the door may check people in to a session: a while before the start (people
    arrive early) until a grace period after the end (late scans, offline uploads)."""

    opens_at: datetime
    closes_at: datetime

    def is_open(self, at: datetime) -> bool:
        return self.opens_at <= at <= self.closes_at


def checkin_window(session: TrainingSession) -> CheckInWindow:
    """The session's check-in window (CHECKIN_OPENS_BEFORE_MINUTES, CHECKIN_GRACE_MINUTES)."""
    return CheckInWindow(
        opens_at=session.starts_at - timedelta(minutes=settings.CHECKIN_OPENS_BEFORE_MINUTES),
        closes_at=session.ends_at + timedelta(minutes=settings.CHECKIN_GRACE_MINUTES),
    )


def checkin_closed_reason(session: TrainingSession, at: datetime) -> str:
    """Why the door cannot check anyone in at `at`, in words for the organizer; "" when
    it can. Times are the session's own (a Williston session's in Mountain time)."""
    window = checkin_window(session)
    if window.is_open(at):
        return ""
    if at < window.opens_at:
        opens = timezone.localtime(window.opens_at, session.tzinfo)
        return _("check-in opens on %(time)s") % {"time": date_format(opens, "STAMP_FORMAT")}
    closed = timezone.localtime(window.closes_at, session.tzinfo)
    return _("check-in closed on %(time)s") % {"time": date_format(closed, "STAMP_FORMAT")}


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
    window = checkin_window(session)
    return {
        "session": {
            "id": session.pk,
            "ends_at": _iso(session.ends_at),
            "ended": ended,
            # The door device refuses offline check-ins outside these, as the server would.
            "checkin_opens_at": _iso(window.opens_at),
            "checkin_closes_at": _iso(window.closes_at),
        },
        "generated_at": _iso(now),
        # The letters the device's search folds as the server's does (Ø → o, ß → ss).
        "fold_exceptions": fold_exceptions(),
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


def checkin_counts(session_id: int) -> dict[str, int]:
    """Live numbers for the door page, in one query."""
    return Registration.objects.filter(session_id=session_id).aggregate(
        confirmed=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)),
        checked_in=Count(
            "pk", filter=Q(status=Registration.Status.CONFIRMED, checked_in_at__isnull=False)
        ),
        waitlisted=Count("pk", filter=Q(status=Registration.Status.WAITLISTED)),
    )


def search_for_checkin(*, session_id: int, query: str, limit: int = 25) -> list[Registration]:
    """Active registrants whose name or email contains the query (accents ignored)."""
    query = query.strip()[:100]
    if not query:
        return []
    active = Registration.objects.filter(session_id=session_id).exclude(
        status=Registration.Status.CANCELLED
    )
    return list(
        containing_ignoring_accents(active, ["full_name", "email"], query)
        .select_related("sector")
        .order_by("full_name", "id")[:limit]
    )


def find_by_checkin_code(*, session_id: int, code: str) -> Registration | None:
    """The registration a scanned or typed code points to, only within this session.

    Typed codes may carry spaces, dashes or lower case ("xz9s-6g3d q2tr n9ms"): they
    are normalized like certificate codes. Anything that cannot be a code (a NUL byte,
    which PostgreSQL would refuse with an error) needs no query.
    """
    code = normalize_code(code)
    if code is None:
        return None
    return Registration.objects.filter(session_id=session_id, checkin_code=code).first()


def registration_in_session(*, session_id: int, registration_id: int) -> Registration | None:
    """A search result clicked at the door, only within this session."""
    return Registration.objects.filter(session_id=session_id, pk=registration_id).first()


def check_in_device(registration: Registration) -> str:
    """The label of the door device whose offline scan checked this person in, if any."""
    scan = (
        registration.checkin_scans.filter(outcome=CheckInScan.Outcome.CHECKED_IN)
        .order_by("scanned_at")
        .first()
    )
    return scan.device if scan else ""
