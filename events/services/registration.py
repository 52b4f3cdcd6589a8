"""Registering for a session, cancelling, and sending the manage link again."""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Certificate, Notification, Registration, TrainingSession
from events.models.addresses import normalize_email_address
from events.models.tokens import new_manage_credentials
from events.selectors.seat_holds import Seats, seats_of

from .audit import audit_entry, record_audit
from .locking import lock_session
from .notifications import enqueue_sends, queue_notification
from .offers import withdraw_offer
from .public_pages import public_pages_changed
from .waitlist import fill_free_seats

ACTIVE_STATUSES = (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)


class RegistrationClosed(Exception):
    """The session does not take registrations; the message says why."""


class CancellationClosed(Exception):
    """The registration can no longer be cancelled by its attendee; the message says why."""


class DetailsLocked(Exception):
    """The attendee can no longer correct their details; the message says why."""


@dataclass(frozen=True)
class AttendeeDetails:
    full_name: str
    email: str
    sector_id: int
    organization: str = ""
    job_title: str = ""
    accommodations: str = ""
    user_id: int | None = None
    timezone: str = ""  # the registrant's own, an IANA name, or "" when unknown
    # The language they registered in (the request's); their emails and certificate use it.
    language: str = settings.LANGUAGE_CODE


@dataclass(frozen=True)
class DetailsCorrection:
    """What a registrant may correct from their manage link. Not the email: a new
    address would first have to prove it is theirs."""

    full_name: str
    sector_id: int
    organization: str = ""
    job_title: str = ""
    accommodations: str = ""
    language: str = settings.LANGUAGE_CODE


# The fields a correction writes, in the order the audit trail lists them.
CORRECTABLE_DETAILS = (
    "full_name",
    "organization",
    "sector",
    "job_title",
    "accommodations",
    "language",
)
# Categories that erasure keeps on the row anyway: the audit trail may say what they
# were and became. The others are free text that may name the person, and the audit
# trail (which erasure does not rewrite) records only that they changed.
_AUDITED_VALUES = ("sector", "language")


def correct_attendee_details(*, registration_id: int, details: DetailsCorrection) -> Registration:
    """Save a registrant's own corrections (a typo in the name, a new job title) and
    audit which fields changed.

    Refused (DetailsLocked) once the certificate is issued, since it prints the name
    as it was then, and for a cancelled or erased registration. The row is locked as
    certificate issuance locks it, so a correction lands before the snapshot or is
    refused after it, never in between.
    """
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("session")
            .get(pk=registration_id)
        )
        if registration.anonymized_at is not None:
            raise DetailsLocked(_("This registration has been erased."))
        if registration.status == Registration.Status.CANCELLED:
            raise DetailsLocked(_("This registration is cancelled."))
        if Certificate.objects.filter(registration_id=registration.pk).exists():
            raise DetailsLocked(
                _("Your certificate has been issued, so your details can no longer be changed.")
            )
        new = {
            "full_name": " ".join(details.full_name.split()),
            "organization": details.organization.strip(),
            "sector": details.sector_id,
            "job_title": details.job_title.strip(),
            "accommodations": details.accommodations.strip(),
            "language": Registration.language_for(details.language),
        }
        old = {field: getattr(registration, field) for field in CORRECTABLE_DETAILS}
        old["sector"] = registration.sector_id
        changed = [field for field in CORRECTABLE_DETAILS if old[field] != new[field]]
        if not changed:
            return registration
        for field in changed:
            setattr(registration, "sector_id" if field == "sector" else field, new[field])
        registration.save(update_fields=[*changed, "updated_at"])
        record_audit(
            action="details_corrected",
            registration=registration,
            fields=changed,
            values={f: [old[f], new[f]] for f in _AUDITED_VALUES if f in changed},
        )
        return registration


def send_manage_link_again(*, registration: Registration) -> Registration:
    """Queue one more "here is your link" email for this registration.

    Each request gets its own outbox row (variant 1, 2, ...), so the outbox still
    sends every row exactly once. Two identical requests racing may share a row and
    send one email, which is what a double click deserves.
    """
    sent_before = registration.notifications.filter(kind=Notification.Kind.MANAGE_LINK).count()
    queue_notification(
        registration=registration,
        kind=Notification.Kind.MANAGE_LINK,
        variant=str(sent_before + 1),
    )
    return registration


