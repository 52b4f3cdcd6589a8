"""The one place that locks a session row. Capacity decisions happen under this lock."""

import functools

from django.db import connection, transaction

from events.models import TrainingSession
from events.page_cache import public_pages_changed
from trafficking_training import db


class LockOutsideTransaction(RuntimeError):
    pass


def lock_session(session_id: int, *, changes_public_pages: bool = True) -> TrainingSession:
    """Lock the session row until the surrounding transaction ends.

    Refuses to run outside a transaction, where the lock would be released at once
    and two requests could both take the last seat. On SQLite, select_for_update is a
    no-op; there the IMMEDIATE transaction mode (settings.py) serializes writers.

    Whoever locks a session may change its seats or its details, so the stored
    public pages are stale once the transaction commits (events/page_cache.py); a
    caller that tells for itself whether they changed passes changes_public_pages=False
    and calls public_pages_changed() when they did.
    """
    if not transaction.get_connection().in_atomic_block:
        raise LockOutsideTransaction("lock_session() must run inside transaction.atomic().")
    if changes_public_pages:
        public_pages_changed()
    sql, attnames, converters = _locking_select(connection.vendor)
    with connection.cursor() as cursor:
        db.execute(cursor, sql, [session_id])
        row = cursor.fetchone()
    if row is None:
        raise TrainingSession.DoesNotExist(f"No session with id {session_id}.")
    values = []
    for value, (column, field_converters) in zip(row, converters, strict=True):
        for convert in field_converters:
            value = convert(value, column, connection)
        values.append(value)
    return TrainingSession.from_db(connection.alias, attnames, values)


@functools.cache
def _locking_select(vendor: str) -> tuple[str, list[str], list[tuple]]:
    """The locking SELECT, the fields it reads and their database-value converters.

    Plain SQL, built once per process: every registration runs it, and the ORM
    spent more building the statement and the model than PostgreSQL spends running
    it. The converters are the ones the ORM applies (SQLite keeps times as text). No
    join (the training is loaded when read), so FOR UPDATE locks this one row and
    registrations for other sessions of the same training never wait for it.
    """
    meta = TrainingSession._meta
    quote = connection.ops.quote_name
    fields = meta.concrete_fields
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(meta.db_table)}"  # noqa: S608 (names from _meta)
        f" WHERE {quote(meta.pk.column)} = %s{lock}"
    )
    converters = []
    for field in fields:
        column = field.get_col(meta.db_table)
        converters.append(
            (
                column,
                connection.ops.get_db_converters(column) + column.get_db_converters(connection),
            )
        )
    return sql, [f.attname for f in fields], converters
