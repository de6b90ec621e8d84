"""Set-based writes for the ingest path, without the ORM's per-value expression machinery.

Django's ``bulk_create`` resolves an expression for every value and ``bulk_update`` builds a
``CASE WHEN pk = … THEN …`` per row and per field; on a page of 100 messages that compile step
costs more than the database work. These helpers write the same rows with one statement per
table and chunk of rows on PostgreSQL (psycopg 3's ``executemany`` is still a statement per row)
and one prepared statement run by ``executemany`` on SQLite (whose loop runs in C), and
convert every value as the ORM would — with the conversion the ORM would pick for the field's
type done directly (an aware datetime, a JSON document), because on a page of messages the
ORM's generic ``get_db_prep_save`` path costs more than the INSERT.

Two shapes of input:

* model instances (``rows_insert`` / ``rows_update``): ``pre_save`` on insert, so ``auto_now``
  fields are set; objects are left as ``bulk_create`` would leave them;
* plain tuples in the order of a column list (``values_insert`` / ``values_update``): for hot
  paths that never need a model instance (a Model's ``__init__`` costs more than its INSERT).

Only for the hot ingest and batch-intake paths: everything else uses the ORM. (Moved here from
``crm_twitter.x.bulk_sql``: services and ``x/`` both write through it, so it sits below both.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from operator import attrgetter
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import Lookup, Model, signals
from django.db.models.base import ModelState
from django.utils import timezone

_PG_MAX_PARAMS = 60_000  # below PostgreSQL's 65,535 bind parameters per statement


def batch_atomic(using: str = "default") -> transaction.Atomic:
    """The transaction of a batch write: the caller's when it has one (no savepoint), else its own.

    A savepoint costs two round trips (``SAVEPOINT``, ``RELEASE``), and an ingest page passed
    through up to three nested batches (ingest, case opening, messages received): 5.2 of its 39
    statements on average in ``bench/ingest.py``. Nothing in a batch can be resumed halfway, so
    on an error the caller's whole transaction is marked for rollback (Django's
    ``savepoint=False``); a caller that means to go on after a failed batch opens its own
    savepoint around it, as ``x.outbound`` does.
    """
    return transaction.atomic(using=using, savepoint=False)


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
_JSON_TYPES = (dict, list, str, int, float, bool)


def _datetime_converter(field, connection) -> Callable[[Any], Any]:
    """An aware datetime as the backend stores it; one conversion per distinct value of a batch.

    SQLite (``USE_TZ``): naive text in the connection's time zone, exactly what
    ``adapt_datetimefield_value`` returns, without its per-call settings and timezone lookups.
    Anything unusual (naive values, expressions) takes the ORM's path.
    """
    prep = field.get_db_prep_save
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor == "sqlite" and settings.USE_TZ:
        zone = connection.timezone

        def adapt(value: dt.datetime) -> str:  # what the ORM returns, without its lookups
            if value.tzinfo is zone:  # the usual case (UTC): nothing to convert
                return str(value.replace(tzinfo=None))
            return str(value.astimezone(zone).replace(tzinfo=None))

    seen: dict[dt.datetime, Any] = {}

    def convert_time(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is dt.datetime and value.tzinfo is not None:  # aware: nothing to check
            out = seen.get(value)
            if out is None:
                out = seen[value] = adapt(value)
            return out
        return prep(value, connection)

    return convert_time


def _json_dumps(value: Any) -> bytes:
    """JSON as ``json.dumps`` writes it for the database, about 8× faster (orjson).

    Values orjson refuses and ``json.dumps`` takes (integers beyond 64 bits, non-string keys,
    lone surrogates from a hostile payload) go through ``json.dumps``, so they are stored or
    refused as before. Two differences, neither visible once the document is decoded: non-ASCII
    text is kept as UTF-8 instead of ``\\uXXXX`` escapes, and a non-finite float (not JSON;
    ``json.dumps`` writes ``NaN``, which PostgreSQL refuses) is stored as ``null``.
    """
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value).encode()


def _psycopg3() -> bool:
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def _converter(field, connection) -> Callable[[Any], Any]:
    """``field.get_db_prep_save`` with a shortcut for values whose conversion is known."""
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    plain = _AS_IS.get(kind)
    prep = field.get_db_prep_save
    if kind == "DateTimeField":
        return _datetime_converter(field, connection)
    if kind == "JSONField":
        adapt_json = connection.ops.adapt_json_value
        encoder = field.encoder
        return_json = partial(adapt_json, encoder=encoder)
        if encoder is None:  # the ORM's json.dumps, by orjson: every message carries its raw payload
            if connection.vendor == "sqlite":

                def return_json(value: Any) -> str:
                    return _json_dumps(value).decode()

            elif connection.vendor == "postgresql" and _psycopg3():
                from psycopg.types.json import Jsonb

                def return_json(value: Any) -> Any:  # what adapt_json_value returns, with our dumps
                    return Jsonb(value, dumps=_json_dumps)

        def convert_json(value: Any) -> Any:
            if value is None:  # SQL NULL, as the ORM stores a Python None
                return None
            if type(value) in _JSON_TYPES:
                return return_json(value)
            return prep(value, connection)

        return convert_json

    if plain is None:
        return lambda value: None if value is None else prep(value, connection)  # NULL as the ORM stores it

    def convert(value: Any) -> Any:
        # str/int/bool and their subclasses (TextChoices members) are their own database value;
        # anything else (a lazy translation, a Decimal in an integer column…) takes the ORM's path.
        if value is None or type(value) is plain or (type(value) is not bool and isinstance(value, plain)):
            return value  # (a bool in an integer column is converted: PostgreSQL would refuse it)
        return prep(value, connection)

    return convert


def _is_stamped(field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


# Statements at least this wide, too few rows for COPY or skipping conflicts, go as one array per
# column (``unnest``): measured on PostgreSQL 15 with pages of rows, a 50-column case insert costs
# about half as much as VALUES (the client quotes 50 arrays instead of 3,000 literals, the server
# parses less), while narrower tables carrying long text and JSON (tweets, case events) gain
# nothing or lose up to 30%: quoting long strings into an array literal costs more than quoting
# them alone.
_UNNEST_MIN_COLUMNS = 40
# Column types whose arrays round-trip exactly what the VALUES statement stores (no array columns:
# unnest would flatten them).
_UNNEST_TYPES = frozenset(
    {
        "bigint",
        "integer",
        "smallint",
        "boolean",
        "varchar",
        "text",
        "numeric",
        "double precision",
        "jsonb",
        "timestamp with time zone",
    }
)


# Statements of at least this many rows go by COPY on PostgreSQL (see ``_copy_insert``); wide rows
# that must skip conflicts keep unnest (their staging table would cost two more statements).
_COPY_MIN_ROWS = 20


def _logged(connection, sql: str, started: float) -> None:
    """Record a statement run outside Django's cursor wrapper (COPY) in the query log, so query
    counts (``django_assert_num_queries``, the debug toolbar) still see every statement."""
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def _copy_insert(
    cursor, connection, table: str, columns: str, suffix: str, params: list[Sequence[Any]], returning: str = ""
) -> list | None:
    """INSERT rows by COPY: for a page of 100 tweets a third of the time of one VALUES statement.

    A multi-row VALUES statement makes PostgreSQL parse and bind every value (1,900 for a page of
    tweets) and insert row by row; COPY streams them and inserts in batches. COPY cannot skip
    conflicts, so with ``ON CONFLICT DO NOTHING`` the rows go to a temporary table of the same
    columns first, and one statement moves them (``DELETE … RETURNING`` feeding the INSERT, so the
    staging table is empty again); it lives as long as the database session. Values are the ones
    VALUES would bind (same adapters), and a refused row fails the whole page as before.
    """
    target = table
    if suffix:
        # One staging table per table and column list, named by a digest of both.
        digest = hashlib.blake2b(f"{table}({columns})".encode(), digest_size=12).hexdigest()
        stage = connection.ops.quote_name(f"crm_stage_{digest}")
        # Every time, not once per session: behind a transaction-mode pooler (PgBouncer) the next
        # transaction may run in another session. When the table exists this is a catalog lookup.
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} AS SELECT {columns} FROM {table} WITH NO DATA")  # noqa: S608
        target = stage
    sql = f"COPY {target} ({columns}) FROM STDIN"
    started = time.monotonic()
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:  # Django's exception classes
        for row in params:
            copy.write_row(row)
    _logged(connection, sql, started)
    if suffix:
        cursor.execute(
            f"WITH staged AS (DELETE FROM {target} RETURNING {columns}) "  # noqa: S608 (quoted identifiers)
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM staged{suffix}{returning}"
        )
        return cursor.fetchall() if returning else None
    return None  # COPY straight into the table returns nothing


def _can_stage(connection) -> bool:
    """May this database user create temporary tables (the staging table of ``_copy_insert``)?

    Every role may by default; a hardened server can revoke TEMPORARY, and then conflict-skipping
    pages keep the VALUES statement. Asked once per database session.
    """
    raw = connection.connection
    if raw not in _TEMP_ALLOWED:
        with connection.cursor() as cursor:
            cursor.execute("SELECT has_database_privilege(current_database(), 'TEMPORARY')")
            _TEMP_ALLOWED[raw] = bool(cursor.fetchone()[0])
    return _TEMP_ALLOWED[raw]


_TEMP_ALLOWED: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()  # by DB-API connection


def _execute_insert(
    connection,
    model: type[Model],
    fields: Sequence[Any],
    suffix: str,
    params: list[Sequence[Any]],
    using: str,
    returning: str = "",
) -> list | None:
    """Write the rows; with ``returning`` (" RETURNING a, b"), the rows written where the statement
    can return them (PostgreSQL, not a plain COPY), else None."""
    width = len(fields)
    table = _quote(using, model._meta.db_table)
    columns = ", ".join(_quote(using, f.column) for f in fields)
    head = f"INSERT INTO {table} ({columns}) "
    row_sql = f"({', '.join(['%s'] * width)})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            step = max(1, _PG_MAX_PARAMS // width)
            types = [_cast_type(f, connection) for f in fields] if width >= _UNNEST_MIN_COLUMNS else []
            copyable = len(params) >= _COPY_MIN_ROWS and _psycopg3()
            # Wide rows go by COPY too when no conflict is skipped (no staging table): measured for
            # a page of 70 cases, 3 ms of client CPU against 6.5 ms for unnest and 14 ms for VALUES.
            if copyable and (not suffix or (not types and _can_stage(connection))):
                return _copy_insert(cursor, connection, table, columns, suffix, params, returning)
            written: list = []
            if types and _UNNEST_TYPES.issuperset(types):
                # Typed arrays, cast to the column's type without its modifier as in values_update:
                # assignment to the column then checks lengths and rounds as VALUES would.
                arrays = ", ".join(f"%s::{t}[]" for t in types)
                sql = f"{head}SELECT * FROM unnest({arrays}){suffix}{returning}"  # noqa: S608 (quoted identifiers, known types)
                for start in range(0, len(params), step):
                    cursor.execute(sql, [list(column) for column in zip(*params[start : start + step], strict=True)])
                    written += cursor.fetchall() if returning else []
                return written if returning else None
            # One multi-row statement per chunk: one round trip, where executemany makes one per row.
            for start in range(0, len(params), step):
                chunk = params[start : start + step]
                cursor.execute(
                    head + "VALUES " + ", ".join([row_sql] * len(chunk)) + suffix + returning,
                    [v for row in chunk for v in row],
                )
                written += cursor.fetchall() if returning else []
            return written if returning else None
        # SQLite runs executemany's loop in C (and returns no rows from it)
        cursor.executemany(head + "VALUES " + row_sql + suffix, params)
        return None


def rows_insert(objs: Sequence[Model], *, ignore_conflicts: bool = False, using: str = "default") -> None:
    """INSERT every object (all concrete fields; the primary key too when it is set).

    ``ignore_conflicts`` skips rows that violate a unique constraint (``ON CONFLICT DO NOTHING``,
    understood by PostgreSQL and SQLite ≥ 3.24). Without a primary key set the database assigns
    one, but it is not read back: callers that need ids allocate them first (``ids_allocate``).
    """
    if not objs:
        return
    model = type(objs[0])
    connection = connections[using]
    with_pk = objs[0].pk is not None
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    converters = [_converter(f, connection) for f in fields]
    # pre_save only where it does something (auto_now/auto_now_add); elsewhere it is a getattr.
    stamped = [(i, f) for i, f in enumerate(fields) if _is_stamped(f)]
    get = attrgetter(*[f.attname for f in fields], "pk")  # always a tuple; the extra pk is dropped
    params = []
    for obj in objs:
        row = list(get(obj)[:-1])
        for i, f in stamped:
            row[i] = f.pre_save(obj, True)
        params.append([c(v) for c, v in zip(converters, row, strict=True)])
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    _execute_insert(connection, model, fields, suffix, params, using)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using


def values_insert(
    model: type[Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
    using: str = "default",
) -> int:
    """INSERT plain tuples, in the order of ``columns`` (field names or attnames such as ``case_id``).

    Every concrete field not listed gets what the ORM would give it: ``auto_now``/``auto_now_add``
    the current time, otherwise its default (evaluated once for the batch; list the field when
    each row needs its own value). The primary key is the database's unless listed. Values are
    converted per column as ``rows_insert`` does. Returns the number of rows sent.
    """
    rows = list(rows)
    _values_insert(model, columns, rows, ignore_conflicts=ignore_conflicts, using=using)
    return len(rows)


def values_insert_returning(
    model: type[Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    returning: Sequence[str],
    *,
    ignore_conflicts: bool = False,
    using: str = "default",
) -> list[tuple] | None:
    """``values_insert``, handing back the ``returning`` columns of the rows it wrote (in no set
    order; rows skipped as conflicts are not among them), or None where the database cannot
    return them from the batch statement (SQLite's ``executemany``, a plain ``COPY``).

    Saves the read-back by key that the callers (new X users, new tweets) make otherwise; they
    still read back what is missing, so a row another transaction wrote first is found as before.
    """
    return _values_insert(
        model, columns, list(rows), ignore_conflicts=ignore_conflicts, using=using, returning=returning
    )


def _values_insert(
    model: type[Model],
    columns: Sequence[str],
    rows: list[Sequence[Any]],
    *,
    ignore_conflicts: bool,
    using: str,
    returning: Sequence[str] | None = None,
) -> list[tuple] | None:
    if not rows:
        return [] if returning is not None else None
    meta = model._meta
    connection = connections[using]
    fields = [meta.get_field(name) for name in columns]
    listed = {f.attname for f in fields}
    extra_fields, extra_values = [], []
    now = timezone.now()
    for f in meta.concrete_fields:
        if f.attname in listed or f.primary_key:
            continue
        # auto_now(_add): now; else the default, or what the ORM stores without one ("", NULL).
        value = now if _is_stamped(f) else f.get_default()
        extra_fields.append(f)
        extra_values.append(_converter(f, connection)(value))
    converters = [_converter(f, connection) for f in fields]
    tail = tuple(extra_values)
    params = [(*[c(v) for c, v in zip(converters, row, strict=True)], *tail) for row in rows]
    suffix = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    all_fields = [*fields, *extra_fields]
    if returning is None:
        _execute_insert(connection, model, all_fields, suffix, params, using)
        return None
    selected = [meta.get_field(name) for name in returning]
    written = _execute_insert(
        connection,
        model,
        all_fields,
        suffix,
        params,
        using,
        f" RETURNING {', '.join(_quote(using, f.column) for f in selected)}",
    )
    if written is None:
        return None
    converters = _read_converters(selected, meta.db_table, connection)
    out = []
    for row in written:
        row = list(row)
        for index, convert in converters:
            row[index] = convert(row[index])
        out.append(tuple(row))
    return out


def rows_update(objs: Sequence[Model], fields: Sequence[str], *, using: str = "default") -> None:
    """UPDATE the given fields of every object by primary key: one prepared statement, many rows.

    Same effect as ``bulk_update(objs, fields)`` (values taken as they are: ``auto_now`` fields
    are not touched unless listed and set by the caller).
    """
    if not objs:
        return
    meta = type(objs[0])._meta
    model_fields = [meta.get_field(name) for name in fields]
    get = attrgetter(*[f.attname for f in model_fields], "pk")
    values_update(type(objs[0]), fields, [get(obj) for obj in objs], using=using)


def values_update(
    model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]], *, using: str = "default"
) -> None:
    """UPDATE ``columns`` by primary key from tuples ``(*values, pk)``; a pk given twice gets its last row.

    PostgreSQL: one ``UPDATE … FROM (VALUES …)`` per chunk, because psycopg 3's ``executemany``
    is still one statement per row. SQLite: one prepared statement run by ``executemany``, whose
    loop runs in C (measured twice as fast as ``UPDATE … FROM`` there).
    """
    rows = list(rows)
    if not rows:
        return
    meta = model._meta
    connection = connections[using]
    model_fields = [meta.get_field(name) for name in columns]
    converters = [_converter(f, connection) for f in [*model_fields, meta.pk]]
    params = [[c(v) for c, v in zip(converters, row, strict=True)] for row in rows]
    if connection.vendor == "postgresql":
        types = [_cast_type(f, connection) for f in [*model_fields, meta.pk]]
        if None not in types:
            _update_from_values(connection, meta, model_fields, types, params, using)
            return
    assignments = ", ".join(f"{_quote(using, f.column)} = %s" for f in model_fields)
    sql = f"UPDATE {_quote(using, meta.db_table)} SET {assignments} WHERE {_quote(using, meta.pk.column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


# A type modifier: "(32)" in varchar(32), "(12, 2)" in numeric(12, 2).
_TYPMOD = re.compile(r"\(\s*\d+\s*(?:,\s*-?\d+\s*)?\)")
_PLAIN_TYPE = re.compile(r"[a-z][a-z0-9_ ]*(?:\[\])*")


def _cast_type(field, connection) -> str | None:
    """The type a VALUES column is cast to so PostgreSQL types it as the column, or None.

    VALUES has no target column to infer a type from: a column of NULLs would be text, which
    cannot be assigned to a boolean, a timestamp or jsonb. The modifier is dropped because an
    explicit cast to ``varchar(32)`` truncates a longer string (and ``numeric(12, 2)`` rounds)
    where ``SET column = value`` refuses it: without it the column's own assignment applies.
    None (a type this cannot spell) keeps the statement per row.
    """
    db_type = field.cast_db_type(connection)
    if not db_type:
        return None
    db_type = _TYPMOD.sub("", db_type).strip().lower()
    return db_type if _PLAIN_TYPE.fullmatch(db_type) else None


def _update_from_values(
    connection, meta, model_fields: Sequence[Any], types: Sequence[str], params: list[list[Any]], using: str
) -> None:
    """``UPDATE t SET a = v.c0, … FROM (VALUES …) AS v WHERE t.pk = v.pk``, chunked by parameters.

    A join updates a row once whatever the number of matching VALUES rows (PostgreSQL picks one),
    so only a pk's last row is kept — what the statement per row left. Rows go in pk order: the
    nested loop PostgreSQL plans for a page against a large table then locks them in pk order.
    """
    last = {row[-1]: row for row in params}
    try:
        params = [last[pk] for pk in sorted(last)]
    except TypeError:  # pks without an order: as given
        params = list(last.values())
    table = _quote(using, meta.db_table)
    alias = _quote(using, "_bulk_values")
    names = [_quote(using, f"c{i}") for i in range(len(model_fields))]
    pk_name = _quote(using, "pk")
    assignments = ", ".join(
        f"{_quote(using, f.column)} = {alias}.{name}" for f, name in zip(model_fields, names, strict=True)
    )
    row_sql = f"({', '.join(f'%s::{t}' for t in types)})"
    tail = (
        f") AS {alias} ({', '.join([*names, pk_name])}) "
        f"WHERE {table}.{_quote(using, meta.pk.column)} = {alias}.{pk_name}"
    )
    if _UNNEST_TYPES.issuperset(types):
        # One typed array per column, as in _execute_insert: the statement's text depends only on
        # the columns (the driver converts it once, not a placeholder per value: a page of cases
        # is 60 rows × 37 columns), and the server parses 37 parameters instead of 2,000.
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        sql = (
            f"UPDATE {table} SET {assignments} FROM unnest({arrays}) "  # noqa: S608 (quoted identifiers, known types)
            f"AS {alias} ({', '.join([*names, pk_name])}) "
            f"WHERE {table}.{_quote(using, meta.pk.column)} = {alias}.{pk_name}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [list(column) for column in zip(*params, strict=True)])
        return
    head = f"UPDATE {table} SET {assignments} FROM (VALUES "  # noqa: S608 (quoted identifiers)
    step = max(1, _PG_MAX_PARAMS // len(types))
    with connection.cursor() as cursor:
        for start in range(0, len(params), step):
            chunk = params[start : start + step]
            cursor.execute(head + ", ".join([row_sql] * len(chunk)) + tail, [v for row in chunk for v in row])


def _builder(model: type[Model], attnames: Sequence[str]) -> Callable[[Sequence[Any]], Model]:
    """``values`` (one per attname, in order) → a model instance, as ``model(*values)`` builds it.

    Without ``pre_init``/``post_init`` receivers (a host project's auditing app may have some:
    then the real ``__init__`` runs) the instance is filled directly: ``__init__`` sets every
    attribute through a descriptor check, which on a 60-field model costs more than the row.
    """
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return lambda values: model(*values)
    new = object.__new__

    def build(values: Sequence[Any]) -> Model:
        obj = new(model)
        obj.__dict__.update(zip(attnames, values, strict=True))
        obj._state = ModelState()
        return obj

    return build


def instances_factory(model: type[Model]) -> Callable[..., Model]:
    """A maker of unsaved ``model`` instances for hot loops: ``make(attname=value, …)``.

    Same instance as ``model(**values)`` — missing fields get their defaults, callable defaults
    are called per instance — several times cheaper (see ``_builder``). Takes attnames
    (``team_id``, not ``team``); related objects can be cached on the instance afterwards.
    """
    attnames = [f.attname for f in model._meta.concrete_fields]
    known = set(attnames)
    fixed: dict[str, Any] = {}
    per_instance: dict[str, Callable[[], Any]] = {}
    for f in model._meta.concrete_fields:
        if f.has_default() and callable(f.default):
            per_instance[f.attname] = f.default
        else:
            fixed[f.attname] = f.get_default()
    build = _builder(model, attnames)

    def make(**values: Any) -> Model:
        unknown = values.keys() - known
        if unknown:
            raise TypeError(f"{model.__name__} has no field(s) {sorted(unknown)}")
        return build(
            [
                values[name] if name in values else per_instance[name]() if name in per_instance else fixed[name]
                for name in attnames
            ]
        )

    return make


_IN_CHUNK = 500  # values per IN (...) list: well below SQLite's and PostgreSQL's parameter limits


def _read_converters(fields: Sequence[Any], table: str, connection) -> list[tuple[int, Callable[[Any], Any]]]:
    """Per selected column, what the ORM does to a database value (none for most columns).

    SQLite datetimes are naive: made aware in the connection's zone directly (a page of cases
    has thousands of them; ``make_aware`` re-checks settings and the zone for each).
    """
    out = []
    for index, f in enumerate(fields):
        expression = f.get_col(table)
        if connection.vendor == "sqlite" and settings.USE_TZ and f.get_internal_type() == "DateTimeField":

            def parse(
                value: Any, _prep=connection.ops.convert_datetimefield_value, _e=expression, _zone=connection.timezone
            ) -> Any:
                if type(value) is str:  # text (the connection's declared-type converters parse it otherwise)
                    try:
                        value = dt.datetime.fromisoformat(value)
                    except ValueError:
                        return _prep(value, _e, connection)
                if type(value) is dt.datetime and value.tzinfo is None:
                    return value.replace(tzinfo=_zone)  # what make_aware does with a fixed zone
                return _prep(value, _e, connection)

            out.append((index, parse))
            continue
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        if found:

            def convert(value: Any, _found=found, _e=expression) -> Any:
                for step in _found:
                    value = step(value, _e, connection)
                return value

            out.append((index, convert))
    return out


def _select_where_in(
    model: type[Model], fields: Sequence[Any], key: str, keys: Iterable[Any], *, suffix: str = "", using: str
) -> list[list]:
    keys = list(dict.fromkeys(keys))
    if not keys:
        return []
    meta = model._meta
    connection = connections[using]
    key_field = meta.get_field(key)
    convert_key = _converter(key_field, connection)
    converters = _read_converters(fields, meta.db_table, connection)
    select = ", ".join(_quote(using, f.column) for f in fields)
    head = f"SELECT {select} FROM {_quote(using, meta.db_table)} WHERE {_quote(using, key_field.column)} "  # noqa: S608
    key_type = _cast_type(key_field, connection) if connection.vendor == "postgresql" else None
    out: list[list] = []
    with connection.cursor() as cursor:
        if key_type is not None and key_type in _UNNEST_TYPES:
            # PostgreSQL: one typed array instead of a list of placeholders, so the statement's
            # text is the same for every page (the driver parses it once, not once per call).
            cursor.execute(f"{head}= ANY(%s::{key_type}[]){suffix}", [[convert_key(k) for k in keys]])
            batches = [cursor.fetchall()]
        else:
            batches = []
            for start in range(0, len(keys), _IN_CHUNK):
                chunk = [convert_key(k) for k in keys[start : start + _IN_CHUNK]]
                cursor.execute(head + f"IN ({', '.join(['%s'] * len(chunk))})" + suffix, chunk)
                batches.append(cursor.fetchall())
        for fetched in batches:
            for row in fetched:
                row = list(row)
                for index, convert in converters:
                    row[index] = convert(row[index])
                out.append(row)
    return out


def sql_in(column: str, field: Any, keys: Iterable[Any], *, using: str = "default") -> tuple[str, list]:
    """``column IN (keys)`` as a SQL condition and its parameters, for precomposed hot-path queries.

    PostgreSQL: one typed array (``column = ANY(%s::varchar[])``), so the statement's text is the
    same on every page: the driver converts it once, and Django's per-value ``__in`` machinery
    (a lookup object per value, 1–5 ms of CPU per query on a page of 100 messages) is skipped.
    Elsewhere: the placeholder list the ORM would write, so SQLite plans the query as before.
    ``field`` converts the keys as the ORM would (``Case._meta.pk``, ``Tweet._meta.get_field(…)``).
    """
    connection = connections[using]
    convert = _converter(field, connection)
    values = [convert(k) for k in dict.fromkeys(keys)]
    cast = _cast_type(field, connection) if connection.vendor == "postgresql" else None
    if cast is not None and cast in _UNNEST_TYPES:
        return f"{column} = ANY(%s::{cast}[])", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


class AnyOf(Lookup):
    """``AnyOf(F("conversation_id"), keys)`` in ``filter()``: ``IN (keys)`` as ``sql_in`` writes it.

    For ORM queries on the ingest path that filter by a page's worth of keys: Django's ``__in``
    prepares, resolves and quotes every value one by one; here they are converted once and, on
    PostgreSQL, sent as one array. No keys match nothing (the condition drops out of an ``OR``,
    as ``__in`` with an empty list does).
    """

    lookup_name = "crm_any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list:
        return list(self.rhs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list]:
        if not self.rhs:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        condition, params = sql_in(lhs, self.lhs.output_field, self.rhs, using=connection.alias)
        return condition, [*lhs_params, *params]


def rows_fetch(sql: str, params: Sequence[Any], fields: Sequence[Any], *, using: str = "default") -> list[list]:
    """Run a precomposed SELECT whose columns are ``fields``; values converted as the ORM would."""
    connection = connections[using]
    converters = _read_converters(fields, fields[0].model._meta.db_table, connection) if fields else []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [list(row) for row in cursor.fetchall()]
    for row in rows:
        for index, convert in converters:
            row[index] = convert(row[index])
    return rows


def values_where_in(
    model: type[Model], columns: Sequence[str], key: str, keys: Iterable[Any], *, using: str = "default"
) -> list[tuple]:
    """``SELECT columns FROM table WHERE key IN keys`` as tuples, values converted as the ORM would.

    The same rows as ``model.objects.filter(<key>__in=keys).values_list(*columns)`` without
    building and compiling a query per call; for the ingest path's lookups by X id.
    """
    fields = [model._meta.get_field(name) for name in columns]
    return [tuple(row) for row in _select_where_in(model, fields, key, keys, using=using)]


def instances_locked(model: type[Model], pks: Iterable[Any], *, using: str = "default") -> list[Model]:
    """``select_for_update().filter(pk__in=pks).order_by("pk")`` as model instances, for hot paths.

    Rows are locked in primary-key order (PostgreSQL ``FOR UPDATE``; SQLite has one writer),
    so two batches locking overlapping sets cannot deadlock. Instances are built as the ORM
    builds them (``from_db``), with its value conversions.
    """
    meta = model._meta
    connection = connections[using]
    suffix = f" ORDER BY {_quote(using, meta.pk.column)}"
    if connection.features.has_select_for_update:
        suffix += " FOR UPDATE"
    fields = list(meta.concrete_fields)
    attnames = [f.attname for f in fields]
    rows = _select_where_in(model, fields, meta.pk.attname, sorted(set(pks)), suffix=suffix, using=using)
    at = attnames.index(meta.pk.attname)
    rows.sort(key=lambda row: row[at])  # several IN chunks: pk order overall
    build = _builder(model, attnames)
    out = []
    for row in rows:  # as from_db leaves them: saved, on this database
        obj = build(row)
        obj._state.adding = False
        obj._state.db = using
        out.append(obj)
    return out


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
