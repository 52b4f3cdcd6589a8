"""Housekeeping tasks: retention and anonymization."""

import logging

from celery import shared_task

from events.services import privacy

logger = logging.getLogger(__name__)
BATCH = 500


@shared_task(name="events.anonymize_expired_registrations", time_limit=600, soft_time_limit=540)
def anonymize_expired_registrations() -> int:
    """Anonymize registrant data past RETENTION_MONTHS (daily, from beat); returns the count."""
    # Batches keep each query small; loop until a short batch says nothing is left.
    done: list[int] = []
    while True:
        batch = privacy.anonymize_expired_registrations(batch_size=BATCH)
        done += batch
        if len(batch) < BATCH:
            break
    if done:
        logger.info("anonymized %d registrations past the retention period", len(done))
    return len(done)
