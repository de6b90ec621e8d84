"""``crm_twitter.db.locks``: transaction-level advisory locks (PostgreSQL), no-ops on SQLite."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from crm_twitter.db.locks import advisory_lock_held, advisory_xact_lock, advisory_xact_try_lock, lock_key

pytestmark = pytest.mark.django_db


def test_a_namespace_always_gets_the_same_key_within_postgres_int_range():
    assert lock_key("crm_twitter.sync") == lock_key("crm_twitter.sync")
    assert lock_key("crm_twitter.sync") != lock_key("crm_twitter.other")
    assert 0 <= lock_key("crm_twitter.sync") < 2**31


def test_an_xact_lock_outside_a_transaction_is_refused_rather_than_silently_dropped(on_postgres):
    # pytest-django wraps the test in a transaction; leave it to look like autocommit code.
    connection.in_atomic_block, saved = False, connection.in_atomic_block
    try:
        with pytest.raises(RuntimeError, match="transaction"):
            advisory_xact_lock("tests.locks", 1)
    finally:
        connection.in_atomic_block = saved


def test_on_sqlite_every_lock_is_free_and_the_block_runs():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite behaviour")
    with advisory_lock_held("tests.locks", 1), advisory_lock_held("tests.locks", 1), transaction.atomic():
        advisory_xact_lock("tests.locks", 1)
        assert advisory_xact_try_lock("tests.locks", 1)


def _holder_running(namespace: str, key: int, started: threading.Event, release: threading.Event) -> threading.Thread:
    def hold():
        try:
            with advisory_lock_held(namespace, key):
                started.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert started.wait(10)
    return thread


def test_a_held_lock_keeps_others_out_until_its_block_ends(on_postgres):
    started, release = threading.Event(), threading.Event()
    thread = _holder_running("tests.locks", 7, started, release)
    try:
        with transaction.atomic():
            assert not advisory_xact_try_lock("tests.locks", 7)
            assert advisory_xact_try_lock("tests.locks", 8)  # another key is free
    finally:
        release.set()
        thread.join(10)
    with transaction.atomic():
        assert advisory_xact_try_lock("tests.locks", 7)


def test_a_block_that_raises_still_releases_its_lock(on_postgres):
    with pytest.raises(ZeroDivisionError), advisory_lock_held("tests.locks", 9):
        1 / 0  # noqa: B018
    with transaction.atomic():
        assert advisory_xact_try_lock("tests.locks", 9)


def test_an_xact_lock_ends_with_its_transaction(on_postgres):
    started, release = threading.Event(), threading.Event()
    outcome: list[bool] = []

    def other_worker():
        try:
            started.wait(10)
            with transaction.atomic():
                outcome.append(advisory_xact_try_lock("tests.locks", 11))
            release.set()
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    with transaction.atomic():
        advisory_xact_lock("tests.locks", 11)
        started.set()
        assert release.wait(10)
    thread.join(10)
    assert outcome == [False]  # taken while the first transaction ran
