"""Outbox and reminder tasks: thin, take ids, call one service, retry only on transient errors.

The send tasks run with acks_late: the broker message is acknowledged only after the
task finished, so a worker killed mid-send leaves it to be delivered again. That is
safe because the outbox row is claimed before sending and a sent row is never
claimed again.
"""

import logging

from celery import shared_task

from events.services import notification_recovery, notifications, reminders

logger = logging.getLogger(__name__)

SEND_OPTIONS = {
    "bind": True,
    "acks_late": True,
    # A process killed by SIGKILL or the OOM killer puts the message back, instead of
    # acknowledging it as failed; the claim makes the rerun harmless.
    "reject_on_worker_lost": True,
    "max_retries": None,  # the row's attempts and NOTIFICATION_MAX_RETRIES decide
    "ignore_result": True,
}


@shared_task(name="events.send_notification", time_limit=120, soft_time_limit=90, **SEND_OPTIONS)
def send_notification(self, notification_id: int) -> None:
    """Send one outbox row. Safe to run twice: the row is claimed before sending."""
    try:
        notifications.deliver_notification(notification_id=notification_id)
    except notifications.TransientDeliveryError as error:
        raise self.retry(countdown=error.countdown) from error


@shared_task(name="events.send_notifications", time_limit=300, soft_time_limit=270, **SEND_OPTIONS)
def send_notifications(self, notification_ids: list[int]) -> None:
    """Send a batch of outbox rows over one SMTP connection; retry the unsent rest later."""
    outcome = notifications.deliver_notifications(notification_ids=notification_ids)
    if outcome.deferred_ids:
        raise self.retry(args=(outcome.deferred_ids,), countdown=outcome.countdown)


@shared_task(name="events.dispatch_due_reminders", ignore_result=True)
def dispatch_due_reminders() -> int:
    """Beat: put every reminder due now in the outbox and enqueue the sends in batches."""
    report = reminders.dispatch_due_reminders()
    if report.created_total:
        logger.info(
            "reminders dispatched: %s new, %s enqueued",
            report.created_total,
            len(report.enqueued_ids),
        )
    return len(report.enqueued_ids)


@shared_task(name="events.requeue_stale_notifications", ignore_result=True)
def requeue_stale_notifications() -> int:
    """Beat: enqueue again rows whose broker message or worker was lost."""
    return len(notification_recovery.requeue_stale_notifications())
