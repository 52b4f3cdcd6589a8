"""The one place that locks a session row. Capacity decisions happen under this lock."""

from django.conf import settings
from django.db import OperationalError, connection, transaction

from events.models import TrainingSession

# PostgreSQL's code for "lock not available", raised when lock_timeout runs out.
LOCK_NOT_AVAILABLE = "55P03"


class LockOutsideTransaction(RuntimeError):
    pass


class SessionBusy(Exception):
    """The session stayed locked by others for longer than SESSION_LOCK_TIMEOUT.

    ServiceUnavailableMiddleware answers it with the "very busy, please try again" page.
    """


def lock_session(session_id: int | None = None, *, public_id: str = "") -> TrainingSession:
    """Lock the session row (by id, or else by public id) until the transaction ends.

    Refuses to run outside a transaction, where the lock would be released at once
    and two requests could both take the last seat. On SQLite, select_for_update is a
    no-op; there the IMMEDIATE transaction mode (settings.py) serializes writers.

    On PostgreSQL the wait for the lock is bounded (SESSION_LOCK_TIMEOUT, for this
    transaction only): past it SessionBusy is raised, so a stuck transaction holding
    the lock turns into a "try again" page instead of requests piling up behind it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise LockOutsideTransaction("lock_session() must run inside transaction.atomic().")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true)",
                [f"{int(settings.SESSION_LOCK_TIMEOUT * 1000)}ms"],
            )
    try:
        lookup = {"pk": session_id} if session_id is not None else {"public_id": public_id}
        session = TrainingSession.objects.select_for_update().get(**lookup)
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) == LOCK_NOT_AVAILABLE:
            raise SessionBusy(f"Session {session_id or public_id} is locked by others.") from error
        raise
    return session
