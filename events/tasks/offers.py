"""Seat tasks (beat, every minute): lapsed offers pass on, ended holds free their seats."""

import logging

from celery import shared_task
from django.db import OperationalError

from events.services import offers, seat_holds
from events.services.locking import SessionBusy

logger = logging.getLogger(__name__)

# A lost connection, a deadlock or a busy session is worth another try next minute:
# both services are idempotent, and beat runs them again anyway.
TRANSIENT = (OperationalError, SessionBusy)


@shared_task(name="events.expire_seat_offers", autoretry_for=TRANSIENT, max_retries=2)
def expire_seat_offers() -> int:
    """Close every offer past its deadline and offer its seat to the next person waiting."""
    expired = offers.expire_due_offers()
    if expired:
        logger.info("%s seat offers expired", len(expired))
    return len(expired)


@shared_task(name="events.release_ended_seat_holds", autoretry_for=TRANSIENT, max_retries=2)
def release_ended_seat_holds() -> int:
    """Give the free seats of holds that ended to the people waiting."""
    promoted = seat_holds.release_ended_holds()
    if promoted:
        logger.info("%s waiting registrants given seats freed by ended holds", len(promoted))
    return len(promoted)
