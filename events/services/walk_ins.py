"""Walk-ins: someone who comes to the door without a place is added and checked in at once.

The person is in the room, so a full session takes them anyway: the override is in the
audit trail with who made it. Someone who already holds a place (found by email) is
checked in on that place instead, and a waiting-list place is confirmed, so nobody ends
up with two registrations.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import normalize_email_address
from events.models import Registration, TrainingSession
from events.models.tokens import new_manage_credentials

from . import attendance
from .audit import record_audit
from .locking import lock_session
from .public_pages import public_pages_changed


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
) -> WalkIn:
    """Add (or find) the person, confirm their place and check them in, in one transaction."""
    email = normalize_email_address(email)
    now = timezone.now()
    with transaction.atomic():
        # Seats left change only when the walk-in takes a seat (below).
        session = lock_session(session_id, changes_public_pages=False)
        if session.status == TrainingSession.Status.CANCELLED:
            raise WalkInRefused(_("the session is cancelled"))
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
                registration.status = Registration.Status.CONFIRMED
                registration.confirmed_at = now
                registration.save(update_fields=["status", "confirmed_at", "updated_at"])
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
            registration = attendance.check_in(registration_id=registration.pk, actor=actor)
        except attendance.AlreadyCheckedIn as already:
            return WalkIn(
                already.registration, added=False, over_capacity=False, already_checked_in=True
            )
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
