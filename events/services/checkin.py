"""Check-in: the door (scan, search, walk-ins), offline uploads, and attendance after the fact.

- check_in: a confirmed registrant is checked in at the door and counts as attended;
- add_walk_in: someone who comes without a place is added and checked in at once, and
  emailed that they are (when they gave an address);
- record_offline_scan: a scan queued on a door device while offline, applied once by
  its nonce;
- mark_attended: attendance recorded later (the paper sign-in sheet);
- record_joined: evidence that an online registrant opened their own join link.

The door works only within the session's check-in window (selectors.checkin.
checkin_window: from CHECKIN_OPENS_BEFORE_MINUTES before the start until
CHECKIN_GRACE_MINUTES after the end), so that a scan weeks early cannot make someone
"attended" of a session that has not happened. Outside it, an organizer may still
record attendance with a reason, which goes to the audit trail.

Reads (the snapshot for offline doors, counts, search) are in selectors/checkin.py.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import CheckInScan, Notification, Registration, TrainingSession
from events.models.addresses import normalize_email_address
from events.models.tokens import new_manage_credentials, normalize_code
from events.selectors.checkin import checkin_closed_reason

from .audit import record_audit
from .locking import lock_session
from .notifications import queue_notification
from .offers import take_offer_at_the_door
from .public_pages import public_pages_changed


class CheckInRefused(Exception):
    """This registration cannot be checked in; str(error) says why, for the organizer."""


class AlreadyCheckedIn(CheckInRefused):
    """A second scan or click: nothing changed. .registration holds the earlier check-in."""

    def __init__(self, registration: Registration):
        self.registration = registration
        super().__init__(_("already checked in"))


class OutsideCheckInWindow(CheckInRefused):
    """The door is closed for this session at that time; an organizer's reason overrides."""


class AttendanceRefused(Exception):
    """Attendance cannot be recorded for this registration; str(error) says why."""


def _clean_reason(reason: str) -> str:
    # Kept in the audit trail's JSON: one line, and not a page of text.
    return " ".join(reason.split())[:500]


def _refusal_for_status(status: str) -> str:
    if status == Registration.Status.CANCELLED:
        return str(_("cancelled"))
    if status == Registration.Status.WAITLISTED:
        return str(_("on the waiting list"))
    return ""


def check_in(
    *,
    registration_id: int,
    actor=None,
    at: datetime | None = None,
    override_reason: str = "",
) -> Registration:
    """Check a confirmed registrant in at the door; they count as attended.

    Idempotent: checking in twice changes nothing and raises AlreadyCheckedIn,
    so the door page can say when they arrived. Cancelled and waitlisted
    registrations, and sessions that were cancelled, are refused with CheckInRefused.
    Outside the session's check-in window (judged at `at`) it raises
    OutsideCheckInWindow, unless an organizer gives an override_reason: then the
    check-in is made and the reason is written to the audit trail.

    `at` is when the scan really happened, for check-ins made offline and uploaded
    later (default: now). Two devices that checked the same person in offline end
    with one check-in, the earliest: an upload older than the recorded check-in moves
    it back to its own time (and says so in the audit trail), a later one is "already".
    """
    override_reason = _clean_reason(override_reason)
    moment = at or timezone.now()
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
        closed = checkin_closed_reason(registration.session, moment)
        if closed and not override_reason:
            raise OutsideCheckInWindow(closed)
        registration.checked_in_at = moment
        registration.checked_in_by = actor if getattr(actor, "is_authenticated", False) else None
        registration.attended = True
        registration.save(
            update_fields=["checked_in_at", "checked_in_by", "attended", "updated_at"]
        )
        if closed:
            record_audit(
                action="checked_in_outside_window",
                actor=actor,
                registration=registration,
                reason=override_reason,
                at=moment.isoformat(),
            )
        elif recorded is None:
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


def mark_attended(
    *, registration_id: int, attended: bool, actor=None, reason: str = ""
) -> Registration:
    """Record attendance after the fact, e.g. from the paper sign-in sheet.

    Marking someone as not attended also undoes a door check-in made by mistake.
    Only confirmed registrants can be marked as attended, and only once the session
    has started, unless an organizer gives a reason (kept in the audit trail). Raises
    AttendanceRefused when the change is not allowed or would change nothing.
    """
    reason = _clean_reason(reason)
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update()
            .select_related("session")
            .get(pk=registration_id)
        )
        if attended:
            refusal = _refusal_for_status(registration.status)
            if refusal:
                raise AttendanceRefused(refusal)
            if registration.attended:
                raise AttendanceRefused(_("already marked attended"))
            if registration.session.starts_at > timezone.now() and not reason:
                raise AttendanceRefused(
                    _("the session has not started: record it with a reason instead")
                )
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
            **({"reason": reason} if reason else {}),
        )
        return registration


