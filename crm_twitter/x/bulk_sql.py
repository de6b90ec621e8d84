"""Set-based writes for the ingest path, without the ORM's per-value expression machinery.

Django's ``bulk_create`` resolves an expression for every value and ``bulk_update`` builds a
``CASE WHEN pk = … THEN …`` per row and per field; on a page of 100 messages that compile step
costs more than the database work. These helpers write the same rows with one prepared
statement per table and ``executemany`` (SQLite loops in C; psycopg 3 pipelines the batch), and
convert every value exactly as the ORM would (``pre_save`` on insert, so ``auto_now`` fields are
set, then ``get_db_prep_save``). Objects are left as ``bulk_create`` would leave them (saved, on
the default database). Only for the hot ingest path: everything else uses the ORM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.models import Model

_PG_MAX_PARAMS = 60_000  # below PostgreSQL's 65,535 bind parameters per statement


def _quote(using: str, name: str) -> str:
    return connections[using].ops.quote_name(name)


# Field types whose database value is the Python value itself when it already has the right
# type (the ORM's conversion would return it unchanged); everything else goes through the ORM.
_AS_IS = {
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "EmailField": str,
    "URLField": str,
    "IntegerField": int,
    "BigIntegerField": int,
    "SmallIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveBigIntegerField": int,
    "PositiveSmallIntegerField": int,
    "AutoField": int,
    "BigAutoField": int,
    "BooleanField": bool,
}


def _converter(field, connection) -> Callable[[Any], Any]:
    """``field.get_db_prep_save`` with a shortcut for values that need no conversion."""
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    plain = _AS_IS.get(kind)
    prep = field.get_db_prep_save
    if kind == "DateTimeField":
        adapt = connection.ops.adapt_datetimefield_value

        def convert_time(value: Any) -> Any:
            if value is None:
                return None
            if type(value) is dt.datetime and value.tzinfo is not None:  # aware: nothing to check
                return adapt(value)
            return prep(value, connection)

        return convert_time

    def convert(value: Any) -> Any:
        if value is None or type(value) is plain:  # every field stores None as NULL
            return value
        return prep(value, connection)

    return convert


def rows_insert(objs: Sequence[Model], *, ignore_conflicts: bool = False, using: str = "default") -> None:
    """INSERT every object (all concrete fields; the primary key too when it is set).

    ``ignore_conflicts`` skips rows that violate a unique constraint (``ON CONFLICT DO NOTHING``,
    understood by PostgreSQL and SQLite ≥ 3.24). Without a primary key set the database assigns
    one, but it is not read back: callers that need ids allocate them first (``ids_allocate``).
    """
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    connection = connections[using]
    with_pk = objs[0].pk is not None
    fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
    columns = ", ".join(_quote(using, f.column) for f in fields)
    head = f"INSERT INTO {_quote(using, meta.db_table)} ({columns}) VALUES "  # noqa: S608 (quoted identifiers)
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    convert = [(f, _converter(f, connection)) for f in fields]
    params = [[c(f.pre_save(obj, True)) for f, c in convert] for obj in objs]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One multi-row statement per chunk: one round trip, where executemany makes one per row.
            step = max(1, _PG_MAX_PARAMS // len(fields))
            for start in range(0, len(params), step):
                chunk = params[start : start + step]
                cursor.execute(head + ", ".join([row_sql] * len(chunk)) + suffix, [v for row in chunk for v in row])
        else:  # SQLite runs executemany's loop in C
            cursor.executemany(head + row_sql + suffix, params)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using


def rows_update(objs: Sequence[Model], fields: Sequence[str], *, using: str = "default") -> None:
    """UPDATE the given fields of every object by primary key: one prepared statement, many rows.

    Same effect as ``bulk_update(objs, fields)`` (values taken as they are: ``auto_now`` fields
    are not touched unless listed and set by the caller).
    """
    if not objs:
        return
    meta = type(objs[0])._meta
    connection = connections[using]
    model_fields = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{_quote(using, f.column)} = %s" for f in model_fields)
    pk = meta.pk
    sql = f"UPDATE {_quote(using, meta.db_table)} SET {assignments} WHERE {_quote(using, pk.column)} = %s"  # noqa: S608
    convert = [(f.attname, _converter(f, connection)) for f in model_fields]
    params = [[c(getattr(obj, name)) for name, c in convert] + [obj.pk] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def ids_allocate(model: type[Model], count: int, *, using: str = "default") -> list[int]:
    """Reserve ``count`` new primary keys for ``model``, in ascending order, before inserting.

    PostgreSQL: ``nextval`` of the id column's sequence (safe under concurrency; a rolled-back
    transaction leaves a gap, as any insert does). SQLite: the next ids after both the
    AUTOINCREMENT counter and the largest id (ids are never reused); call it inside the write
    transaction — SQLite has one writer at a time, so a concurrent writer makes this transaction
    fail with "database is locked" instead of reusing an id. Inserting the explicit ids moves
    SQLite's counter along.
    """
    if count <= 0:
        return []
    connection = connections[using]
    table = model._meta.db_table
    pk_column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), pk_column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            sql = (
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
                f"coalesce((SELECT max({_quote(using, pk_column)}) FROM {_quote(using, table)}), 0))"
            )
            cursor.execute(sql, [table])
            start = int(cursor.fetchone()[0]) + 1
            return list(range(start, start + count))
    raise NotImplementedError(f"ids_allocate: unsupported database {connection.vendor!r}")
