"""Prepared statements (trafficking_training/db.py) on a real PostgreSQL."""

import pytest
from django.db import connection, transaction

from trafficking_training import db

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SQL = "SELECT %s::int + %s::int, %s::text"


def prepared_names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'tt_%%'")
        return sorted(row[0] for row in cursor.fetchall())


def run(*params):
    with connection.cursor() as cursor:
        db.execute(cursor, SQL, list(params))
        return cursor.fetchone()


def test_a_statement_is_prepared_once_per_connection_and_gives_each_call_its_values():
    assert run(1, 2, "a") == (3, "a")
    prepared = prepared_names()
    assert run(40, 2, "it's") == (42, "it's")
    # The second call prepared nothing more: it ran the statement the first prepared.
    assert prepared_names() == prepared
    assert len(set(prepared)) == len(prepared)


def test_a_prepared_statement_outlives_a_rolled_back_transaction():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        run(1, 1, "x")
        raise ZeroDivisionError
    assert run(2, 2, "y") == (4, "y")


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again():
    run(1, 1, "x")
    connection.close()
    assert run(5, 5, "z") == (10, "z")
