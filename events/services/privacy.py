"""Privacy: erasing a registration on request, anonymizing old ones, exporting a user's data.

What stays after erasure or anonymization, and why:
- The Registration row, its session, sector, organization, status and attendance, so
  that the counts by sector and organization in grant reports do not change. An
  organization is an employer, not a person; a one-person business is the rare case
  the privacy notice accepts.
- The certificate's snapshot (name as printed, training, dates, place, hours), which
  the public verification page needs to confirm a certificate someone holds. Its PDF
  file goes: the holder has their copy, and verification does not need it.
- Evaluation answers on scales and choices, detached from the person, so that the
  results' distributions and % correct do not change; free-text answers go.
Everything else that names or reaches the person is blanked: name, email, job title,
accessibility needs, the account link, the manage and check-in tokens, and any email
still waiting in the outbox.
"""

import calendar
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Answer, Certificate, Notification, Question, Registration, Response
from events.models.tokens import new_checkin_code, new_manage_credentials

from .audit import record_audit
from .registration import cancel_registration

ERASED_NAME = _("Erased")


def erased_email(registration_id: int) -> str:
    """A unique address that can never receive mail (.invalid is reserved, RFC 2606)."""
    return f"erased-{registration_id}@erased.invalid"


def _scrub(registration: Registration) -> Registration:
    """Blank the personal fields of a locked row and everything that still reaches the person."""
    registration.full_name = str(ERASED_NAME)
    registration.email = erased_email(registration.pk)
    registration.job_title = ""
    registration.accommodations = ""
    registration.user = None
    # New tokens: a copied manage link or check-in QR code stops working at once.
    credentials = new_manage_credentials()
    registration.manage_nonce = credentials["manage_nonce"]
    registration.manage_token_hash = credentials["manage_token_hash"]
    registration.checkin_code = new_checkin_code()
    registration.anonymized_at = timezone.now()
    registration.save()

    # Unsent mail would go to the erased address's old owner; sent rows keep their
    # kind and date (delivery history) but lose what could hold personal details.
    registration.notifications.filter(
        status__in=[Notification.Status.QUEUED, Notification.Status.FAILED]
    ).delete()
    registration.notifications.update(payload={}, last_error="")

    _scrub_evaluations(registration)

    certificate = Certificate.objects.filter(registration=registration).first()
    if certificate is not None and certificate.pdf:
        certificate.pdf.delete(save=False)
        certificate.save(update_fields=["pdf"])
    return registration


def _scrub_evaluations(registration: Registration) -> None:
    """Erase the person's answers but keep what the anonymous aggregates count.

    Free text may name anyone, so it goes. Scale values and choices stay, detached
    from the person (as anonymous mode stores them), so the session's distributions
    and % correct do not change; the response no longer pairs with anyone for the gain.
    The completion mark stays with the (now anonymous) row for the completion rate.
    """
    answers = Answer.objects.filter(response__registration=registration)
    answers.filter(question__kind=Question.Kind.TEXT).delete()
    Response.objects.filter(registration=registration).update(registration=None)


def erase_registration(*, registration_id: int, actor=None) -> Registration:
    """Erase an attendee's details at their request, keeping the row for the counts.

    An upcoming place is cancelled first (through cancel_registration, so the next
    person waiting gets the seat); a past one keeps its status and attendance.
    """
    # One transaction: an erasure never stops halfway (cancelled but not erased).
    with transaction.atomic():
        registration = Registration.objects.select_related("session").get(pk=registration_id)
        if registration.anonymized_at is not None:
            return registration
        upcoming = registration.session.ends_at > timezone.now()
        if upcoming and registration.status != Registration.Status.CANCELLED:
            # Locks the session, then the row, and hands the seat to the next person waiting.
            cancel_registration(registration_id=registration_id, actor=actor, notify=False)
        registration = Registration.objects.select_for_update().get(pk=registration_id)
        if registration.anonymized_at is not None:
            return registration
        _scrub(registration)
        record_audit(action="erased", actor=actor, registration=registration)
    return registration


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's end)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def retention_cutoff(now: datetime | None = None) -> datetime:
    """Sessions that ended before this moment are past the retention period."""
    return months_before(now or timezone.now(), settings.RETENTION_MONTHS)


def anonymize_expired_registrations(
    *, now: datetime | None = None, batch_size: int = 500
) -> list[int]:
    """Anonymize registrations of sessions that ended more than RETENTION_MONTHS ago.

    Runs daily from beat. Each row is scrubbed in its own short transaction, so the
    task can stop anywhere and resume; at most `batch_size` rows per run keeps one run
    short, and the next run takes the rest. Returns the ids it anonymized.
    """
    cutoff = retention_cutoff(now)
    ids = list(
        Registration.objects.filter(session__ends_at__lt=cutoff, anonymized_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:batch_size]
    )
    done = []
    for registration_id in ids:
        with transaction.atomic():
            registration = (
                Registration.objects.select_for_update()
                .filter(pk=registration_id, anonymized_at__isnull=True)
                .first()
            )
            if registration is None:
                continue
            _scrub(registration)
            record_audit(action="anonymized", registration=registration, reason="retention")
        done.append(registration_id)
    return done
