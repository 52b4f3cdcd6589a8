"""How an outbox row ends a send: sent, skipped, failed, or back in the queue with a backoff.

services/notifications.py claims a row and sends it; these record how the send ended.
"""

import logging
import random
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from events.models import Notification

logger = logging.getLogger(__name__)


def backoff_seconds(attempts: int) -> int:
    """Exponential backoff with jitter after the given number of failed attempts.

    The ceiling doubles per attempt (base, 2x, 4x, ...) up to
    NOTIFICATION_RETRY_MAX_SECONDS (settings keep that below the broker's visibility
    timeout); the wait is drawn from its upper half, so rows that failed together do
    not all return together.
    """
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS
    doublings = max(0, min(attempts, 40) - 1)  # bounded: attempts grow for days
    ceiling = min(settings.NOTIFICATION_RETRY_MAX_SECONDS, base * 2**doublings)
    return random.randint(max(1, int(ceiling // 2)), max(1, int(ceiling)))


def retry_window() -> timedelta:
    """How long after a row's first failure it is still retried."""
    return timedelta(hours=settings.NOTIFICATION_RETRY_HOURS)


def _without_waiting_for_disk(db) -> None:
    """Let PostgreSQL commit this transaction without waiting for its WAL flush.

    One flush per email capped the send rate at the disk's fsync rate. The only cost
    is on a PostgreSQL crash (not a worker crash): the last few hundred milliseconds
    of "sent" marks can be lost, and those rows are sent again by the stale-claim
    recovery, the same at-least-once edge as a worker killed mid-send.
    """
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def mark_sent(*, notification: Notification) -> Notification:
    """Record the delivery; the row is never claimed again.

    One UPDATE per email, right after the server accepted it, on purpose: a worker
    killed mid-batch then leaves at most one delivered row unmarked (sent again by
    the stale-claim recovery), not a whole batch.
    """
    now = timezone.now()
    with transaction.atomic():
        _without_waiting_for_disk(transaction.get_connection())
        Notification.objects.filter(pk=notification.pk).update(
            status=Notification.Status.SENT, sent_at=now, last_error=""
        )
    notification.status, notification.sent_at, notification.last_error = (
        Notification.Status.SENT,
        now,
        "",
    )
    return notification


def mark_sent_later(*, notification_ids: Sequence[int]) -> list[int]:
    """Record deliveries that the SMTP server accepted while the database was away.

    The send task carries their ids in its retry (services/notifications.py,
    DeliveredButUnrecorded), so a PostgreSQL restart mid-send never sends them again.
    Only rows still SENDING are marked; returns their ids.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update()
            .filter(pk__in=list(notification_ids), status=Notification.Status.SENDING)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            status=Notification.Status.SENT, sent_at=now, last_error=""
        )
    return ids


def mark_skipped(*, notification: Notification, reason: str) -> Notification:
    """Close a row that no longer makes sense to send (not an error)."""
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SKIPPED, last_error=reason
    )
    notification.status, notification.last_error = Notification.Status.SKIPPED, reason
    logger.info("notification %s skipped: %s", notification.pk, reason)
    return notification


def release_for_retry(*, notification: Notification, error: Exception) -> Notification:
    """Put the row back in the queue after a transient error, with a widening backoff.

    A relay that stays down is retried for NOTIFICATION_RETRY_HOURS after the row's
    first failure (72 h by default; mail servers retry for days), then the row fails
    and shows in the admin with a "retry now" action.
    """
    text = f"{type(error).__name__}: {error}"[:2000]
    now = timezone.now()
    first_failed_at = notification.first_failed_at or now
    if now - first_failed_at > retry_window():
        hours = (now - first_failed_at).total_seconds() / 3600
        return mark_failed(
            notification=notification,
            error=f"gave up after {notification.attempts} attempts in {hours:.0f} h: {text}",
        )
    next_attempt_at = now + timedelta(seconds=backoff_seconds(notification.attempts))
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENDING).update(
        status=Notification.Status.QUEUED,
        last_error=text,
        next_attempt_at=next_attempt_at,
        first_failed_at=first_failed_at,
    )
    notification.status = Notification.Status.QUEUED
    notification.last_error = text
    notification.next_attempt_at = next_attempt_at
    notification.first_failed_at = first_failed_at
    return notification


def mark_failed(*, notification: Notification, error: Exception | str) -> Notification:
    """Give up on a row; it shows as failed in the admin, with a "retry now" action."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    Notification.objects.filter(pk=notification.pk).exclude(status=Notification.Status.SENT).update(
        status=Notification.Status.FAILED, last_error=text[:2000]
    )
    notification.status, notification.last_error = Notification.Status.FAILED, text[:2000]
    logger.warning("notification %s failed: %s", notification.pk, text[:200])
    return notification
