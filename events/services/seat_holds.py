"""Seats held for sectors: edited under the session lock, and freed when a hold ends.

How held and general seats are counted is in events/selectors/seat_holds.py; a hold's
end needs no job for the counts. Two things do act: an organizer's edit of the holds
(a smaller hold frees general seats for the people waiting), and the minute scan
that gives the free seats of ended holds to the people waiting.
"""

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from events.models import Registration, SeatHold, TrainingSession

from .audit import record_audit
from .locking import lock_session
from .public_pages import public_pages_changed
from .waitlist import fill_free_seats, promote_from_waitlist

T = TypeVar("T")


def update_seat_holds(*, session_id: int, write: Callable[[], T], actor=None) -> T:
    """Run the admin's write of a session's holds under the session lock, then pass on
    any seats it freed, audited as seat_holds_changed.

    `write` saves the holds (the inline formset's save) and returns what it saved.
    """
    with transaction.atomic():
        session = lock_session(session_id)
        written = write()
        holds = [
            {"seats": hold.seats, "until": hold.until.isoformat()}
            for hold in SeatHold.objects.filter(session_id=session_id).order_by("until", "id")
        ]
        record_audit(action="seat_holds_changed", actor=actor, session=session, holds=holds)
        public_pages_changed(session)
        fill_free_seats(session=session, actor=actor)
        return written


def release_ended_holds(*, now: datetime | None = None) -> list[Registration]:
    """Give the free seats of ended holds to the people waiting (the minute scan).

    Only sessions not yet started, with a hold that has ended and someone waiting;
    promoting where nothing is free changes nothing, so running it again is safe.
    """
    now = now or timezone.now()
    session_ids = (
        TrainingSession.objects.filter(
            status=TrainingSession.Status.PUBLISHED,
            starts_at__gt=now,
            seat_holds__until__lte=now,
            registrations__status=Registration.Status.WAITLISTED,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    promoted: list[Registration] = []
    for session_id in list(session_ids):
        promoted += promote_from_waitlist(session_id=session_id)
    return promoted
