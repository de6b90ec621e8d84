"""Advisory locks that stay correct behind a transaction-mode connection pooler (PgBouncer).

A session-level ``pg_advisory_lock`` belongs to a server connection; behind a pooler in
transaction mode the next statement may run on another one, so the unlock misses (the lock
leaks until the server connection closes) and a second worker may get the "same" lock. A
transaction-level lock (``pg_advisory_xact_lock``) lives exactly as long as one transaction,
which a pooler keeps on one server connection, and is released by COMMIT or ROLLBACK — it
cannot leak.

SQLite has no advisory locks: every helper here is a no-op there. That is safe for what the app
locks: SQLite lets one writer at a time in, and the work these locks guard (a sync run) only
moves cursors forward and ingests idempotently, so concurrent runs on one machine stay correct;
they just may read a page from X twice.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator

from django.db import connections


def lock_key(namespace: str) -> int:
    """A stable 31-bit key for a namespace name (the first of the two advisory-lock keys)."""
    return zlib.crc32(namespace.encode()) & 0x7FFFFFFF


def _is_postgres(using: str) -> bool:
    return connections[using].vendor == "postgresql"


def advisory_xact_lock(namespace: str, key: int, *, using: str = "default") -> None:
    """Wait for and take the (namespace, key) lock until the current transaction ends.

    Call it inside ``transaction.atomic()``: outside one (autocommit) the lock would end with the
    statement that took it. No-op on SQLite (see the module docstring).
    """
    if not _is_postgres(using):
        return
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("advisory_xact_lock needs a transaction: call it inside transaction.atomic()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [lock_key(namespace), key])


def advisory_xact_try_lock(namespace: str, key: int, *, using: str = "default") -> bool:
    """Take the (namespace, key) lock until the current transaction ends if it is free; False if
    someone holds it. Always True on SQLite."""
    if not _is_postgres(using):
        return True
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("advisory_xact_try_lock needs a transaction: call it inside transaction.atomic()")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [lock_key(namespace), key])
        return bool(cursor.fetchone()[0])


@contextlib.contextmanager
def advisory_lock_held(namespace: str, key: int, *, using: str = "default") -> Iterator[None]:
    """Hold the (namespace, key) lock around a block that commits transactions of its own.

    Why: a sync run commits page by page (so a crash keeps what was stored) but must run alone
    for its account. The lock is taken with ``pg_advisory_xact_lock`` in a transaction of a
    dedicated connection that stays open for the block and is rolled back at its end, so the
    lock is transaction-level — safe under transaction pooling — and is released even when the
    block raises. Costs one extra database connection per holder while it runs (mind
    ``idle_in_transaction_session_timeout`` for very long blocks). Waits while another holder runs.
    No-op on SQLite.
    """
    if not _is_postgres(using):
        yield
        return
    holder = connections.create_connection(using)
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [lock_key(namespace), key])
        yield
    finally:
        try:
            holder.rollback()
        finally:
            holder.close()
