"""Evaluation tasks: thin, call one service."""

import logging

from celery import shared_task

from events.services import evaluation_dispatch

logger = logging.getLogger(__name__)


@shared_task(name="events.dispatch_due_evaluations", ignore_result=True)
def dispatch_due_evaluations() -> int:
    """Beat: queue the post-evaluation emails and reminders due now, sent in batches."""
    report = evaluation_dispatch.dispatch_due_evaluations()
    if report.created:
        logger.info(
            "evaluations dispatched: %s new, %s enqueued",
            sum(report.created.values()),
            len(report.enqueued_ids),
        )
    return len(report.enqueued_ids)
