"""Outbox and reminder tasks: thin, take ids, call one service, retry only on transient errors.

The send tasks run with acks_late: the broker message is acknowledged only after the
task finished, so a worker killed mid-send leaves it to be delivered again. That is
safe because the outbox row is claimed before sending and a sent row is never
claimed again.
"""

import logging
from datetime import datetime

from celery import shared_task

from events.services import notification_delivery, notification_recovery, reminders
from events.services.outages import DATABASE_OUTAGE

logger = logging.getLogger(__name__)

# The longest wait between two tries of a send interrupted by a database outage.
OUTAGE_RETRY_MAX_SECONDS = 15

SEND_OPTIONS = {
    "bind": True,
    "acks_late": True,
    # A process killed by SIGKILL or the OOM killer puts the message back, instead of
    # acknowledging it as failed; the claim makes the rerun harmless.
    "reject_on_worker_lost": True,
    "max_retries": None,  # the row and NOTIFICATION_RETRY_HOURS decide
    "ignore_result": True,
}


@shared_task(name="events.send_notification", time_limit=120, soft_time_limit=90, **SEND_OPTIONS)
def send_notification(
    self, notification_id: int, sent_ids: list[int] | None = None, claimed_at: str = ""
) -> None:
    """Send one outbox row. Safe to run twice: the row is claimed before sending."""
    outcome = _deliver(self, [notification_id], sent_ids=sent_ids, claimed_at=claimed_at)
    if outcome.interrupted:
        raise self.retry(kwargs=_resume(outcome), countdown=_outage_countdown(self))
    if outcome.deferred_ids:
        raise self.retry(kwargs={}, countdown=outcome.countdown)


@shared_task(name="events.send_notifications", time_limit=300, soft_time_limit=270, **SEND_OPTIONS)
def send_notifications(
    self, notification_ids: list[int], sent_ids: list[int] | None = None, claimed_at: str = ""
) -> None:
    """Send a batch of outbox rows over one SMTP connection; retry the unsent rest later."""
    outcome = _deliver(self, notification_ids, sent_ids=sent_ids, claimed_at=claimed_at)
    if outcome.interrupted:
        rows = [*outcome.sent_unrecorded_ids, *outcome.resume_ids]
        raise self.retry(args=(rows,), kwargs=_resume(outcome), countdown=_outage_countdown(self))
    if outcome.deferred_ids:
        raise self.retry(args=(outcome.deferred_ids,), kwargs={}, countdown=outcome.countdown)


def _deliver(task, notification_ids, *, sent_ids, claimed_at) -> notification_delivery.BatchOutcome:
    """The batch send, retried as it was when the database is away from the start."""
    own_claim = datetime.fromisoformat(claimed_at) if claimed_at else None
    try:
        return notification_delivery.deliver_notifications(
            notification_ids=notification_ids, sent_ids=sent_ids or (), own_claim=own_claim
        )
    except DATABASE_OUTAGE as error:
        logger.warning("database away; sends retried in a moment: %s", error)
        raise task.retry(countdown=_outage_countdown(task)) from error


def _resume(outcome: notification_delivery.BatchOutcome) -> dict:
    """The retry's arguments: what went out unmarked, and the claim to take back."""
    return {
        "sent_ids": outcome.sent_unrecorded_ids,
        "claimed_at": outcome.claimed_at.isoformat() if outcome.claimed_at else "",
    }


def _outage_countdown(task) -> int:
    # Short and capped: a database restart takes seconds, and a retry must mark its
    # unmarked sends before the requeue scan would call their claim stale.
    return min(OUTAGE_RETRY_MAX_SECONDS, 2 ** min(task.request.retries, 4))


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
