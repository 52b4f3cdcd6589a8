"""Prepared statements for the statements every registration runs (PostgreSQL).

PostgreSQL plans each statement it is sent. For the lock, the seat tally and the
one-statement insert, planning cost it more CPU than running them (bench: about half
of PostgreSQL's CPU per registration). execute() prepares such a statement once per
database connection and then only EXECUTEs it. Prepared statements belong to the
connection's session, so they outlive transactions, rollbacks included; a new
connection prepares again. (They need a session-scoped connection: a pooler in
transaction mode, such as PgBouncer's, would have to be in session mode.)

On other databases execute() is a plain cursor.execute().
"""

import hashlib
import weakref

from django.db import connection

# The statements prepared on each open psycopg connection, dropped with it.
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def execute(cursor, sql: str, params: list) -> None:
    """cursor.execute(sql, params), through a prepared statement on PostgreSQL.

    sql uses %s placeholders and no other % sign.
    """
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    raw = connection.connection
    names = _prepared.get(raw)
    if names is None:
        names = _prepared[raw] = set()
    name = "tt_" + hashlib.blake2b(sql.encode(), digest_size=8).hexdigest()
    if name not in names:
        parts = sql.split("%s")
        numbered = "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], 1)) + parts[-1]
        cursor.execute(f"PREPARE {name} AS {numbered}")
        names.add(name)
    arguments = f"({', '.join(['%s'] * len(params))})" if params else ""
    cursor.execute(f"EXECUTE {name}{arguments}", params)
