"""The one place that locks a session row. Capacity decisions happen under this lock."""

from django.db import transaction

from events.models import TrainingSession
from events.page_cache import public_pages_changed


class LockOutsideTransaction(RuntimeError):
    pass


def lock_session(session_id: int) -> TrainingSession:
    """Lock the session row until the surrounding transaction ends.

    Refuses to run outside a transaction, where the lock would be released at once
    and two requests could both take the last seat. On SQLite, select_for_update is a
    no-op; there the IMMEDIATE transaction mode (settings.py) serializes writers.

    Whoever locks a session may change its seats or its details, so the stored
    public pages are stale once the transaction commits (events/page_cache.py).
    """
    if not transaction.get_connection().in_atomic_block:
        raise LockOutsideTransaction("lock_session() must run inside transaction.atomic().")
    public_pages_changed()
    # of=("self",): FOR UPDATE would otherwise also lock the joined training row and
    # serialize registrations for every session of the same training.
    return (
        TrainingSession.objects.select_for_update(of=("self",))
        .select_related("training")
        .get(pk=session_id)
    )
