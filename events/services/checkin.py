"""Door check-ins uploaded from a device's offline queue, idempotent by the device's nonce."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import CheckInScan, Registration, TrainingSession
from events.models.tokens import normalize_code

from . import attendance

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
        registration = attendance.check_in(
            registration_id=registration.pk, actor=actor, at=scan.scanned_at
        )
    except attendance.AlreadyCheckedIn as already:
        return already.registration, CheckInScan.Outcome.ALREADY, ""
    except attendance.CheckInRefused as refusal:
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
