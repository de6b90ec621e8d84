"""Issue #20: the changes no receiver saw before — ``QuerySet.update()`` of a counted column, deletes
of case–order links through the link model, and raw SQL (another program writing the database).
Each test changes the history behind the fold's back, runs one ordinary fold, and the dashboard's
and the report's figures equal the raw history's (``assert_fold_tells_the_history``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, Value
from django.test.utils import CaptureQueriesContext

from crm_twitter.models import (
    Case,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    Order,
    OrderItem,
    Promise,
    RollupDirtyDay,
)
from crm_twitter.reports.generator import report_generate
from crm_twitter.services import rollups
from crm_twitter.services.rollups import rollups_fold, rollups_rebuild
from tests.factories import OrderFactory, OrderItemFactory
from tests.reports.test_rollups import MONTHS, _comparable, _dump
from tests.reports.test_rollups_changes import _complaints, _history, assert_fold_tells_the_history
from tests.reports.test_rollups_changes import clock as clock  # the fixture

LINK = Case.orders.through


def _linked_order() -> Order:
    return Order.objects.filter(cases__merged_into__isnull=True, items__isnull=False).distinct().first()


# --- QuerySet.update() ----------------------------------------------------------------------------


def change_cases_not_actionable(cases: list[Case]) -> None:
    Case.objects.filter(pk__in=[c.pk for c in _complaints(cases)[:5]]).update(status=CaseStatus.NOT_ACTIONABLE)


def change_categories_confirmed(cases: list[Case]) -> None:
    unconfirmed = [c.pk for c in _complaints(cases) if not c.category_confirmed and c.suggested_category_id]
    assert unconfirmed
    Case.objects.filter(pk__in=unconfirmed).update(category=F("suggested_category"), category_confirmed=True)


def change_suggestions_reset(cases: list[Case]) -> None:
    # What ``categorisation`` runs when a model is retired: every unconfirmed suggestion goes.
    assert Case.objects.filter(category_confirmed=False).exclude(suggestion_model="").update(suggestion_model="")


def change_resolution_taken_back(cases: list[Case]) -> None:
    # No event, no updated_at: the day it counted as resolved on is read before the UPDATE.
    resolved = [c.pk for c in _complaints(cases) if c.resolved_at][:4]
    Case.objects.filter(pk__in=resolved).update(resolved_at=None, status=CaseStatus.NEW)


def change_opened_moved(cases: list[Case]) -> None:
    moved = [c.pk for c in _complaints(cases)[:3]]
    Case.objects.filter(pk__in=moved).update(opened_at=F("opened_at") - dt.timedelta(days=12))


def change_order_shipped_elsewhere(cases: list[Case]) -> None:
    Order.objects.filter(pk=_linked_order().pk).update(carrier="FedEx", destination_country="JP")


def change_refunds_raised(cases: list[Case]) -> None:
    assert CaseOutcome.objects.filter(refund_amount__gt=0).update(refund_amount=F("refund_amount") + Decimal("7.00"))


def change_outcomes_backdated(cases: list[Case]) -> None:
    # An expression moves them to days only the rows know: read back after the UPDATE.
    some = list(CaseOutcome.objects.order_by("pk").values_list("pk", flat=True)[:6])
    CaseOutcome.objects.filter(pk__in=some).update(recorded_at=F("recorded_at") - dt.timedelta(days=9))


def change_outcomes_bulk_updated(cases: list[Case]) -> None:
    outcomes = list(CaseOutcome.objects.order_by("pk")[:5])
    for outcome in outcomes:
        outcome.refund_currency = "JPY"
        outcome.recorded_at -= dt.timedelta(days=3)
    CaseOutcome.objects.bulk_update(outcomes, ["refund_currency", "recorded_at"])


def change_promises_kept_long_ago(cases: list[Case]) -> None:
    # Kept with a resolution time the watermark has passed long ago: noted by due day instead.
    Promise.objects.filter(status=Promise.Status.OPEN).update(
        status=Promise.Status.KEPT, resolved_at=Value(dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
    )


def change_promises_postponed(cases: list[Case]) -> None:
    Promise.objects.filter(case__merged_into__isnull=True).update(due_at=F("due_at") + dt.timedelta(days=20))


def change_skus_renamed(cases: list[Case]) -> None:
    OrderItem.objects.filter(sku="SKU-1").update(sku="SKU-9")


def change_items_moved_to_another_order(cases: list[Case]) -> None:
    source = _linked_order()
    target = Order.objects.exclude(pk=source.pk).filter(cases__isnull=False).first()
    OrderItem.objects.filter(order=source).update(order=target)


def change_escalations_lowered(cases: list[Case]) -> None:
    CaseEvent.objects.filter(kind=CaseEvent.Kind.ESCALATED).update(data={"level": 1})


def change_events_moved_to_another_case(cases: list[Case]) -> None:
    escalated = CaseEvent.objects.filter(kind=CaseEvent.Kind.ESCALATED, case__merged_into__isnull=True).first()
    other = next(c for c in _complaints(cases) if c.pk != escalated.case_id)
    CaseEvent.objects.filter(case_id=escalated.case_id).update(case=other)


@pytest.mark.parametrize(
    "change",
    [
        change_cases_not_actionable,
        change_categories_confirmed,
        change_suggestions_reset,
        change_resolution_taken_back,
        change_opened_moved,
        change_order_shipped_elsewhere,
        change_refunds_raised,
        change_outcomes_backdated,
        change_outcomes_bulk_updated,
        change_promises_kept_long_ago,
        change_promises_postponed,
        change_skus_renamed,
        change_items_moved_to_another_order,
        change_escalations_lowered,
        change_events_moved_to_another_case,
    ],
    ids=lambda f: f.__name__.removeprefix("change_"),
)
def test_a_queryset_update_of_a_counted_column_is_seen(db, clock, settings, change):
    cases = _history(clock, settings)
    change(cases)
    assert_fold_tells_the_history()


def test_an_update_of_columns_no_figure_reads_costs_nothing(db, clock, settings):
    cases = _history(clock, settings, n=20)
    pks = [c.pk for c in cases]
    before = dict(Case.objects.filter(pk__in=pks).values_list("pk", "updated_at"))
    with CaptureQueriesContext(connection) as captured:
        Case.objects.filter(pk__in=pks).update(is_overdue=True, last_message_preview="…")
        Promise.objects.filter(case_id__in=pks).update(note="called the carrier")
    assert len(captured) == 2, [q["sql"][:80] for q in captured.captured_queries]
    assert dict(Case.objects.filter(pk__in=pks).values_list("pk", "updated_at")) == before
    assert not RollupDirtyDay.objects.exists()


def test_the_sla_sweeps_missed_promises_are_read_by_the_watermark_not_noted(db, clock, settings):
    """The sweep marks promises missed with ``resolved_at`` = now, which the fold's watermark reads:
    the UPDATE stays one statement (no read of days, nothing noted) and the fold still sees it."""
    from django.utils import timezone

    _history(clock, settings)
    with CaptureQueriesContext(connection) as captured:
        missed = Promise.objects.filter(status=Promise.Status.OPEN, due_at__lte=timezone.now()).update(
            status=Promise.Status.MISSED, resolved_at=timezone.now()
        )
    assert missed
    assert len(captured) == 1
    assert not RollupDirtyDay.objects.exists()
    assert_fold_tells_the_history()


def test_a_case_update_that_stamps_updated_at_itself_is_left_alone(db, clock, settings):
    """The services' ``case_save`` sets ``updated_at`` with every change: nothing is added."""
    from django.utils import timezone

    cases = _history(clock, settings, n=20)
    case = _complaints(cases)[0]
    with CaptureQueriesContext(connection) as captured:
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, updated_at=timezone.now())
    assert len(captured) == 1
    assert_fold_tells_the_history()


