"""Outbox recovery: retrying failed rows and re-enqueuing rows whose message was lost.

The outbox, not the broker, is the record of what still has to go out: a message
lost with a killed worker or a failed publish is found here by its row, not waited
for until Redis's visibility timeout hands it back.
"""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from events.models import Notification

from .notifications import enqueue_sends, stale_after

logger = logging.getLogger(__name__)

# Rows the requeue scan hands back to the broker per run.
REQUEUE_LIMIT = 10_000


def retry_failed_notifications(*, notification_ids: Sequence[int]) -> list[int]:
    """Put failed rows back in the queue now (the admin's "retry now"); returns their ids.

    Rows in any other state are left alone, so retrying twice sends nothing twice.
    Each row gets a new retry window (NOTIFICATION_RETRY_HOURS from its next failure).
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update()
            .filter(pk__in=notification_ids, status=Notification.Status.FAILED)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(
            status=Notification.Status.QUEUED, attempts=0, next_attempt_at=now, first_failed_at=None
        )
        enqueue_sends(notification_ids=ids)
    return ids


def requeue_stale_notifications(*, now: datetime | None = None) -> list[int]:
    """Enqueue again the rows whose broker message or worker was lost; returns their ids.

    Beat runs this every NOTIFICATION_SCAN_SECONDS:
    - QUEUED rows due more than NOTIFICATION_REQUEUE_AFTER_SECONDS ago: the broker
      lost the message, or the publish after commit failed (Redis was away). A
      duplicate message for a row whose message is merely slow claims nothing, so
      the wait is short, and rows stranded by a broker outage go out within about
      a minute and a half of its return;
    - SENDING rows claimed more than NOTIFICATION_STALE_SECONDS ago: their worker died
      mid-send. The new claim sends them again (the at-least-once edge).
    Rows are locked with skip_locked, so two scans never enqueue the same row twice.
    """
    now = now or timezone.now()
    lost_cutoff = now - timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS)
    stale_cutoff = now - stale_after()
    not_recently_enqueued = Q(next_attempt_at__isnull=True, created_at__lt=lost_cutoff) | Q(
        next_attempt_at__lt=lost_cutoff
    )
    lost = Q(status=Notification.Status.QUEUED) & not_recently_enqueued
    abandoned = Q(status=Notification.Status.SENDING, claimed_at__lt=stale_cutoff) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=stale_cutoff)
    )
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(lost | abandoned)
            .order_by("pk")
            .values_list("pk", flat=True)[:REQUEUE_LIMIT]
        )
        Notification.objects.filter(pk__in=ids).update(next_attempt_at=now)
        enqueue_sends(notification_ids=ids)
    if ids:
        logger.warning("requeued %s notifications whose message or worker was lost", len(ids))
    return ids
