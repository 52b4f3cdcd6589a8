"""Certificate tasks (pdf queue): take ids, call one service, retry on transient errors."""

import logging

from celery import shared_task
from django.db import OperationalError

from events.models import CertificateIssuance
from events.selectors import certificates as certificate_selectors
from events.services import certificate_issuance, certificates
from events.services.enqueue import enqueue

logger = logging.getLogger(__name__)

# An unfinished issuance run that has not moved for this long lost its task (a killed
# worker's message comes back only after the broker's visibility timeout, an hour on
# Redis); a batch takes about a second, and a run waiting in a busy queue that gets
# a second message only has it claim nothing.
ISSUANCE_STALLED_SECONDS = 300

# A lost connection or a deadlock is worth another try; the services are idempotent.
TRANSIENT = (OperationalError,)
# Redelivered if the worker dies, retried on transient database errors.
RETRYING = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(
    name="events.issue_certificate",
    **RETRYING,
)
def issue_certificate(self, registration_id: int) -> None:
    """Issue one registration's certificate; a refusal is logged, not retried."""
    try:
        certificates.issue_certificate(registration_id=registration_id)
    except certificates.CertificateRefused as refused:
        logger.info("certificate for registration %s refused: %s", registration_id, refused)


@shared_task(
    name="events.issue_session_certificates",
    **RETRYING,
)
def issue_session_certificates(self, session_id: int) -> None:
    """Issue every certificate a session owes. Running it twice, even at once, is safe."""
    try:
        result = certificates.issue_session_certificates(session_id=session_id)
    except certificates.CertificateRefused as refused:
        logger.info("certificates for session %s refused: %s", session_id, refused)
        return
    logger.info(
        "session %s certificates: %s issued, %s already, %s refused, %s owed",
        session_id,
        result.issued,
        result.already_issued,
        result.refused,
        result.total,
    )


@shared_task(name="events.issue_due_certificates")
def issue_due_certificates() -> None:
    """Beat: start a run for each recently ended session that still owes certificates."""
    for session_id in certificate_selectors.sessions_due_for_certificates():
        enqueue("events.issue_session_certificates", session_id)


@shared_task(
    name="events.run_certificate_issuance",
    **RETRYING,
)
def run_certificate_issuance(self, issuance_id: int) -> None:
    """Issue an organizer's requested certificates; a long run continues in a new task."""
    try:
        run = certificate_issuance.run_certificate_issuance(issuance_id=issuance_id)
    except CertificateIssuance.DoesNotExist:
        logger.info("certificate issuance %s no longer exists; dropped", issuance_id)
        return
    if run.finished_at is not None:
        logger.info("certificate issuance %s finished", issuance_id)


@shared_task(name="events.resume_stalled_certificate_issuances")
def resume_stalled_certificate_issuances() -> None:
    """Beat: enqueue again the issuance runs whose task died with its worker."""
    resumed = certificate_issuance.resume_stalled_issuances(
        stalled_for_seconds=ISSUANCE_STALLED_SECONDS
    )
    if resumed:
        logger.warning("certificate issuances %s had stalled; enqueued again", resumed)
