"""Delivering outbox rows: build each message, send it over SMTP, record how it ended.

services/notifications.py queues and claims the rows; this sends the claimed ones, one
or a batch over one connection, and services/notification_outcomes.py records each end
(sent, skipped, failed, or back in the queue with a backoff).
"""

import logging
import math
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail import get_connection
from django.db.models import F
from django.utils import timezone

from events.models import Notification, Registration, TrainingSession
from events.models.evaluations import Phase
from events.selectors import evaluations as evaluation_selectors

from .notification_outcomes import (
    mark_failed,
    mark_sent,
    mark_sent_later,
    mark_skipped,
    release_for_retry,
)
from .notifications import claim_notification, claim_notifications
from .outages import DATABASE_OUTAGE

logger = logging.getLogger(__name__)


class TransientDeliveryError(Exception):
    """The SMTP server or the network failed for now; the row waits `countdown` seconds."""

    def __init__(self, message: str, *, notification_id: int, countdown: int) -> None:
        super().__init__(message)
        self.notification_id = notification_id
        self.countdown = countdown


class DeliveredButUnrecorded(Exception):
    """The SMTP server accepted the message, and the database refused the SENT mark."""

    def __init__(self, *, notification_id: int) -> None:
        super().__init__(f"notification {notification_id} was sent but could not be marked")
        self.notification_id = notification_id


@dataclass
class BatchOutcome:
    """What one batch send did: rows finished (sent, failed, skipped) and rows deferred.

    A database outage mid-batch interrupts it: `sent_unrecorded_ids` went out but
    could not be marked, and `resume_ids` are still claimed under `claimed_at` (the
    claim a retry of the task may take back, where any other claim must wait until
    it is stale).
    """

    finished: list[Notification] = field(default_factory=list)
    deferred_ids: list[int] = field(default_factory=list)
    countdown: int = 0
    sent_unrecorded_ids: list[int] = field(default_factory=list)
    resume_ids: list[int] = field(default_factory=list)
    claimed_at: datetime | None = None

    @property
    def interrupted(self) -> bool:
        return bool(self.sent_unrecorded_ids or self.resume_ids)


