"""Two workers draining the same queue at once on PostgreSQL: every message goes out exactly once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from crm_twitter.models import OutboundMessage, Tweet
from crm_twitter.x.outbound import outbound_claim, outbound_drain
from tests.factories import UserFactory
from tests.outbound.conftest import make_desk


def _worker(errors: list, sent: list, rounds: int = 2_000) -> None:
    """Drain until nothing is left to send, as a worker polling the queue would; ``rounds`` only
    guards against a queue that never empties (no pause between rounds: nothing waits for time)."""
    try:
        for _ in range(rounds):
            sent.append(outbound_drain(limit=25))
            if not OutboundMessage.objects.filter(status__in=["queued", "sending"]).exists():
                return
    except Exception as exc:  # surfaced by the test
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.postgres
def test_two_workers_draining_at_once_double_nothing(on_postgres, transactional_db, sandbox, settings):
    settings.CRM_TWITTER = {
        **settings.CRM_TWITTER,
        "OUTBOUND_BACKOFF_SECONDS": 0,
        "OUTBOUND_MAX_BACKOFF_SECONDS": 0,
        "OUTBOUND_MAX_ATTEMPTS": 50,
        "HTTP_TIMEOUT_SECONDS": 0.5,
    }
    sandbox.state.set_rate_limit("POST /2/tweets", 10_000)
    desk = make_desk(sandbox)
    agent = UserFactory(username="worker-test-agent")
    messages = [desk.compose(agent, f"Parallel update {n}") for n in range(120)]
    sandbox.faults.server_error("POST /2/tweets", status=503, times=4)
    sandbox.faults.timeout_after_processing("POST /2/tweets", times=4)
    sandbox.faults.slow("POST /2/tweets", seconds=0.05, times=30)  # widen the race window

    errors: list = []
    sent_by: list[list[int]] = [[], []]
    workers = [threading.Thread(target=_worker, args=(errors, sent_by[i])) for i in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert not errors

    assert list(OutboundMessage.objects.exclude(status="sent").values_list("status", "last_error")) == []
    posts = sandbox.state.posts
    assert len(posts) == len(messages) == 120
    assert len({p["text"] for p in posts}) == 120
    assert Tweet.objects.filter(case=desk.case, sent_via_desk=True).count() == 120
    assert sum(sent_by[0]) + sum(sent_by[1]) == 120
    assert sum(sent_by[0]) > 0 and sum(sent_by[1]) > 0  # both workers really took part


@pytest.mark.postgres
def test_a_row_locked_by_one_worker_is_skipped_by_the_other(on_postgres, transactional_db, sandbox):
    desk = make_desk(sandbox)
    message = desk.compose(UserFactory(username="lock-agent"), "Locked")
    locked = threading.Event()
    release = threading.Event()

    def hold_lock() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                OutboundMessage.objects.select_for_update().get(pk=message.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert locked.wait(10)
    assert outbound_claim(message_id=message.pk) is None  # skipped, not waited for:
    assert holder.is_alive() and not release.is_set()  # the lock was still held when the claim gave up
    release.set()
    holder.join()
    assert outbound_claim(message_id=message.pk) is not None