# --- Walk-ins ----------------------------------------------------------------
# The person is in the room, so a full session takes them anyway: the override is in the
# audit trail with who made it. Someone who already holds a place (found by email) is
# checked in on that place instead, and a waiting-list place is confirmed, so nobody ends
# up with two registrations.
class WalkInRefused(Exception):
    """The session takes no walk-ins; str(error) says why, for the organizer."""


@dataclass(frozen=True)
class WalkIn:
    registration: Registration
    added: bool  # False: the person's existing place was used
    over_capacity: bool  # they took a seat beyond the session's capacity
    already_checked_in: bool = False


def add_walk_in(
    *,
    session_id: int,
    full_name: str,
    sector_id: int,
    email: str = "",
    organization: str = "",
    language: str = settings.LANGUAGE_CODE,
    actor=None,
    override_reason: str = "",
) -> WalkIn:
    """Add (or find) the person, confirm their place and check them in, in one transaction.

    Only within the session's check-in window, unless the organizer gives an
    override_reason (audited with the check-in).
    """
    email = normalize_email_address(email)
    override_reason = _clean_reason(override_reason)
    now = timezone.now()
    with transaction.atomic():
        # Seats left change only when the walk-in takes a seat (below).
        session = lock_session(session_id)
        if session.status == TrainingSession.Status.CANCELLED:
            raise WalkInRefused(_("the session is cancelled"))
        closed = checkin_closed_reason(session, now)
        if closed and not override_reason:
            raise WalkInRefused(closed)
        rows = Registration.objects.filter(session=session)
        confirmed = rows.filter(status=Registration.Status.CONFIRMED).count()
        existing = (
            rows.filter(email=email).exclude(status=Registration.Status.CANCELLED).first()
            if email
            else None
        )
        takes_a_seat = existing is None or existing.status == Registration.Status.WAITLISTED
        over_capacity = takes_a_seat and confirmed >= session.capacity
        if existing is None:
            registration = _new_walk_in(
                session=session,
                full_name=full_name,
                email=email,
                sector_id=sector_id,
                organization=organization,
                language=language,
                now=now,
            )
        else:
            registration = existing
            if registration.status == Registration.Status.WAITLISTED:
                take_offer_at_the_door(registration=registration, now=now, actor=actor)
                registration.status = Registration.Status.CONFIRMED
                registration.confirmed_at = now
                registration.save(update_fields=["status", "confirmed_at", "hold", "updated_at"])
        record_audit(
            action="walk_in_added" if existing is None else "walk_in_found",
            actor=actor,
            registration=registration,
            over_capacity=over_capacity,
        )
        if over_capacity:
            record_audit(
                action="capacity_overridden",
                actor=actor,
                registration=registration,
                capacity=session.capacity,
                confirmed_before=confirmed,
            )
        if takes_a_seat:
            public_pages_changed(session)
        try:
            # Judged at the same moment as the window above, so both agree.
            registration = check_in(
                registration_id=registration.pk,
                actor=actor,
                at=now,
                override_reason=override_reason,
            )
        except AlreadyCheckedIn as already:
            return WalkIn(
                already.registration, added=False, over_capacity=False, already_checked_in=True
            )
        if existing is None and email:
            # Not the confirmation: that one says "see you there", with a calendar file
            # and a code to show at the door. A walk-in is in the room already; theirs
            # says they are checked in, where their certificate will come, and gives
            # their manage link. Someone found by email already had their confirmation.
            queue_notification(registration=registration, kind=Notification.Kind.WALK_IN)
    return WalkIn(registration, added=existing is None, over_capacity=over_capacity)


def _new_walk_in(
    *,
    session: TrainingSession,
    full_name: str,
    email: str,
    sector_id: int,
    organization: str,
    language: str,
    now,
) -> Registration:
    # The organizer asks for consent at the door; the form records that they did.
    registration = Registration(
        session=session,
        full_name=" ".join(full_name.split()),
        email=email,
        organization=organization.strip(),
        sector_id=sector_id,
        language=Registration.language_for(language),
        consented_at=now,
        status=Registration.Status.CONFIRMED,
        confirmed_at=now,
        **new_manage_credentials(),
    )
    registration.save(force_insert=True)
    return registration