def resend_manage_links(*, email: str) -> list[Registration]:
    """Send the manage link again for every active, upcoming registration of an email.

    The caller shows the same answer whether or not anything was found, so the page
    never tells a stranger whether an address is registered.
    """
    email = normalize_email_address(email)
    registrations = list(
        Registration.objects.filter(
            email=email,
            status__in=ACTIVE_STATUSES,
            anonymized_at__isnull=True,
            session__status=TrainingSession.Status.PUBLISHED,
            session__ends_at__gt=timezone.now(),
        ).order_by("session__starts_at", "id")
    )
    with transaction.atomic():
        for registration in registrations:
            send_manage_link_again(registration=registration)
    return registrations


def _new_registration(
    *,
    session: TrainingSession,
    attendee: AttendeeDetails,
    email: str,
    has_seat: bool,
    hold_id: int | None = None,
) -> Registration:
    """The new registration, written with its audit line and its first email's outbox row."""
    now = timezone.now()
    registration = Registration(
        session=session,
        user_id=attendee.user_id,
        full_name=" ".join(attendee.full_name.split()),
        email=email,
        organization=attendee.organization.strip(),
        sector_id=attendee.sector_id,
        hold_id=hold_id if has_seat else None,
        job_title=attendee.job_title.strip(),
        accommodations=attendee.accommodations.strip(),
        timezone=attendee.timezone,
        language=Registration.language_for(attendee.language),
        consented_at=now,
        status=Registration.Status.CONFIRMED if has_seat else Registration.Status.WAITLISTED,
        confirmed_at=now if has_seat else None,
        waitlisted_at=None if has_seat else now,
        **new_manage_credentials(),
    )
    audit = audit_entry(
        action="registered", registration=registration, session=session, status=registration.status
    )
    email_row = Notification(
        registration=registration,
        kind=Notification.Kind.CONFIRMATION if has_seat else Notification.Kind.WAITLISTED,
        next_attempt_at=now,
    )
    registration.save(force_insert=True)
    audit.save(force_insert=True)
    email_row.save(force_insert=True)
    enqueue_sends(notification_ids=[email_row.pk])
    return registration


def _seat_tally(*, session_id: int, email: str) -> dict:
    """The session's confirmed count and email's active registration, if any.

    Run on every registration under the session lock, so it must not grow with the
    waiting list: it counts only confirmed seats (at most the capacity, an index-only
    scan of the (session, status, ...) index) and finds the email through the
    one-active-registration index. (One statement for both costs more: its count
    then has to read the rows themselves.)
    """
    rows = Registration.objects.filter(session_id=session_id)
    return {
        "confirmed": rows.filter(status=Registration.Status.CONFIRMED).count(),
        "existing_id": rows.filter(email=email)
        .exclude(status=Registration.Status.CANCELLED)
        .values_list("pk", flat=True)
        .first(),
    }


def _someone_waits(session_id: int, seats: Seats) -> bool:
    """Whether someone waits who could take one of the free seats: anyone for a general
    seat, else only someone from a sector with held seats free."""
    waiting = Registration.objects.filter(
        session_id=session_id, status=Registration.Status.WAITLISTED
    )
    if seats.general_free <= 0:
        waiting = waiting.filter(sector_id__in=seats.sectors_with_held_seats())
    return waiting.exists()