# --- Links deleted through the link model ---------------------------------------------------------


def test_django_sends_no_delete_signal_for_the_auto_created_link_model(db, clock, settings):
    """Why the link model has a watched manager: ``pre_delete``/``post_delete`` never come for it."""
    from django.db.models.signals import post_delete, pre_delete

    _history(clock, settings, n=20)
    heard = []

    def listen(sender, **kwargs):
        heard.append(sender)

    pre_delete.connect(listen, sender=LINK, weak=False)
    post_delete.connect(listen, sender=LINK, weak=False)
    try:
        assert LINK.objects.filter(pk=LINK.objects.order_by("pk").values("pk")[:1]).delete()[0] == 1
    finally:
        pre_delete.disconnect(listen, sender=LINK)
        post_delete.disconnect(listen, sender=LINK)
    assert heard == []
    assert RollupDirtyDay.objects.exists()  # the watched manager noted the day instead


@pytest.mark.parametrize("how", ["through.filter.delete", "through.all.delete", "case.clear", "order.set"])
def test_links_deleted_through_the_link_model_are_seen(db, clock, settings, how):
    _history(clock, settings)
    order = _linked_order()
    if how == "through.filter.delete":
        assert LINK.objects.filter(order=order).delete()[0]
    elif how == "through.all.delete":
        assert LINK.objects.all().delete()[0] > 1
    elif how == "case.clear":
        order.cases.filter(merged_into__isnull=True).first().orders.clear()
    else:
        order.cases.set([])
    assert_fold_tells_the_history()


