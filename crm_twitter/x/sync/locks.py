"""One sync per account at a time, and cursors that only move forward once their rows committed."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from django.db import transaction

from crm_twitter.db.locks import advisory_lock_held
from crm_twitter.models import BrandAccount
from crm_twitter.x.ingest import IngestResult
from crm_twitter.x.sync.state import CURSOR_FIELDS, id_int

# Namespace of the sync's advisory lock (the account id is the second key).
LOCK_NAMESPACE = "crm_twitter.sync"


@contextlib.contextmanager
def account_sync_lock(account_id: int) -> Iterator[None]:
    """Hold the account's sync lock for a whole run; a second run of the account waits for it.

    A transaction-level advisory lock held by a connection of its own for the run
    (``crm_twitter.db.locks.advisory_lock_held``): the run itself commits page by page, and a
    session-level lock would leak behind a transaction-mode pooler (PgBouncer). On SQLite there
    is no lock: page writes are serialised by the database itself and cursors only move
    forward, so concurrent runs stay correct without it.
    """
    with advisory_lock_held(LOCK_NAMESPACE, account_id):
        yield


def ingest_locked(account: BrandAccount, page: Any, ingest: Callable[..., IngestResult]) -> IngestResult:
    """Ingest one page while holding the account row lock, so existence checks and inserts of two
    workers never interleave."""
    with transaction.atomic():
        locked = BrandAccount.objects.select_for_update().get(pk=account.pk)
        return ingest(account=locked, page=page)


def cursor_advance(*, account: BrandAccount, stream: str, value: str) -> bool:
    """Move a stream's cursor forward to ``value`` — only forward, and only after its rows committed."""
    name = CURSOR_FIELDS[stream]
    with transaction.atomic():
        locked = BrandAccount.objects.select_for_update().get(pk=account.pk)
        if id_int(value) <= id_int(getattr(locked, name)):
            setattr(account, name, getattr(locked, name))
            return False
        setattr(locked, name, value)
        locked.save(update_fields=[name, "updated_at"])
    setattr(account, name, value)
    return True