def register_for_session(
    *, session_id: int | None = None, public_id: str = "", attendee: AttendeeDetails
) -> Registration:
    """Confirm a seat, or join the waiting list when the session is full.

    The session is named by its id or, from a public page, by its public id (which
    saves looking the id up first). An unknown one raises TrainingSession.DoesNotExist.

    Everything happens in one transaction holding the session lock, so two requests
    can never both take the last seat, and the waiting list is in arrival order.

    Registering an email that already holds a place creates nothing: the existing
    registrant is sent their manage link again, and the caller cannot tell the two
    cases apart (so a page never reveals who is registered).
    """
    email = normalize_email_address(attendee.email)
    try:
        with transaction.atomic():
            # Whether public pages change is decided below: often they do not.
            session = lock_session(session_id, public_id=public_id)
            reason = session.registration_closed_reason()
            if reason:
                raise RegistrationClosed(reason)

            # A statement of its own, after the lock is granted: in READ COMMITTED each
            # statement sees what committed before it began, so it counts the seat the
            # previous lock holder just took. (Counting inside the locking SELECT would
            # use a snapshot from before the wait, and overbook.)
            tally = _seat_tally(session_id=session.pk, email=email)
            if tally["existing_id"] is not None:
                existing = Registration.objects.get(pk=tally["existing_id"])
                return send_manage_link_again(registration=existing)

            # Seats held for sectors and seats on offer count too (selectors/seat_holds.py).
            seats = seats_of(session, confirmed=tally["confirmed"])
            promoted = 0
            # Only a free seat makes it matter whether someone waits.
            if seats.free > 0 and _someone_waits(session.pk, seats):
                # Seats were freed without passing them on (a hold ended, the capacity
                # was edited straight in the database): those waiting come first. What
                # is left after is only seats none of them may take (held for other
                # sectors), or nothing.
                promoted = len(fill_free_seats(session=session, seats=seats))
                if promoted:
                    seats = seats_of(session)
            has_seat, hold = seats.seat_for(attendee.sector_id)
            if has_seat or promoted:
                # Seats left changed. Joining the waiting list changes nothing a public
                # page shows: the session already said "Full".
                public_pages_changed(session)

            return _new_registration(
                session=session,
                attendee=attendee,
                email=email,
                has_seat=has_seat,
                hold_id=hold.row.hold_id if hold else None,
            )
    except IntegrityError:
        # Reached only when a row was written without the lock (an admin import,
        # direct SQL): the partial unique index kept the second row out. Answer as
        # for any repeat; anything else (a bad sector id) is a real error.
        this_session = (
            {"session_id": session_id} if session_id else {"session__public_id": public_id}
        )
        existing = Registration.objects.filter(
            **this_session, email=email, status__in=ACTIVE_STATUSES
        ).first()
        if existing is None:
            raise
        with transaction.atomic():
            return send_manage_link_again(registration=existing)


def cancel_registration(
    *,
    registration_id: int,
    actor=None,
    notify: bool = True,
    allow_after_start: bool = False,
) -> Registration:
    """Cancel a place; a freed seat goes to the first person waiting, in the same transaction.

    Once the session has started an attendee can no longer cancel (attendance is
    being taken); organizers pass allow_after_start=True.
    """
    with transaction.atomic():
        session_id = Registration.objects.values_list("session_id", flat=True).get(
            pk=registration_id
        )
        # Session first, then the row: the same order as every other capacity
        # decision, so cancel and register never deadlock.
        session = lock_session(session_id)
        registration = Registration.objects.select_for_update().get(pk=registration_id)
        if registration.status == Registration.Status.CANCELLED:
            return registration
        if not allow_after_start and session.starts_at <= timezone.now():
            raise CancellationClosed(
                _("The session has already started, so this registration can't be cancelled.")
            )
        was_confirmed = registration.status == Registration.Status.CONFIRMED
        # A seat offered to them (near the day) is freed too.
        offered = not was_confirmed and withdraw_offer(registration=registration, actor=actor)
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at", "updated_at"])
        record_audit(action="cancelled", actor=actor, registration=registration, session=session)
        public_pages_changed(session)  # seats left, or the waiting list's length
        if notify:
            queue_notification(registration=registration, kind=Notification.Kind.CANCELLED)
        if was_confirmed or offered:
            fill_free_seats(session=session, actor=actor)
        return registration


def set_reminder_preference(*, registration_id: int, opt_out: bool) -> Registration:
    """Let an attendee stop (or restart) reminder emails from the manage page."""
    registration = Registration.objects.get(pk=registration_id)
    registration.reminders_opt_out = opt_out
    registration.save(update_fields=["reminders_opt_out", "updated_at"])
    return registration
