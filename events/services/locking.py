"""The one place that locks a session row. Capacity decisions happen under this lock."""

from django.db import connection, transaction

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
    # Plain SQL: every registration runs this, and the ORM spent more building the
    # statement than PostgreSQL spends running it. No join (the training is loaded
    # when read), so FOR UPDATE locks this one row and registrations for other
    # sessions of the same training never wait for it.
    table = TrainingSession._meta.db_table
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    found = list(
        TrainingSession.objects.raw(
            f'SELECT * FROM "{table}" WHERE "id" = %s{lock}',  # noqa: S608 (names from _meta)
            [session_id],
        )
    )
    if not found:
        raise TrainingSession.DoesNotExist(f"No session with id {session_id}.")
    return found[0]
