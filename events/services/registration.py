"""Registering for a session, cancelling, and the manage token."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import normalize_email_address
from events.models import Notification, Registration
from events.tokens import hash_token, manage_token_for, new_manage_nonce

from .audit import record_audit
from .locking import lock_session
from .notifications import queue_notification
from .waitlist import fill_free_seats


class RegistrationClosed(Exception):
    """The session does not take registrations; the message says why."""


@dataclass(frozen=True)
class AttendeeDetails:
    full_name: str
    email: str
    sector_id: int
    organization: str = ""
    job_title: str = ""
    accommodations: str = ""
    user_id: int | None = None


def find_by_manage_token(token: str) -> Registration | None:
    """The registration a manage link points to, or None for an unknown token."""
    if not token or len(token) > 128:
        return None
    return (
        Registration.objects.select_related("session__training", "sector")
        .filter(manage_token_hash=hash_token(token))
        .first()
    )


def _resend_manage_link(registration: Registration) -> None:
    sent_before = registration.notifications.filter(kind=Notification.Kind.MANAGE_LINK).count()
    queue_notification(
        registration=registration,
        kind=Notification.Kind.MANAGE_LINK,
        variant=str(sent_before + 1),
    )


def register_for_session(*, session_id: int, attendee: AttendeeDetails) -> Registration:
    """Confirm a seat, or join the waiting list when the session is full.

    Registering an email that already holds a place creates nothing: the existing
    registrant is sent their manage link again, and the caller cannot tell the two
    cases apart (so a page never reveals who is registered).
    """
    email = normalize_email_address(attendee.email)
    with transaction.atomic():
        session = lock_session(session_id)
        reason = session.registration_closed_reason()
        if reason:
            raise RegistrationClosed(reason)

        existing = (
            Registration.objects.filter(session=session, email=email)
            .exclude(status=Registration.Status.CANCELLED)
            .first()
        )
        if existing is not None:
            _resend_manage_link(existing)
            return existing

        active = Registration.objects.filter(session=session).exclude(
            status=Registration.Status.CANCELLED
        )
        confirmed = active.filter(status=Registration.Status.CONFIRMED).count()
        queue_exists = active.filter(status=Registration.Status.WAITLISTED).exists()
        now = timezone.now()
        has_seat = confirmed < session.capacity and not queue_exists
        nonce = new_manage_nonce()
        registration = Registration(
            session=session,
            user_id=attendee.user_id,
            full_name=attendee.full_name.strip(),
            email=email,
            organization=attendee.organization.strip(),
            sector_id=attendee.sector_id,
            job_title=attendee.job_title.strip(),
            accommodations=attendee.accommodations.strip(),
            consented_at=now,
            status=(Registration.Status.CONFIRMED if has_seat else Registration.Status.WAITLISTED),
            confirmed_at=now if has_seat else None,
            waitlisted_at=None if has_seat else now,
            manage_nonce=nonce,
            manage_token_hash=hash_token(manage_token_for(nonce)),
        )
        try:
            with transaction.atomic():
                registration.save()
        except IntegrityError:
            # Only reachable if the lock was bypassed; never create a second row.
            existing = Registration.objects.get(
                session=session, email=email, status__in=["confirmed", "waitlisted"]
            )
            _resend_manage_link(existing)
            return existing

        record_audit(action="registered", registration=registration, status=registration.status)
        queue_notification(
            registration=registration,
            kind=(Notification.Kind.CONFIRMATION if has_seat else Notification.Kind.WAITLISTED),
        )
        return registration


def cancel_registration(*, registration_id: int, actor=None, notify: bool = True) -> Registration:
    """Cancel a place; a freed seat goes to the first person waiting, in the same transaction."""
    with transaction.atomic():
        session_id = Registration.objects.values_list("session_id", flat=True).get(
            pk=registration_id
        )
        session = lock_session(session_id)
        registration = Registration.objects.select_for_update().get(pk=registration_id)
        if registration.status == Registration.Status.CANCELLED:
            return registration
        was_confirmed = registration.status == Registration.Status.CONFIRMED
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at", "updated_at"])
        record_audit(action="cancelled", actor=actor, registration=registration, session=session)
        if notify:
            queue_notification(registration=registration, kind=Notification.Kind.CANCELLED)
        if was_confirmed:
            fill_free_seats(session=session, actor=actor)
        return registration


def set_reminder_preference(*, registration_id: int, opt_out: bool) -> Registration:
    """Let an attendee stop (or restart) reminder emails from the manage page."""
    registration = Registration.objects.get(pk=registration_id)
    registration.reminders_opt_out = opt_out
    registration.save(update_fields=["reminders_opt_out", "updated_at"])
    return registration


CLOSED_DEFAULT = _("This session does not accept registrations.")