# --- Raw SQL: the self-check ----------------------------------------------------------------------


def _recent(cases: list[Case], settings) -> list[Case]:
    """Complaints opened within the self-check's window (the last ``CHECK_DAYS`` days)."""
    from tests.reports.test_rollups import _tz

    first = rollups.local_date(dt.datetime.now(tz=_tz(settings))) - dt.timedelta(days=rollups.CHECK_DAYS - 1)
    recent = [c for c in _complaints(cases) if rollups.local_date(c.opened_at) >= first]
    assert recent, "the history has complaints in the window"
    return recent


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def raw_status(cases, settings) -> None:
    recent = _recent(cases, settings)
    _raw(f"UPDATE {_t(Case)} SET status = %s WHERE id = %s", [CaseStatus.NOT_ACTIONABLE, recent[0].pk])  # noqa: S608


def raw_case_deleted(cases, settings) -> None:
    case = _recent(cases, settings)[0]
    for model in (CaseEvent, CaseOutcome, Promise, LINK):
        _raw(f"DELETE FROM {_t(model)} WHERE case_id = %s", [case.pk])  # noqa: S608
    _raw(f"UPDATE {_t(Case)} SET merged_into_id = NULL WHERE merged_into_id = %s", [case.pk])  # noqa: S608
    _raw(f"DELETE FROM {_t(Case)} WHERE id = %s", [case.pk])  # noqa: S608


def raw_link_deleted(cases, settings) -> None:
    linked = [c for c in _recent(cases, settings) if c.orders.exists()]
    if not linked:  # give a recent complaint an order first, through the ORM (seen by the watermark)
        linked = [_recent(cases, settings)[0]]
        linked[0].orders.add(_linked_order())
        rollups_fold()
    _raw(f"DELETE FROM {_t(LINK)} WHERE case_id = %s", [linked[0].pk])  # noqa: S608


def raw_carrier(cases, settings) -> None:
    # An order of a recent case only (an order shared with older cases changes older days too).
    order = OrderFactory(carrier="DHL", destination_country="DE")
    OrderItemFactory(order=order, sku="SKU-2")
    _recent(cases, settings)[0].orders.add(order)
    rollups_fold()
    _raw(f"UPDATE {_t(Order)} SET carrier = %s, destination_country = %s WHERE id = %s", ["Yodel", "GB", order.pk])  # noqa: S608


def raw_category(cases, settings) -> None:
    recent = _recent(cases, settings)
    other = Case.objects.exclude(category=None).values_list("category_id", flat=True).first()
    sql = f"UPDATE {_t(Case)} SET category_id = %s, category_confirmed = %s WHERE id = %s"  # noqa: S608
    _raw(sql, [other, True, recent[0].pk])


