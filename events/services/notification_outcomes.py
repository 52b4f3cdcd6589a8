"""How an outbox row ends a send: sent, skipped, failed, or back in the queue with a backoff.

services/notifications.py claims a row and sends it; these record how the send ended.
"""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from events.models import Notification

logger = logging.getLogger(__name__)

# Backoff never exceeds this, which stays well below the Redis visibility_timeout
# (3600 s): a retry waiting in the broker longer than that would be delivered twice.
MAX_BACKOFF_SECONDS = 1800


def backoff_seconds(attempts: int) -> int:
    """Exponential backoff with jitter after the given number of failed attempts.

    The ceiling doubles per attempt (base, 2x, 4x, ...); the wait is drawn from its
    upper half, so rows that failed together do not all return together.
    """
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS
    ceiling = min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempts - 1))
    return random.randint(max(1, ceiling // 2), max(1, ceiling))


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


def mark_skipped(*, notification: Notification, reason: str) -> Notification:
    """Close a row that no longer makes sense to send (not an error)."""
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SKIPPED, last_error=reason
    )
    notification.status, notification.last_error = Notification.Status.SKIPPED, reason
    logger.info("notification %s skipped: %s", notification.pk, reason)
    return notification


def release_for_retry(*, notification: Notification, error: Exception) -> Notification:
    """Put the row back in the queue after a transient error, or fail it after the last retry."""
    text = f"{type(error).__name__}: {error}"[:2000]
    if notification.attempts > settings.NOTIFICATION_MAX_RETRIES:
        return mark_failed(
            notification=notification,
            error=f"gave up after {notification.attempts} attempts: {text}",
        )
    next_attempt_at = timezone.now() + timedelta(seconds=backoff_seconds(notification.attempts))
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENDING).update(
        status=Notification.Status.QUEUED, last_error=text, next_attempt_at=next_attempt_at
    )
    notification.status = Notification.Status.QUEUED
    notification.last_error = text
    notification.next_attempt_at = next_attempt_at
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
