"""Order import from the shop: validate, upsert by (store, order number), link to people and cases.

The shop is the source of truth for its orders, so importing the same rows twice leaves the
same state (idempotent by ``(store, order_number)``). Each row stands alone: a bad row is
reported with its field and reason and never stops or half-writes the others. Fields absent
from a row are left as they are on an existing order; ``items``, when present, replace the
order's items. Work is set-based (validated in Python, written with one bulk upsert per chunk)
so a 100,000-row import takes seconds, not minutes.

After the write, imported orders are linked to the customer they belong to (by e-mail, shop
customer id or X handle) and to open cases whose messages mention their numbers, so an agent
looking at the case sees the order at once.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, connections, router, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crm_twitter.currencies import currency_is_valid
from crm_twitter.db.sql import rows_fetch, statement_run, statement_run_many
from crm_twitter.models import OPEN_STATUSES, Customer, DirectMessage, Order, OrderItem, Tweet, XUser
from crm_twitter.services.order_matching import case_orders_link_many, order_numbers_find, tracking_numbers_find

logger = logging.getLogger("crm_twitter.orders")

DEFAULT_STORE = "default"
CHUNK_SIZE = 1000
MAX_ITEMS_PER_ORDER = 1000
MAX_AMOUNT = Decimal("9999999999.99")  # Order.total_amount: 12 digits, 2 decimals
MAX_QUANTITY = 2_147_483_647

# name -> max length, for the plain text fields of an order row.
TEXT_FIELDS: dict[str, int] = {
    "marketplace": 64,
    "payment_method": 32,
    "payment_reference": 100,
    "carrier": 64,
    "tracking_number": 64,
}
DATETIME_FIELDS = ("ordered_at", "shipped_at", "delivered_at")
ROW_FIELDS = frozenset(
    {
        "store",
        "order_number",
        "status",
        "customer_email",
        "customer_handle",
        "customer_external_id",
        "destination_country",
        "currency",
        "total_amount",
        "items",
        "raw",
        *TEXT_FIELDS,
        *DATETIME_FIELDS,
    }
)
ITEM_FIELDS = frozenset({"sku", "title", "quantity", "unit_price", "price"})
# Row keys that are not Order columns (used for linking or handled separately).
NON_COLUMNS = frozenset({"items", "customer_external_id"})
HANDLE_RE = re.compile(r"^[A-Za-z0-9_]{1,50}$")
_WHOLE_NUMBER_RE = re.compile(r"-?[0-9]{1,30}")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
STATUSES = frozenset(Order.Status.values)


@dataclass(frozen=True)
class RowResult:
    """What happened to one input row: ``created``, ``updated`` or ``error`` (with reasons)."""

    index: int
    status: str
    store: str = ""
    order_number: str = ""
    order_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status != "error"


class _RowInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass
class _CleanRow:
    index: int
    store: str
    order_number: str
    values: dict[str, Any]  # Order column values present in the row
    items: list[dict[str, Any]] | None  # None = leave the order's items alone
    email: str = ""
    handle: str = ""
    external_id: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.store, self.order_number


# --- validation -----------------------------------------------------------------------------


def _text(value: Any, name: str, max_length: int, errors: dict[str, list[str]], *, required: bool = False) -> str:
    if value is None:
        value = ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors.setdefault(name, []).append("Must be a string.")
        return ""
    value = str(value).strip()
    if required and not value:
        errors.setdefault(name, []).append("This field is required.")
    elif len(value) > max_length:
        errors.setdefault(name, []).append(f"At most {max_length} characters.")
    return value


def _decimal(value: Any, name: str, errors: dict[str, list[str]], *, maximum: Decimal = MAX_AMOUNT) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        errors.setdefault(name, []).append('Must be a decimal number, e.g. "59.90".')
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors.setdefault(name, []).append('Must be a decimal number, e.g. "59.90".')
        return None
    if not number.is_finite():
        errors.setdefault(name, []).append("Must be a finite number.")
        return None
    if number < 0:
        errors.setdefault(name, []).append("Must be zero or more.")
        return None
    if number > maximum:
        errors.setdefault(name, []).append(f"Must be at most {maximum}.")
        return None
    if number != number.quantize(Decimal("0.01")):
        errors.setdefault(name, []).append("At most 2 decimal places.")
        return None
    return number.quantize(Decimal("0.01"))


def _datetime(value: Any, name: str, errors: dict[str, list[str]]):
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        errors.setdefault(name, []).append("Must be an ISO 8601 date-time string.")
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        errors.setdefault(name, []).append("Must be an ISO 8601 date-time, e.g. 2026-11-02T10:00:00Z.")
        return None
    if timezone.is_naive(parsed):
        errors.setdefault(name, []).append("Include a time zone offset, e.g. 2026-11-02T10:00:00+08:00.")
        return None
    return parsed


def _quantity(value: Any, name: str, errors: dict[str, list[str]]) -> int | None:
    if isinstance(value, bool):
        value = None
    elif isinstance(value, str) and _WHOLE_NUMBER_RE.fullmatch(value.strip()):
        # ASCII digits only: "²".isdigit() is true too, and int() refuses it.
        value = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        errors.setdefault(name, []).append("Must be a whole number.")
        return None
    if value < 1:
        errors.setdefault(name, []).append("Must be at least 1.")
        return None
    if value > MAX_QUANTITY:
        errors.setdefault(name, []).append(f"Must be at most {MAX_QUANTITY}.")
        return None
    return value


def _items(value: Any, errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        errors.setdefault("items", []).append("Must be a list of items.")
        return []
    if len(value) > MAX_ITEMS_PER_ORDER:
        errors.setdefault("items", []).append(f"At most {MAX_ITEMS_PER_ORDER} items per order.")
        return []
    items = []
    for i, item in enumerate(value):
        prefix = f"items.{i}"
        if not isinstance(item, Mapping):
            errors.setdefault(prefix, []).append("Must be an object with sku, quantity and unit_price.")
            continue
        for unknown in sorted(set(item) - ITEM_FIELDS, key=str):
            errors.setdefault(f"{prefix}.{unknown}", []).append("Unknown field.")
        if "price" in item and "unit_price" in item:
            errors.setdefault(f"{prefix}.price", []).append("Give unit_price or price, not both.")
        price_raw = item.get("unit_price", item.get("price", "0"))
        items.append(
            {
                "sku": _text(item.get("sku"), f"{prefix}.sku", 64, errors, required=True),
                "title": _text(item.get("title"), f"{prefix}.title", 300, errors),
                "quantity": _quantity(item.get("quantity", 1), f"{prefix}.quantity", errors),
                "unit_price": _decimal(price_raw, f"{prefix}.unit_price", errors),
            }
        )
    return items


def order_row_clean(row: Any, *, index: int, default_store: str | None = None) -> _CleanRow:
    """Validate one order row; raises ``_RowInvalid`` with ``{field: [reasons]}``."""
    errors: dict[str, list[str]] = {}
    if not isinstance(row, Mapping):
        raise _RowInvalid({"non_field_errors": ["Each row must be an object."]})
    for unknown in sorted(set(row) - ROW_FIELDS, key=str):
        errors.setdefault(str(unknown), []).append("Unknown field.")
    store = _text(row.get("store") or default_store or DEFAULT_STORE, "store", 64, errors, required=True)
    number = _text(row.get("order_number"), "order_number", 64, errors, required=True)
    values: dict[str, Any] = {}
    for name, max_length in TEXT_FIELDS.items():
        if name in row:
            values[name] = _text(row[name], name, max_length, errors)
    if "status" in row:
        status = _text(row["status"], "status", 16, errors).lower()
        if status not in STATUSES:
            errors.setdefault("status", []).append(f"Must be one of: {', '.join(sorted(STATUSES))}.")
        values["status"] = status
    if "currency" in row:
        currency = _text(row["currency"], "currency", 3, errors).upper()
        if "currency" not in errors and not currency_is_valid(currency):
            errors.setdefault("currency", []).append("Must be an ISO 4217 currency code, e.g. EUR.")
        values["currency"] = currency
    if "total_amount" in row:
        values["total_amount"] = _decimal(row["total_amount"], "total_amount", errors)
    if "destination_country" in row:
        country = _text(row["destination_country"], "destination_country", 2, errors).upper()
        if country and not COUNTRY_RE.match(country):
            errors.setdefault("destination_country", []).append("Must be an ISO 3166-1 alpha-2 code, e.g. DE.")
        values["destination_country"] = country
    email = handle = external_id = ""
    if "customer_email" in row:
        email = _text(row["customer_email"], "customer_email", 254, errors).lower()
        if email:
            try:
                validate_email(email)
            except DjangoValidationError:
                errors.setdefault("customer_email", []).append("Must be a valid e-mail address.")
        values["customer_email"] = email
    if "customer_handle" in row:
        handle = _text(row["customer_handle"], "customer_handle", 51, errors).lstrip("@")
        if handle and not HANDLE_RE.match(handle):
            errors.setdefault("customer_handle", []).append("Must be an X handle (letters, digits, _).")
        values["customer_handle"] = handle
    if "customer_external_id" in row:
        external_id = _text(row["customer_external_id"], "customer_external_id", 100, errors)
    for name in DATETIME_FIELDS:
        if name in row:
            values[name] = _datetime(row[name], name, errors)
    if "raw" in row:
        if not isinstance(row["raw"], Mapping):
            errors.setdefault("raw", []).append("Must be an object.")
        values["raw"] = dict(row["raw"]) if isinstance(row["raw"], Mapping) else {}
    items = _items(row["items"], errors) if "items" in row else None
    if errors:
        raise _RowInvalid(errors)
    return _CleanRow(index, store, number, values, items, email, handle.lower(), external_id)


# --- linking ----------------------------------------------------------------------------------


def _customers_find(rows: Sequence[_CleanRow]) -> dict[int, int]:
    """Row index -> customer id, by shop customer id, then e-mail, then X handle (3 queries)."""
    by_external: dict[str, int] = {}
    by_email: dict[str, int] = {}
    by_handle: dict[str, int] = {}
    externals = {r.external_id for r in rows if r.external_id}
    emails = {r.email for r in rows if r.email}
    handles = {r.handle for r in rows if r.handle}
    if externals:
        for ext, pk in (
            Customer.objects.filter(external_id__in=externals).order_by("-id").values_list("external_id", "id")
        ):
            by_external[ext] = pk
    if emails:
        qs = Customer.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
        for email, pk in qs.order_by("-id").values_list("email_lower", "id"):
            by_email[email] = pk
    if handles:
        qs = XUser.objects.annotate(handle_lower=Lower("handle")).filter(
            handle_lower__in=handles, customer__isnull=False
        )
        for handle, pk in qs.order_by("updated_at").values_list("handle_lower", "customer_id"):
            by_handle[handle] = pk
    found = {}
    for r in rows:
        pk = by_external.get(r.external_id) or by_email.get(r.email) or by_handle.get(r.handle)
        if pk:
            found[r.index] = pk
    return found


def orders_link_to_open_cases(*, numbers: Mapping[str, Iterable[int]]) -> int:
    """Link orders to open cases whose customer messages mention their number or tracking number.

    ``numbers`` maps an upper-cased order or tracking number to the ids of the orders carrying
    it. Only open cases are considered: a closed dispute is history, and re-linking it would
    write audit events to cases nobody is working on. Their inbound messages are scanned once per
    call (a small, bounded set) with x-sync's matcher (``order_matching``), so the patterns are
    the same as at ingest; links and their ORDER_LINKED events are written by its
    ``case_orders_link_many`` (idempotent: an existing link is left alone). Returns links made.
    """
    if not numbers:
        return 0
    texts = [
        *Tweet.objects.filter(case__status__in=OPEN_STATUSES, direction="inbound").values_list("case_id", "text"),
        *DirectMessage.objects.filter(case__status__in=OPEN_STATUSES, direction="inbound").values_list(
            "case_id", "text"
        ),
    ]
    wanted: dict[int, set[int]] = defaultdict(set)
    for case_id, text in texts:
        for number in [*order_numbers_find(text or ""), *tracking_numbers_find(text or "")]:
            wanted[case_id].update(numbers.get(number, ()))
    wanted = {case_id: ids for case_id, ids in wanted.items() if ids}
    if not wanted:
        return 0
    orders = Order.objects.in_bulk({pk for ids in wanted.values() for pk in ids})
    return case_orders_link_many(
        links={case_id: [orders[pk] for pk in sorted(ids) if pk in orders] for case_id, ids in wanted.items()},
        message="Imported order mentioned in this case.",
    )


# --- the upsert ---------------------------------------------------------------------------------


def _order_from(row: _CleanRow, customer_id: int | None) -> Order:
    order = Order(store=row.store, order_number=row.order_number, **row.values)
    order.customer_id = customer_id
    return order


# The hand-written statements below only interpolate quoted identifiers from the model's meta
# and "%s" placeholders; every value travels as a parameter.
# Vendors whose SQL has ``INSERT … ON CONFLICT (…) DO UPDATE`` (the ones the app supports).
UPSERT_VENDORS = ("sqlite", "postgresql")
PASS_THROUGH_TYPES = {"CharField", "EmailField", "TextField", "ForeignKey"}


def _converter(field, conn):
    """Python value -> database value for one column, looked up once per chunk, not per value."""
    if field.get_internal_type() in PASS_THROUGH_TYPES:
        return None
    return lambda value: None if value is None else field.get_db_prep_save(value, conn)


def _upsert_orders_sql(rows: Sequence[_CleanRow], columns: frozenset[str], customer_ids: list[int | None]) -> None:
    """One ``INSERT … ON CONFLICT (store, order_number) DO UPDATE`` for the chunk, via executemany.

    The ORM's ``bulk_create(update_conflicts=True)`` builds the same statement but spends most of
    an import in per-value Python (and SQLite's 999-parameter batches); this keeps the import
    bound by the database. Absent columns get the model default on insert and are not updated.
    """
    conn = connections[router.db_for_write(Order)]
    opts = Order._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    given = columns - NON_COLUMNS - {"store", "order_number"}
    now = timezone.now()
    defaults = {f.attname: f.get_default() for f in fields}
    converters = [(f.attname, _converter(f, conn)) for f in fields]
    params = []
    for row, customer_id in zip(rows, customer_ids, strict=True):
        values = {
            **defaults,
            **row.values,
            "store": row.store,
            "order_number": row.order_number,
            "customer_id": customer_id,
            "created_at": now,
            "updated_at": now,
        }
        params.append([values[name] if convert is None else convert(values[name]) for name, convert in converters])
    qn = conn.ops.quote_name
    update_columns = [opts.get_field(name).column for name in sorted(given)] + ["customer_id", "updated_at"]
    sql = (
        f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({qn('store')}, {qn('order_number')}) DO UPDATE SET "
        + ", ".join(f"{qn(c)} = EXCLUDED.{qn(c)}" for c in update_columns)
    )
    statement_run_many(sql, params, using=conn.alias)


def _insert_items_sql(items: list[tuple[int, dict[str, Any]]]) -> None:
    conn = connections[router.db_for_write(OrderItem)]
    opts = OrderItem._meta
    price = opts.get_field("unit_price")
    qn = conn.ops.quote_name
    sql = (
        f"INSERT INTO {qn(opts.db_table)} ({qn('order_id')}, {qn('sku')}, {qn('title')}, {qn('quantity')}, "  # noqa: S608
        f"{qn('unit_price')}) VALUES (%s, %s, %s, %s, %s)"
    )
    params = [
        (order_id, i["sku"], i["title"], i["quantity"], price.get_db_prep_save(i["unit_price"], conn))
        for order_id, i in items
    ]
    statement_run_many(sql, params, using=conn.alias)


def _orders_by_key(keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int | None]]:
    """(store, number) -> (id, customer id) for the orders that exist, in one plain query.

    Plain SQL because the ORM prepares each of the thousand ``IN`` values through the field,
    which costs more than the query itself.
    """
    if not keys:
        return {}
    conn = connections[router.db_for_read(Order)]
    qn = conn.ops.quote_name
    numbers = sorted({number for _, number in keys})
    sql = (
        f"SELECT {qn('id')}, {qn('store')}, {qn('order_number')}, {qn('customer_id')} "  # noqa: S608
        f"FROM {qn(Order._meta.db_table)} WHERE {qn('order_number')} IN ({', '.join(['%s'] * len(numbers))})"
    )
    wanted = set(keys)
    return {(s, n): (pk, c) for pk, s, n, c in rows_fetch(sql, numbers, using=conn.alias) if (s, n) in wanted}


def _items_delete(order_ids: Sequence[int]) -> None:
    """Drop the items of these orders (nothing references an item, so no cascade to follow)."""
    conn = connections[router.db_for_write(OrderItem)]
    qn = conn.ops.quote_name
    statement_run(
        f"DELETE FROM {qn(OrderItem._meta.db_table)} WHERE {qn('order_id')} IN "  # noqa: S608
        f"({', '.join(['%s'] * len(order_ids))})",
        list(order_ids),
        using=conn.alias,
    )


def _write_chunk(
    rows: Sequence[_CleanRow],
    columns: frozenset[str],
    customers: dict[int, int],
    existing: dict[tuple[str, str], tuple[int, int | None]],
) -> dict[tuple[str, str], int]:
    """Upsert one chunk of rows sharing the same columns; returns key -> order id."""
    customer_ids = []
    for row in rows:
        current = existing.get(row.key)
        customer_ids.append(customers.get(row.index) or (current[1] if current else None))
    fast = connections[router.db_for_write(Order)].vendor in UPSERT_VENDORS
    if fast:
        _upsert_orders_sql(rows, columns, customer_ids)
    else:
        objs = [_order_from(row, customer_id) for row, customer_id in zip(rows, customer_ids, strict=True)]
        update_fields = sorted((columns - NON_COLUMNS - {"store", "order_number"}) | {"customer", "updated_at"})
        Order.objects.bulk_create(
            objs, update_conflicts=True, unique_fields=["store", "order_number"], update_fields=update_fields
        )
    ids = {key: value[0] for key, value in existing.items()}
    new_keys = [r.key for r in rows if r.key not in ids]
    if new_keys:
        ids.update({key: value[0] for key, value in _orders_by_key(new_keys).items()})
    with_items = [r for r in rows if r.items is not None]
    if with_items:
        _items_delete([ids[r.key] for r in with_items])
        items = [(ids[r.key], item) for r in with_items for item in r.items]
        if fast:
            _insert_items_sql(items)
        else:
            OrderItem.objects.bulk_create([OrderItem(order_id=oid, **item) for oid, item in items], batch_size=2000)
    return ids


def orders_upsert(*, rows: Sequence[Any], store: str | None = None, link_cases: bool = True) -> list[RowResult]:
    """Create or update orders by ``(store, order_number)``; one ``RowResult`` per input row, in order.

    ``store`` is the default for rows that do not name one. A row naming the same order as an
    earlier row of the same call is refused as a duplicate (which one should win is ambiguous).
    """
    results: dict[int, RowResult] = {}
    clean: list[_CleanRow] = []
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        try:
            c = order_row_clean(row, index=index, default_store=store)
        except _RowInvalid as exc:
            number = row.get("order_number") if isinstance(row, Mapping) else ""
            results[index] = RowResult(index, "error", order_number=str(number or "")[:64], errors=exc.errors)
            continue
        if c.key in seen:
            results[index] = RowResult(
                index,
                "error",
                c.store,
                c.order_number,
                errors={"order_number": [f"Duplicate of row {seen[c.key]} in this import."]},
            )
            continue
        seen[c.key] = index
        clean.append(c)

    written: list[tuple[_CleanRow, int, bool]] = []  # row, order id, created
    for offset in range(0, len(clean), CHUNK_SIZE):
        chunk = clean[offset : offset + CHUNK_SIZE]
        existing = _orders_by_key([r.key for r in chunk])
        customers = _customers_find(chunk)
        groups: dict[frozenset[str], list[_CleanRow]] = defaultdict(list)
        for r in chunk:
            groups[frozenset(r.values) | ({"items"} if r.items is not None else set())].append(r)
        for columns, group in groups.items():
            try:
                with transaction.atomic():
                    ids = _write_chunk(group, columns, customers, existing)
                written.extend((r, ids[r.key], r.key not in existing) for r in group)
            except DatabaseError:
                # Something the validation did not foresee: find the culprit row by row.
                for r in group:
                    try:
                        with transaction.atomic():
                            ids = _write_chunk([r], columns, customers, existing)
                        written.append((r, ids[r.key], r.key not in existing))
                    except DatabaseError as exc:
                        logger.warning("Order row %s refused by the database: %s", r.index, exc)
                        results[r.index] = RowResult(
                            r.index,
                            "error",
                            r.store,
                            r.order_number,
                            errors={"non_field_errors": ["The database refused this row."]},
                        )

    for r, pk, created in written:
        results[r.index] = RowResult(r.index, "created" if created else "updated", r.store, r.order_number, pk)
    if link_cases and written:
        numbers: dict[str, set[int]] = defaultdict(set)
        for r, pk, _created in written:
            numbers[r.order_number.upper()].add(pk)
            if r.values.get("tracking_number"):
                numbers[r.values["tracking_number"].upper()].add(pk)
        orders_link_to_open_cases(numbers=numbers)
    return [results[i] for i in range(len(rows))]
