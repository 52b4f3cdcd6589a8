"""Thin Celery tasks: take ids, call one service, retry only on transient errors."""

import logging
import random

from celery import shared_task
from django.conf import settings

from events.services import notifications

logger = logging.getLogger(__name__)


def backoff_seconds(retries: int) -> int:
    """Exponential backoff with full jitter: up to 30 s, 60 s, 120 s, ... capped at 1 h."""
    ceiling = min(3600, 30 * 2**retries)
    return random.randint(ceiling // 2, ceiling)


@shared_task(
    name="events.send_notification",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
    time_limit=120,
    soft_time_limit=90,
)
def send_notification(self, notification_id: int) -> None:
    """Send one outbox row. Safe to run twice: the row is claimed before sending."""
    try:
        notifications.deliver_notification(notification_id=notification_id)
    except notifications.TransientDeliveryError as error:
        if self.request.retries >= settings.NOTIFICATION_MAX_RETRIES:
            notifications.give_up(notification_id=notification_id, error=str(error))
            return
        raise self.retry(countdown=backoff_seconds(self.request.retries)) from error
