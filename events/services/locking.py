"""The one place that locks a session row. Capacity decisions happen under this lock."""

import threading
from functools import lru_cache

from django.conf import settings
from django.db import OperationalError, connection, transaction

from events.models import TrainingSession

# PostgreSQL's codes for "lock not available" (lock_timeout ran out) and "query
# canceled" (statement_timeout ran out).
LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"


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

    On PostgreSQL the wait for the lock is bounded, so that a very busy session cannot
    starve the site's other pages:
    - in time: SESSION_LOCK_TIMEOUT for the whole statement (lock_timeout alone bounds
      each lock wait, and a waiter queued behind others waits once for the row's lock
      and once more for the holder's transaction, twice the timeout);
    - in number: at most SESSION_LOCK_WAITERS requests of this process wait at once;
      one more is answered at once, so the process keeps threads for other pages.
    Past either, SessionBusy is raised, which the site answers with the 503 "very busy,
    please try again" page.
    """
    if not transaction.get_connection().in_atomic_block:
        raise LockOutsideTransaction("lock_session() must run inside transaction.atomic().")
    lookup = {"pk": session_id} if session_id is not None else {"public_id": public_id}
    if connection.vendor != "postgresql":
        return TrainingSession.objects.select_for_update().get(**lookup)
    slots = _wait_slots(settings.SESSION_LOCK_WAITERS)
    if not slots.acquire(blocking=False):
        raise SessionBusy(f"Session {session_id or public_id}: enough requests wait already.")
    try:
        return _lock_with_timeout(lookup, label=session_id or public_id)
    finally:
        slots.release()


@lru_cache
def _wait_slots(count: int) -> threading.BoundedSemaphore:
    # One per process and setting: the threads of a gthread worker share it.
    return threading.BoundedSemaphore(count)


def _lock_with_timeout(lookup: dict, *, label) -> TrainingSession:
    timeout = f"{int(settings.SESSION_LOCK_TIMEOUT * 1000)}ms"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('lock_timeout', %s, true),"
            " set_config('statement_timeout', %s, true)",
            [timeout, timeout],
        )
    try:
        session = TrainingSession.objects.select_for_update().get(**lookup)
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) in {LOCK_NOT_AVAILABLE, QUERY_CANCELED}:
            raise SessionBusy(f"Session {label} is locked by others.") from error
        raise
    with connection.cursor() as cursor:
        # The rest of the transaction runs under the server's (or the connection's) own
        # statement timeout again; lock_timeout only matters to row locks.
        cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
    return session
