"""The outbox: queue a message as a row, then claim it, send it once and mark it sent."""

import logging
import smtplib
import socket
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from events.models import Notification, Registration

logger = logging.getLogger(__name__)

# A row claimed longer ago than this belongs to a worker that died mid-send.
STALE_CLAIM = timedelta(minutes=10)


class TransientDeliveryError(Exception):
    """The SMTP server or the network failed for now; try again later."""


def queue_notification(
    *,
    registration: Registration,
    kind: str,
    variant: str = "",
    payload: dict | None = None,
) -> Notification:
    """Create the outbox row once and enqueue its send after the transaction commits."""
    notification, created = Notification.objects.get_or_create(
        registration=registration,
        kind=kind,
        variant=variant,
        defaults={"payload": payload or {}},
    )
    if created:
        enqueue_send(notification.pk)
    return notification


def enqueue_send(notification_id: int) -> None:
    from events.tasks import send_notification

    transaction.on_commit(lambda: send_notification.delay(notification_id))


def claim_notification(notification_id: int) -> Notification | None:
    """Take the row for this worker; None when it is sent, failed or held by a live worker."""
    now = timezone.now()
    claimable = Q(status=Notification.Status.QUEUED) | Q(
        status=Notification.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    )
    claimed = Notification.objects.filter(claimable, pk=notification_id).update(
        status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return Notification.objects.select_related(
        "registration__session__training", "registration__sector"
    ).get(pk=notification_id)


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return False


def deliver_notification(*, notification_id: int) -> Notification | None:
    """Send one outbox row exactly once.

    Returns None when there is nothing to do (already sent, held by another worker,
    or the registration was deleted). Raises TransientDeliveryError for the caller
    to retry later; a permanent refusal (5xx) marks the row failed at once.
    """
    from events.emails import build_message

    notification = claim_notification(notification_id)
    if notification is None:
        if not Notification.objects.filter(pk=notification_id).exists():
            logger.info("notification %s no longer exists; dropped", notification_id)
        return None
    try:
        message = build_message(notification)
        message.send(fail_silently=False)
    except Exception as error:
        if _is_permanent(error):
            return mark_failed(notification=notification, error=error)
        if isinstance(error, smtplib.SMTPException | OSError | socket.timeout):
            release_for_retry(notification=notification, error=error)
            raise TransientDeliveryError(str(error)) from error
        mark_failed(notification=notification, error=error)
        raise
    notification.status = Notification.Status.SENT
    notification.sent_at = timezone.now()
    notification.last_error = ""
    notification.save(update_fields=["status", "sent_at", "last_error"])
    return notification


def release_for_retry(*, notification: Notification, error: Exception) -> Notification:
    notification.status = Notification.Status.QUEUED
    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
    notification.save(update_fields=["status", "last_error"])
    return notification


def mark_failed(*, notification: Notification, error: Exception | str) -> Notification:
    """Give up on a row; it shows as failed in the admin, with a "retry now" action."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    Notification.objects.filter(pk=notification.pk).exclude(status=Notification.Status.SENT).update(
        status=Notification.Status.FAILED, last_error=text[:2000]
    )
    notification.refresh_from_db()
    logger.warning("notification %s failed: %s", notification.pk, text[:200])
    return notification


def retry_notification(*, notification_id: int) -> Notification:
    """Put a failed row back in the queue (the admin's "retry now")."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.status == Notification.Status.FAILED:
            notification.status = Notification.Status.QUEUED
            notification.attempts = 0
            notification.save(update_fields=["status", "attempts"])
            enqueue_send(notification.pk)
        return notification


def give_up(*, notification_id: int, error: str) -> Notification | None:
    """Mark a row failed after its last retry."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        return None
    return mark_failed(notification=notification, error=f"gave up after retries: {error}")
