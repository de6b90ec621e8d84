"""The raw SQL the services and reports need, in one place: quoting, placeholders, parameters
as the backend stores them, and running a statement with its rows or row count.

Raw SQL is used only where the ORM cannot say it cheaply (a set-based ``INSERT … SELECT``, a
window function over a compiled queryset, an index-friendly count on SQLite); these helpers keep
the dialect differences (JSON object builder, datetime parameters) out of the callers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections


def qn(name: str, *, using: str = "default") -> str:
    """A table or column name quoted for the backend."""
    return connections[using].ops.quote_name(name)


def placeholders(count: int) -> str:
    """``%s, %s, …`` for an ``IN (…)`` list or a VALUES row of ``count`` parameters."""
    if count < 1:
        raise ValueError("an IN list needs at least one value")
    return ", ".join(["%s"] * count)


def datetime_param(value: dt.datetime, *, using: str = "default") -> Any:
    """A datetime as a raw statement's parameter, the way the ORM would store it."""
    return connections[using].ops.adapt_datetimefield_value(value)


def json_object_sql(*, using: str = "default") -> str:
    """The backend's function that builds a JSON object from key/value arguments."""
    return "jsonb_build_object" if connections[using].vendor == "postgresql" else "json_object"


def rows_fetch(sql: str, params: Sequence[Any] = (), *, using: str = "default") -> list[tuple]:
    """Run a SELECT and return all its rows as tuples."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


def statement_run(sql: str, params: Sequence[Any] = (), *, using: str = "default") -> int:
    """Run one INSERT/UPDATE/DELETE; returns the number of rows it touched (0 when unknown)."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, list(params))
        return max(cursor.rowcount, 0)


def statement_run_many(sql: str, param_rows: Iterable[Sequence[Any]], *, using: str = "default") -> None:
    """Run one statement once per parameter row (``executemany``)."""
    with connections[using].cursor() as cursor:
        cursor.executemany(sql, [list(row) for row in param_rows])
