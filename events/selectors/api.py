"""Reads for the public API: the catalogue's own selectors, with what partners filter on.

The visibility rule is the catalogue's (selectors/catalog.py): the lists show the
sessions the catalogue lists, and a session's own answer is what its public page
shows. This module adds only the API's extra filters and prefetches.
"""

from datetime import datetime

from django.db.models import Exists, F, OuterRef, QuerySet

from events.models import Training, TrainingSession
from events.selectors import catalog


def _with_sectors(sessions: QuerySet[TrainingSession]) -> QuerySet[TrainingSession]:
    """Each session's training's target sectors in one query per page, not one per row."""
    return sessions.prefetch_related("training__target_sectors")


def api_sessions(*, now: datetime | None = None) -> QuerySet[TrainingSession]:
    """The upcoming published sessions, as the catalogue lists them, with their sectors."""
    return _with_sectors(catalog.upcoming_sessions(now=now))


def with_free_seat_or_not(sessions: QuerySet[TrainingSession], *, free: bool) -> QuerySet:
    """Sessions a person can still get a seat in (free) or only the waiting list (not free).

    TrainingSession.is_full's rule, on the selectors' count annotations: a session with
    anyone waiting is full whatever its count, since a freed seat goes to the waiting
    list first.
    """
    open_seats = {"confirmed_count__lt": F("capacity"), "waitlisted_count": 0}
    return sessions.filter(**open_seats) if free else sessions.exclude(**open_seats)


def api_session(public_id: str) -> TrainingSession | None:
    """One session as its public page shows it: published or cancelled, never a draft."""
    # Its training's sectors cost one query more, as on the page.
    return catalog.session_for_page(public_id)


def api_trainings() -> QuerySet[Training]:
    """Trainings with at least one published session; a training with only drafts is not public."""
    published = TrainingSession.objects.filter(
        training_id=OuterRef("pk"), status=TrainingSession.Status.PUBLISHED
    )
    return (
        Training.objects.filter(Exists(published))
        .prefetch_related("target_sectors")
        .order_by("title", "id")
    )