@pytest.mark.parametrize(
    "change", [raw_status, raw_case_deleted, raw_link_deleted, raw_carrier, raw_category], ids=lambda f: f.__name__
)
def test_raw_sql_on_the_recent_days_is_found_by_the_self_check(db, clock, settings, change):
    cases = _history(clock, settings, n=120)
    change(cases, settings)
    assert not RollupDirtyDay.objects.exists()  # nothing told the fold
    clock.shift(rollups.CHECK_EVERY)  # the whole window is read at most this often
    assert_fold_tells_the_history()


def test_the_whole_window_is_read_every_check_interval_and_only_then(db, clock, settings):
    """Folds in between read only the recent days they recompute (none here: six reads saved); the
    first fold after ``CHECK_EVERY`` reads the whole window (six grouped reads) and finds the change."""
    cases = _history(clock, settings, n=120)
    raw_status(cases, settings)
    before = _dump()
    with CaptureQueriesContext(connection) as between:
        rollups_fold()
    assert _dump() == before  # not seen yet
    clock.shift(rollups.CHECK_EVERY)
    with CaptureQueriesContext(connection) as due:
        found = rollups_fold()
    assert found.unexplained and found.days >= 1
    selects = [len([q for q in c.captured_queries if q["sql"].startswith("SELECT")]) for c in (between, due)]
    assert len(due) >= len(between) + 6, selects
    assert_fold_tells_the_history()


def test_raw_sql_on_an_older_day_waits_for_a_rebuild(db, clock, settings):
    """The documented limit: the self-check reads only the recent days. A raw change further back
    stays out of the figures until ``crm_twitter_rollups --rebuild``."""
    cases = _history(clock, settings)
    old = next(c for c in _complaints(cases) if c.opened_at.month == 9 and c.category_confirmed)
    _raw(f"UPDATE {_t(Case)} SET category_confirmed = %s WHERE id = %s", [False, old.pk])  # noqa: S608
    rollups_fold()
    september = MONTHS[0]
    assert _comparable(report_generate(month=september, fold=False)) != _comparable(
        report_generate(month=september, raw=True)
    )
    rollups_rebuild()
    assert _comparable(report_generate(month=september, fold=False)) == _comparable(
        report_generate(month=september, raw=True)
    )


def test_the_self_check_refolds_nothing_when_nothing_changed(db, clock, settings):
    _history(clock, settings)
    before = _dump()
    assert rollups_fold().days == 0
    assert _dump() == before


def test_the_fold_task_names_the_days_changed_behind_the_apps_back(db, clock, settings, caplog):
    from crm_twitter.tasks.reports import rollups_fold_task

    cases = _history(clock, settings, n=120)
    recent = _recent(cases, settings)
    # Through the ORM: found by the watermark, nothing to report.
    Case.objects.filter(pk=recent[0].pk).update(status=CaseStatus.CLOSED)
    with caplog.at_level("WARNING", logger="crm_twitter.tasks.reports"):
        rollups_fold_task()
    assert caplog.records == []
    # Behind its back (once the fold's overlap has passed that update): refolded, and said.
    clock.shift(dt.timedelta(minutes=11))
    rollups_fold()
    clock.shift(rollups.CHECK_EVERY)
    raw_status(cases, settings)
    with caplog.at_level("WARNING", logger="crm_twitter.tasks.reports"):
        rollups_fold_task()
    # The days the changed case counts on that no other reason refolded (its opened day may also
    # be due for an SLA clock that ran out meanwhile): here its promises' due day.
    due = {rollups.local_date(p.due_at).isoformat() for p in Promise.objects.filter(case=recent[0])}
    warned = [r.getMessage() for r in caplog.records if "outside the app" in r.getMessage()]
    assert len(warned) == 1 and due and all(day in warned[0] for day in due), (warned, due)
    assert_fold_tells_the_history()
