"""Attendance: checking people in at the door and marking who attended."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Registration, TrainingSession

from .audit import record_audit


class CheckInRefused(Exception):
    """This registration cannot be checked in; str(error) says why, for the organizer."""


class AlreadyCheckedIn(CheckInRefused):
    """A second scan or click: nothing changed. .registration holds the earlier check-in."""

    def __init__(self, registration: Registration):
        self.registration = registration
        super().__init__(_("already checked in"))


class AttendanceRefused(Exception):
    """Attendance cannot be recorded for this registration; str(error) says why."""


def _refusal_for_status(status: str) -> str:
    if status == Registration.Status.CANCELLED:
        return str(_("cancelled"))
    if status == Registration.Status.WAITLISTED:
        return str(_("on the waiting list"))
    return ""


def check_in(*, registration_id: int, actor=None, at: datetime | None = None) -> Registration:
    """Check a confirmed registrant in at the door; they count as attended.

    Idempotent: checking in twice changes nothing and raises AlreadyCheckedIn,
    so the door page can say when they arrived. Cancelled and waitlisted
    registrations, and sessions that were cancelled, are refused with CheckInRefused.

    `at` is when the scan really happened, for check-ins made offline and uploaded
    later (default: now). Two devices that checked the same person in offline end
    with one check-in, the earliest: an upload older than the recorded check-in moves
    it back to its own time (and says so in the audit trail), a later one is "already".
    """
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update()
            .select_related("session")
            .get(pk=registration_id)
        )
        reason = _refusal_for_status(registration.status)
        if reason:
            raise CheckInRefused(reason)
        if registration.session.status == TrainingSession.Status.CANCELLED:
            raise CheckInRefused(_("the session is cancelled"))
        recorded = registration.checked_in_at
        if recorded is not None and (at is None or at >= recorded):
            raise AlreadyCheckedIn(registration)
        registration.checked_in_at = at or timezone.now()
        registration.checked_in_by = actor if getattr(actor, "is_authenticated", False) else None
        registration.attended = True
        registration.save(
            update_fields=["checked_in_at", "checked_in_by", "attended", "updated_at"]
        )
        if recorded is None:
            record_audit(action="checked_in", actor=actor, registration=registration)
        else:
            record_audit(
                action="check_in_moved_earlier",
                actor=actor,
                registration=registration,
                previous=recorded.isoformat(),
            )
        return registration


# The join link counts as evidence from this long before the start until the end.
JOIN_EARLY = timedelta(minutes=30)


def record_joined(*, registration_id: int, now=None) -> Registration:
    """Note that a confirmed registrant opened an online session through their own link.

    Evidence for the organizer, who still marks attendance: only the first join within
    the session's time (from JOIN_EARLY before the start until the end) is kept, so a
    click days before proves nothing and changes nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update()
            .select_related("session")
            .get(pk=registration_id)
        )
        session = registration.session
        if (
            registration.joined_at is None
            and registration.status == Registration.Status.CONFIRMED
            and session.starts_at - JOIN_EARLY <= now <= session.ends_at
        ):
            registration.joined_at = now
            registration.save(update_fields=["joined_at", "updated_at"])
            record_audit(action="joined_online", registration=registration)
        return registration


def mark_attended(*, registration_id: int, attended: bool, actor=None) -> Registration:
    """Record attendance after the fact, e.g. from the paper sign-in sheet.

    Marking someone as not attended also undoes a door check-in made by mistake.
    Only confirmed registrants can be marked as attended. Raises AttendanceRefused
    when the change is not allowed or would change nothing.
    """
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update()
            .select_related("session")
            .get(pk=registration_id)
        )
        if attended:
            reason = _refusal_for_status(registration.status)
            if reason:
                raise AttendanceRefused(reason)
            if registration.attended:
                raise AttendanceRefused(_("already marked attended"))
        elif not registration.attended and registration.checked_in_at is None:
            raise AttendanceRefused(_("already marked not attended"))
        registration.attended = attended
        if not attended:
            registration.checked_in_at = None
            registration.checked_in_by = None
        registration.save(
            update_fields=["attended", "checked_in_at", "checked_in_by", "updated_at"]
        )
        record_audit(
            action="marked_attended" if attended else "marked_not_attended",
            actor=actor,
            registration=registration,
        )
        return registration
