"""Writing a new row together with the rows that point to it, in one statement.

A registration is written with its audit line and its outbox row. Through the ORM
that is three INSERTs, three round trips and three statement compilations, all
while the session lock is held; on PostgreSQL one statement with data-modifying CTEs
does it. The values are the ones Model.save() would write (each field's pre_save()
and get_db_prep_save()), from the same unsaved model instances, so the rows are the
same either way (tests/test_registration_services.py compares the two). Other
databases (SQLite, the embedded default) save the instances one by one.

Every name in the SQL comes from the models' _meta, quoted; every value is a bound
parameter.
"""

from django.db import connection, models

from trafficking_training import db


def _columns_and_values(obj: models.Model, *, skip: str = "") -> tuple[list[str], list]:
    """The quoted columns and database values Model.save() would INSERT for obj."""
    columns, values = [], []
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name == skip:
            continue
        columns.append(connection.ops.quote_name(field.column))
        values.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
    return columns, values


def _quoted(obj: models.Model) -> tuple[str, str]:
    """The quoted table and primary-key column of obj's model."""
    meta = obj._meta
    return connection.ops.quote_name(meta.db_table), connection.ops.quote_name(meta.pk.column)


def _one_statement(parent: models.Model, children: list[tuple[models.Model, str]]):
    """The SQL and parameters: parent's INSERT as CTE "parent", each child's after it."""
    table, pk = _quoted(parent)
    columns, params = _columns_and_values(parent)
    values = ", ".join(["%s"] * len(columns))
    ctes = [
        f"parent AS (INSERT INTO {table} ({', '.join(columns)}) VALUES ({values}) RETURNING {pk})"  # noqa: S608
    ]
    results = [f"(SELECT {pk} FROM parent)"]  # noqa: S608
    for number, (child, field_name) in enumerate(children):
        child_table, child_pk = _quoted(child)
        child_columns, child_values = _columns_and_values(child, skip=field_name)
        child_columns.append(connection.ops.quote_name(child._meta.get_field(field_name).column))
        selected = ", ".join(["%s"] * len(child_values) + [pk])
        ctes.append(
            f"child{number} AS (INSERT INTO {child_table} ({', '.join(child_columns)})"  # noqa: S608
            f" SELECT {selected} FROM parent RETURNING {child_pk})"
        )
        results.append(f"(SELECT {child_pk} FROM child{number})")  # noqa: S608
        params += child_values
    return f"WITH {', '.join(ctes)} SELECT {', '.join(results)}", params


def insert_with_children(parent: models.Model, children: list[tuple[models.Model, str]]) -> None:
    """INSERT parent, then each (child, field name) with that foreign key set to parent.

    Sets the primary keys of parent and of every child, as save() would.
    """
    if connection.vendor != "postgresql":
        parent.save(force_insert=True)
        for child, field_name in children:
            setattr(child, field_name, parent)
            child.save(force_insert=True)
        return
    sql, params = _one_statement(parent, children)
    with connection.cursor() as cursor:
        db.execute(cursor, sql, params)
        ids = cursor.fetchone()
    for obj, new_id in zip([parent, *(child for child, _ in children)], ids, strict=True):
        obj.pk = new_id
        obj._state.adding = False
        obj._state.db = connection.alias
    for child, field_name in children:
        setattr(child, field_name, parent)
