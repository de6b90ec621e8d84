"""``crm_twitter_demo --reset`` and the task queue: the demo's queued tasks go with its rows, every
other task stays, and a task that still runs for a row the reset removed ends quietly."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command
from django_q.conf import Conf
from django_q.models import OrmQ, Schedule
from django_q.tasks import async_task, fetch, schedule

from crm_twitter import models as m
from tests.factories import BrandAccountFactory, CaseFactory, OutboundMessageFactory, TweetFactory

SYNC = "crm_twitter.tasks.sync.sync_account_task"
SEND = "crm_twitter.tasks.outbound.outbound_send_task"
PACK = "crm_twitter.tasks.evidence.evidence_pack_build_task"
DELIVERY = "crm_twitter.tasks.sync.webhook_delivery_task"


def _demo(*args: str) -> str:
    out = io.StringIO()
    call_command("crm_twitter_demo", *args, stdout=out)
    return out.getvalue()


def _queued() -> dict[str, tuple]:
    """Task id → (function, arguments) of everything waiting for a worker."""
    return {q.task_id(): (q.func(), q.args()) for q in OrmQ.objects.all()}


@pytest.fixture
def their_own(db):
    """A desk's own account, with a customer's complaint, in the same database as the demo."""
    account = BrandAccountFactory(handle="ownshop", x_user_id="4242")
    case = CaseFactory(brand_account=account)
    TweetFactory(case=case, brand_account=account, author=case.customer_x_user, text="@ownshop where is my order?")
    return case


@pytest.mark.skipif(
    not Conf.ORM,
    reason="the reset empties the database broker's queue; with Redis a stale task ends quietly when it runs (below)",
)
def test_a_reset_removes_the_demos_queued_tasks_and_keeps_everyone_elses(their_own, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _demo("--offline")  # its replies (satisfaction surveys) and photos wait for the worker
    demo_account = m.BrandAccount.objects.exclude(pk=their_own.brand_account_id).order_by("pk").first()
    demo_case = m.Case.objects.filter(brand_account=demo_account).order_by("pk").first()
    pack = m.EvidencePack.objects.create(case=demo_case)
    # Meanwhile the worker's schedules and the desk queue more for the demo's rows …
    async_task(SYNC, demo_account.pk, "2026-12-06T10:00:00+00:00", group="crm_twitter:sync")
    async_task(PACK, pack.pk, group="crm_twitter:evidence")
    async_task("crm_twitter.tasks.sync.webhook_event_task", {"for_user_id": demo_account.x_user_id})
    schedule(SYNC, demo_account.pk, schedule_type=Schedule.ONCE)
    # … and for the desk's own account; and tasks that are not the app's, whatever their arguments.
    own_message = OutboundMessageFactory(case=their_own)
    theirs = {
        async_task(SEND, own_message.pk),
        async_task(SYNC, their_own.brand_account_id, group="crm_twitter:sync"),
        async_task("crm_twitter.tasks.sync.webhook_event_task", {"for_user_id": "4242"}),
        async_task("crm_twitter.tasks.workflow.sla_sweep_task"),
        async_task("shop.jobs.count_visits", demo_account.pk),
    }
    own_schedule = schedule(SYNC, their_own.brand_account_id, schedule_type=Schedule.ONCE)
    demo_queued = set(_queued()) - theirs
    functions = {_queued()[task_id][0] for task_id in demo_queued}
    assert {SEND, SYNC, PACK, "crm_twitter.tasks.evidence.media_archive_task"} <= functions

    with django_capture_on_commit_callbacks(execute=True):
        out = _demo("--reset", "--offline")

    queued = _queued()
    assert theirs <= set(queued)
    assert not demo_queued & set(queued)
    assert list(Schedule.objects.values_list("pk", flat=True)) == [own_schedule.pk]
    assert f"{len(demo_queued) + 1} queued tasks" in out
    # What the reload queued names the demo's new rows.
    for function, args in queued.values():
        if function == SEND:
            assert m.OutboundMessage.objects.filter(pk=args[0]).exists()


def test_a_task_for_a_row_the_reset_removed_ends_quietly(db, caplog):
    """A worker that took the demo's tasks before the reset runs them after it: each ends as a
    success (nothing to retry) with one info line, and no error or traceback in the log."""
    _demo("--offline")
    account = m.BrandAccount.objects.order_by("pk").first()
    case = m.Case.objects.filter(brand_account=account).order_by("pk").first()
    message = OutboundMessageFactory(case=case)
    pack = m.EvidencePack.objects.create(case=case)
    delivery = m.WebhookDelivery.objects.create(body="{}", body_sha256="0" * 64, account=account)
    taken = [(SYNC, account.pk), (SEND, message.pk), (PACK, pack.pk)]
    _demo("--reset", "--offline")
    delivery.delete()  # deliveries outlive their account (SET_NULL); an admin may delete one
    taken.append((DELIVERY, delivery.pk))

    caplog.clear()
    with caplog.at_level(logging.INFO):
        ids = [async_task(function, pk, sync=True) for function, pk in taken]

    assert all(fetch(task_id).success for task_id in ids)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    notes = [r.getMessage() for r in caplog.records if r.name == "crm_twitter.tasks.rows"]
    assert notes == [
        f"sync_account_task: BrandAccount {account.pk} no longer exists (deleted after the task was queued); "
        "nothing to do",
        f"outbound_send_task: OutboundMessage {message.pk} no longer exists (deleted after the task was "
        "queued); nothing to do",
        f"evidence_pack_build_task: EvidencePack {pack.pk} no longer exists (deleted after the task was "
        "queued); nothing to do",
        f"webhook_delivery_task: WebhookDelivery {delivery.pk} no longer exists (deleted after the task was "
        "queued); nothing to do",
    ]
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == "crm_twitter.tasks.rows")


def test_a_task_whose_row_exists_still_fails_loudly(db):
    """Only the task's own row being gone is quiet: a missing row elsewhere is a real error."""
    from crm_twitter.tasks.rows import unless_gone

    account = BrandAccountFactory()

    def broken():
        return m.BrandAccount.objects.get(pk=account.pk + 1000)

    with pytest.raises(m.BrandAccount.DoesNotExist):
        unless_gone(m.BrandAccount, account.pk, broken, task="sync_account_task", gone=None)


def test_the_reset_knows_each_task_by_the_argument_it_really_takes():
    """The reset recognises a queued task by the row its first argument names: a task renamed or
    given another first argument must be told to the reset too."""
    import inspect

    from django.utils.module_loading import import_string

    from crm_twitter.demo.reset import _QUEUED_ROWS

    for path, (argument, _kind) in _QUEUED_ROWS.items():
        assert next(iter(inspect.signature(import_string(path)).parameters)) == argument, path


def test_the_incidents_badge_forgets_the_demos_incidents_at_once(db, django_capture_on_commit_callbacks):
    """The top bar's badge is cached; a reset deleting the demo's open incidents must not leave it
    counting them for the cache's lifetime."""
    from django.core.cache import cache

    from crm_twitter.services.incident_counts import incidents_open_count_cached
    from tests.incidents.action_builders import incident_make

    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _demo("--offline")
    demo_account = m.BrandAccount.objects.order_by("pk").first()
    incident_make(demo_account)
    cache.clear()
    assert incidents_open_count_cached() == 1
    with django_capture_on_commit_callbacks(execute=True):
        _demo("--reset", "--offline")
    assert incidents_open_count_cached() == m.Incident.objects.filter(status=m.Incident.Status.OPEN).count() == 0