# --- Offline uploads ----------------------------------------------------------
# Door check-ins uploaded from a device's offline queue, idempotent by the device's nonce.
# A batch larger than this is refused whole: a door device uploads a few dozen at a time.
MAX_BATCH = 100
# Device clocks drift; a scan "from the future" beyond this is refused.
MAX_CLOCK_AHEAD = timedelta(minutes=5)
# No door queue waits this long; an older scan time is a broken clock or made up.
MAX_SCAN_AGE = timedelta(days=30)


@dataclass(frozen=True)
class OfflineScan:
    """One item of a device's queue, as parsed from the upload."""

    nonce: uuid.UUID
    code: str
    scanned_at: datetime
    device: str


def _refusal_for_time(scanned_at: datetime, now: datetime) -> str:
    if scanned_at > now + MAX_CLOCK_AHEAD:
        return str(_("the scan time is in the future"))
    if scanned_at < now - MAX_SCAN_AGE:
        return str(_("the scan time is too far in the past"))
    return ""


def _same_content(stored: CheckInScan, *, session: TrainingSession, scan: OfflineScan) -> bool:
    return (
        stored.session_id == session.pk
        and stored.code == _stored_code(scan.code)
        and stored.scanned_at == scan.scanned_at
        and stored.device == scan.device
    )


def _stored_code(text: str) -> str:
    # What cannot be a code is kept as sent, minus the NUL bytes PostgreSQL refuses.
    return normalize_code(text) or text.replace("\x00", "")[:40]


def _check_in(
    *, session: TrainingSession, scan: OfflineScan, actor, now: datetime
) -> tuple[Registration | None, str, str]:
    """(registration, outcome, reason) for a scan not seen before; checks in if it can."""
    reason = _refusal_for_time(scan.scanned_at, now)
    if reason:
        return None, CheckInScan.Outcome.REFUSED, reason
    code = normalize_code(scan.code)
    registration = Registration.objects.filter(checkin_code=code).first() if code else None
    if registration is None:
        return None, CheckInScan.Outcome.REFUSED, str(_("unknown code"))
    if registration.session_id != session.pk:
        # Not linked: the other session's person stays out of this session's records.
        return None, CheckInScan.Outcome.REFUSED, str(_("not registered for this session"))
    try:
        registration = check_in(registration_id=registration.pk, actor=actor, at=scan.scanned_at)
    except AlreadyCheckedIn as already:
        return already.registration, CheckInScan.Outcome.ALREADY, ""
    except CheckInRefused as refusal:
        return registration, CheckInScan.Outcome.REFUSED, str(refusal)
    return registration, CheckInScan.Outcome.CHECKED_IN, ""


def record_offline_scan(
    *, session: TrainingSession, scan: OfflineScan, actor=None, now: datetime | None = None
) -> tuple[CheckInScan, bool]:
    """Apply one uploaded scan once; returns (the stored scan, whether it was a replay).

    A nonce seen before answers with what was stored, and changes nothing. The same
    nonce with other content (another code, time, device or session) is refused and
    leaves the stored scan alone. Refusals (unknown code, another session's code,
    cancelled, a scan time in the future or months back) are stored too, so that a
    re-upload gets the same answer.
    """
    now = now or timezone.now()
    stored = CheckInScan.objects.filter(nonce=scan.nonce).first()
    if stored is None:
        try:
            with transaction.atomic():
                registration, outcome, reason = _check_in(
                    session=session, scan=scan, actor=actor, now=now
                )
                stored = CheckInScan.objects.create(
                    nonce=scan.nonce,
                    session=session,
                    registration=registration,
                    code=_stored_code(scan.code),
                    scanned_at=scan.scanned_at,
                    device=scan.device,
                    uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
                    outcome=outcome,
                    reason=reason,
                )
            return stored, False
        except IntegrityError:
            # Another upload of the same nonce won the race; its check-in stands and
            # ours was rolled back with the row.
            stored = CheckInScan.objects.get(nonce=scan.nonce)
    if not _same_content(stored, session=session, scan=scan):
        refused = CheckInScan(
            nonce=scan.nonce,
            session=session,
            outcome=CheckInScan.Outcome.REFUSED,
            reason=str(_("this nonce was already used for another check-in")),
        )
        return refused, False
    return stored, True
