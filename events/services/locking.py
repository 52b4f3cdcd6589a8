"""The one place that locks a session row. Capacity decisions happen under this lock."""

from django.db import transaction

from events.models import TrainingSession


class LockOutsideTransaction(RuntimeError):
    pass


def lock_session(session_id: int) -> TrainingSession:
    """Lock the session row until the surrounding transaction ends.

    Refuses to run outside a transaction, where the lock would be released at once
    and two requests could both take the last seat.
    """
    if not transaction.get_connection().in_atomic_block:
        raise LockOutsideTransaction("lock_session() must run inside transaction.atomic().")
    return TrainingSession.objects.select_for_update().select_related("training").get(pk=session_id)