def _is_permanent(error: Exception) -> bool:
    """A refusal of this message or recipient (5xx) that no retry will change.

    A 5xx for the sender or the login is a server setting an operator can fix, so
    those stay transient instead of failing every queued row at once.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError):
        return False
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return False


def _is_transient(error: Exception) -> bool:
    # smtplib.SMTPException, refused connections and timeouts are all OSError. A soft
    # time limit hit mid-send means a slow server, not a bad message: retry later.
    return isinstance(error, OSError | SoftTimeLimitExceeded)


def skip_reason(notification: Notification, *, now: datetime | None = None) -> str:
    """Why this row should no longer be sent, in words for the admin; "" to send it."""
    now = now or timezone.now()
    if notification.user_id is not None:
        return "" if notification.user.is_active else "account disabled"
    registration = notification.registration
    session = registration.session
    kind = notification.kind
    if registration.anonymized_at is not None:
        return "registrant anonymized"
    if not registration.email:
        return "no email address (a walk-in who gave none)"
    if kind in {Notification.Kind.REMINDER, Notification.Kind.SESSION_CHANGED}:
        if registration.status == Registration.Status.CANCELLED:
            return "registration cancelled"
        if session.status == TrainingSession.Status.CANCELLED:
            return "session cancelled"
    if kind == Notification.Kind.REMINDER:
        if registration.status != Registration.Status.CONFIRMED:
            return "registration not confirmed"
        if registration.reminders_opt_out:
            return "attendee opted out of reminders"
        if session.starts_at <= now:
            return "session already started"
    if kind in EVALUATION_KINDS:
        reason = evaluation_skip_reason(notification, now=now)
        if reason:
            return reason
    if kind == Notification.Kind.CERTIFICATE:
        certificate = getattr(registration, "certificate", None)
        if certificate is None or certificate.revoked_at is not None:
            return "no valid certificate"
    return ""


EVALUATION_KINDS = {Notification.Kind.EVALUATION, Notification.Kind.EVALUATION_REMINDER}


def evaluation_skip_reason(notification: Notification, *, now: datetime) -> str:
    """Why a post-evaluation email is no longer worth sending; "" to send it."""
    registration = notification.registration
    reason = evaluation_selectors.closed_reason(registration, Phase.POST, now=now)
    if reason:
        return f"evaluation not open: {reason}"
    if notification.kind == Notification.Kind.EVALUATION_REMINDER and (
        Phase.POST in evaluation_selectors.completed_phases(registration)
    ):
        return "evaluation already answered"
    return ""


def deliver_notification(*, notification_id: int, connection=None) -> Notification | None:
    """Send one outbox row at most once per claim.

    Returns the row as it ends (sent, failed or skipped), or None when there is
    nothing to do: already handled, held by another worker, or deleted with its
    registration. Raises TransientDeliveryError after putting the row back in the
    queue with a backoff; once the retries are used up it marks the row failed
    instead. A permanent refusal (5xx) marks it failed at once.
    """
    notification = claim_notification(notification_id=notification_id)
    if notification is None:
        if not Notification.objects.filter(pk=notification_id).exists():
            # Deleted registrations take their rows with them (CASCADE): drop the message.
            logger.info("notification %s no longer exists; dropped", notification_id)
        return None
    return send_claimed(notification=notification, connection=connection)


def send_claimed(*, notification: Notification, connection=None, renders=None) -> Notification:
    """Build and send a row this worker has claimed, and record how it ended.

    `connection` lets a batch share one SMTP connection, and `renders` (an
    events.documents.emails.SharedRenders) its rendered session texts.
    """
    reason = skip_reason(notification)
    if reason:
        return mark_skipped(notification=notification, reason=reason)

    from events.documents.emails import build_message

    try:
        message = build_message(notification, connection=connection, renders=renders)
        if connection is not None:
            # Opened here, not by send(): a connection send() opens it also closes.
            connection.open()
        message.send(fail_silently=False)
    except Exception as error:
        if _is_permanent(error):
            return mark_failed(notification=notification, error=error)
        if _is_transient(error):
            notification = release_for_retry(notification=notification, error=error)
            if notification.status == Notification.Status.FAILED:
                return notification
            # The message's delay matches the row's next_attempt_at, so the retry's
            # claim finds the row due.
            wait = (notification.next_attempt_at - timezone.now()).total_seconds()
            raise TransientDeliveryError(
                str(error), notification_id=notification.pk, countdown=max(1, math.ceil(wait))
            ) from error
        # A template or data bug: retrying cannot help, and raising would only loop.
        if isinstance(error, DATABASE_OUTAGE):
            raise  # nothing was sent; the task tries again once the database is back
        logger.exception("notification %s could not be built or sent", notification.pk)
        return mark_failed(notification=notification, error=error)
    try:
        return mark_sent(notification=notification)
    except DATABASE_OUTAGE as error:
        raise DeliveredButUnrecorded(notification_id=notification.pk) from error


def deliver_notifications(
    *,
    notification_ids: Sequence[int],
    sent_ids: Sequence[int] = (),
    own_claim: datetime | None = None,
) -> BatchOutcome:
    """Send a batch of rows over one SMTP connection.

    The batch is claimed in one transaction, then each row is sent and marked sent
    on its own, so a crash leaves at most the one row being sent in doubt. The
    first transient error ends the batch: the failed row waits out its backoff and
    the rows not yet tried go back to the queue with the same delay (their claim
    does not count as an attempt), since the server that just failed would most
    likely fail them too.

    A database outage mid-batch ends it too, with outcome.interrupted: the task
    retries with the rows that went out unmarked (sent_ids, marked first and never
    sent again) and its own claim on the rest (own_claim). A database that is down
    from the start raises OperationalError, and the task retries as it was.
    """
    outcome = BatchOutcome()
    if sent_ids:
        mark_sent_later(notification_ids=sent_ids)
    sent = set(sent_ids)
    pending = [pk for pk in notification_ids if pk not in sent]
    claimed = claim_notifications(notification_ids=pending, own_claim=own_claim)
    found = {n.pk for n in claimed}
    for missing in set(pending) - found:
        if not Notification.objects.filter(pk=missing).exists():
            logger.info("notification %s no longer exists; dropped", missing)
    from events.documents.emails import SharedRenders

    connection = get_connection(fail_silently=False)
    renders = SharedRenders()
    try:
        for index, notification in enumerate(claimed):
            try:
                outcome.finished.append(
                    send_claimed(notification=notification, connection=connection, renders=renders)
                )
            except TransientDeliveryError as error:
                rest = [n.pk for n in claimed[index + 1 :]]
                _unclaim(rest, countdown=error.countdown)
                outcome.countdown = error.countdown
                outcome.deferred_ids = [notification.pk, *rest]
                break
            except DeliveredButUnrecorded:
                outcome.sent_unrecorded_ids = [notification.pk]
                outcome.resume_ids = [n.pk for n in claimed[index + 1 :]]
                outcome.claimed_at = notification.claimed_at
                logger.warning("database away mid-batch: %s sent, unmarked", notification.pk)
                break
            except DATABASE_OUTAGE:
                outcome.resume_ids = [n.pk for n in claimed[index:]]
                outcome.claimed_at = notification.claimed_at
                logger.warning("database away mid-batch: %s rows to resume", len(claimed) - index)
                break
    finally:
        _close_quietly(connection)
    return outcome


def _unclaim(notification_ids: Sequence[int], *, countdown: int) -> None:
    # Untried rows go back to the queue with the failed row's delay. Their claim is
    # not an attempt, and their due time keeps the requeue scan from calling them lost.
    Notification.objects.filter(pk__in=notification_ids, status=Notification.Status.SENDING).update(
        status=Notification.Status.QUEUED,
        attempts=F("attempts") - 1,
        next_attempt_at=timezone.now() + timedelta(seconds=countdown),
    )


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - a broken connection is closed either way
        logger.debug("closing the SMTP connection failed", exc_info=True)
