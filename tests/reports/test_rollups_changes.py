"""Issue #20: the 5-minute fold sees every change, not only what its watermarks read. A case, order,
item, event, outcome or promise deleted, an order unlinked, a category renamed or deleted, a row
edited in place, the merchant's time zone changed: after the next ordinary fold (no rebuild) the
dashboard's and the report's figures are the raw history's again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
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
from crm_twitter.reports.generator import report_generate, trend_generate, trend_generate_raw
from crm_twitter.services import rollups
from crm_twitter.services.merge import case_merge
from crm_twitter.services.rollups import rollups_fold, rollups_rebuild
from tests.factories import CaseEventFactory, CaseFactory, ComplaintCategoryFactory, UserFactory
from tests.reports.test_rollups import MONTHS, NOW_LOCAL, _comparable, _dump, _tz, random_history

BERLIN = "Europe/Berlin"


@pytest.fixture
def clock(settings):
    """A merchant in Berlin, mid-November 2026; the tests move the clock between folds."""
    settings.CRM_TWITTER = {"TIME_ZONE": BERLIN, "REPORTING_CURRENCY": "USD", "REPORT_RECIPIENTS": []}
    with time_machine.travel(dt.datetime(*NOW_LOCAL, tzinfo=ZoneInfo(BERLIN)), tick=False) as traveller:
        yield traveller


def _history(clock, settings, *, seed: int = 40, n: int = 70) -> list[Case]:
    """A history folded twice, half an hour apart, so the next fold re-reads none of it (its time
    watermarks look back ten minutes); the clock then moves on a minute, as between two runs."""
    cases = random_history(seed=seed, tz=_tz(settings), n=n)
    clock.shift(dt.timedelta(minutes=1))
    assert rollups_fold().days is None
    clock.shift(dt.timedelta(minutes=30))
    rollups_fold()
    clock.shift(dt.timedelta(minutes=1))
    return cases


def assert_fold_tells_the_history(*, rows_as_rebuilt: bool = True) -> None:
    """One ordinary fold, then every figure of the three months and the trend equals the raw
    history's, nothing is left to refold, and (unless re-keyed rows may split a key in two) the rows
    are those a rebuild writes."""
    folded = rollups_fold()
    assert folded.days is not None, "an incremental fold, not a rebuild"
    assert not RollupDirtyDay.objects.exists()
    for month in MONTHS:
        assert _comparable(report_generate(month=month, fold=False)) == _comparable(
            report_generate(month=month, raw=True)
        ), month
    rolled, raw = trend_generate(until=MONTHS[-1]), trend_generate_raw(until=MONTHS[-1])
    assert (rolled.categories, rolled.months) == (raw.categories, raw.months)
    if rows_as_rebuilt:
        after = _dump()
        rollups_rebuild()
        assert _dump() == after


def _complaints(cases: list[Case]) -> list[Case]:
    return [
        c
        for c in Case.objects.filter(pk__in=[c.pk for c in cases], merged_into__isnull=True).exclude(
            status=CaseStatus.NOT_ACTIONABLE
        )
    ]


# --- Deletes --------------------------------------------------------------------------------------


def test_a_deleted_case_leaves_the_dashboard_and_the_report(db, clock, settings):
    cases = _history(clock, settings)
    # A refunded complaint with an order and a promise: its counts, money, order dimensions and
    # promise all go with it.
    case = next(
        c
        for c in _complaints(cases)
        if c.outcome_records.filter(refund_amount__gt=0).exists() and c.orders.exists() and c.promises.exists()
    )
    case.delete()
    assert_fold_tells_the_history()


def test_cases_deleted_in_bulk_and_merge_targets_deleted(db, clock, settings):
    cases = _history(clock, settings)
    # Targets of a merge: their duplicates lose merged_into (no signal, no updated_at) and count as
    # complaints from now on, on every day they have. One deleted alone, one in a bulk delete.
    targets = list(Case.objects.filter(merged_cases__isnull=False).distinct().order_by("pk")[:2])
    assert len(targets) == 2
    targets[0].delete()
    # What the admin's bulk delete runs: a QuerySet.delete() (one brand account's cases, a target).
    account = next(c.brand_account_id for c in cases if c.brand_account_id != targets[1].brand_account_id)
    assert Case.objects.filter(Q(brand_account_id=account) | Q(pk=targets[1].pk)).delete()[0] > 10
    assert_fold_tells_the_history()


def test_a_case_reopened_and_deleted_between_two_folds(db, clock, settings):
    cases = _history(clock, settings)
    case = next(c for c in _complaints(cases) if c.resolved_at and c.outcome_records.exists())
    case.status, case.resolved_at = CaseStatus.NEW, None
    case.save()
    CaseEventFactory(case=case, kind=CaseEvent.Kind.REOPENED)
    case.delete()
    assert_fold_tells_the_history()


@pytest.mark.parametrize("how", ["instance", "queryset"])
def test_a_deleted_order_takes_its_carrier_country_and_skus_off_the_report(db, clock, settings, how):
    _history(clock, settings)
    linked = Order.objects.filter(cases__merged_into__isnull=True, items__isnull=False).distinct()
    order = linked.first()
    assert order is not None
    if how == "instance":
        order.delete()
    else:
        Order.objects.filter(pk__in=list(linked.values_list("pk", flat=True)[:3])).delete()
    assert_fold_tells_the_history()


# --- Links removed --------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["case.remove", "order.remove", "order.clear", "case.set"])
def test_an_order_unlinked_outside_the_service_is_seen(db, clock, settings, how):
    _history(clock, settings)
    order = Order.objects.filter(cases__merged_into__isnull=True).distinct().first()
    case = order.cases.filter(merged_into__isnull=True).first()
    if how == "case.remove":
        case.orders.remove(order)
    elif how == "order.remove":
        order.cases.remove(case)
    elif how == "order.clear":
        order.cases.clear()
    else:
        case.orders.set([])
    assert_fold_tells_the_history()


# --- Categories -----------------------------------------------------------------------------------


@pytest.mark.parametrize("new_slug", ["broken-on-arrival", "uncategorised"])
def test_a_renamed_category_keeps_its_history(db, clock, settings, new_slug):
    cases = _history(clock, settings)
    category = next(c.category for c in _complaints(cases) if c.category_confirmed and c.category)
    category.slug = new_slug
    category.save()
    # Re-keyed at once, in the renaming transaction: nothing waits for the fold.
    assert not RollupDirtyDay.objects.exists()
    assert_fold_tells_the_history(rows_as_rebuilt=new_slug != "uncategorised")


def test_a_deleted_category_that_was_only_suggested(db, clock, settings):
    cases = random_history(seed=41, tz=_tz(settings), n=60)
    spare = ComplaintCategoryFactory(slug="spare-parts")
    Case.objects.filter(pk__in=[c.pk for c in cases[::3]]).update(suggested_category=spare, suggestion_model="nb-4")
    clock.shift(dt.timedelta(minutes=1))
    rollups_fold()
    clock.shift(dt.timedelta(minutes=30))
    rollups_fold()
    clock.shift(dt.timedelta(minutes=1))
    spare.delete()  # no case has it as its category, so the database lets it go
    assert_fold_tells_the_history(rows_as_rebuilt=False)  # re-keyed rows may split a key in two


# --- Rows edited or deleted on their own ----------------------------------------------------------


def _outcome() -> CaseOutcome:
    return (
        CaseOutcome.objects.filter(refund_amount__gt=0, case__merged_into__isnull=True, recorded_at__month=10)
        .exclude(case__status=CaseStatus.NOT_ACTIONABLE)
        .first()
    )


def _promise() -> Promise:
    return (
        Promise.objects.filter(case__merged_into__isnull=True).exclude(case__status=CaseStatus.NOT_ACTIONABLE).first()
    )


def _item() -> OrderItem:
    return OrderItem.objects.filter(order__cases__merged_into__isnull=True).first()


def change_outcome_deleted() -> None:
    _outcome().delete()


def change_outcome_edited() -> None:
    outcome = _outcome()
    outcome.refund_amount += Decimal("100.00")
    outcome.refund_currency = "USD"
    outcome.recorded_at -= dt.timedelta(days=20)  # into September
    outcome.save()


def change_promise_deleted() -> None:
    _promise().delete()


def change_promise_moved() -> None:
    promise = _promise()
    promise.due_at += dt.timedelta(days=35)
    promise.status = Promise.Status.MISSED if promise.status != Promise.Status.MISSED else Promise.Status.KEPT
    promise.save()


def change_promises_deleted_in_bulk() -> None:
    Promise.objects.filter(due_at__month=10).delete()


def change_item_deleted() -> None:
    _item().delete()


def change_item_edited() -> None:
    item = _item()
    item.sku = "SKU-NEW"
    item.save()


def change_escalation_deleted() -> None:
    CaseEvent.objects.filter(kind=CaseEvent.Kind.ESCALATED, case__merged_into__isnull=True).first().delete()


@pytest.mark.parametrize(
    "change",
    [
        change_outcome_deleted,
        change_outcome_edited,
        change_promise_deleted,
        change_promise_moved,
        change_promises_deleted_in_bulk,
        change_item_deleted,
        change_item_edited,
        change_escalation_deleted,
    ],
    ids=lambda f: f.__name__.removeprefix("change_"),
)
def test_a_row_deleted_or_edited_in_place(db, clock, settings, change):
    _history(clock, settings)
    change()
    assert_fold_tells_the_history()


def test_a_merge_through_the_service(db, clock, settings):
    cases = _history(clock, settings)
    complaints = _complaints(cases)
    open_ = [c for c in complaints if c.status in (CaseStatus.NEW, CaseStatus.AWAITING_CUSTOMER)]
    source = next(c for c in open_ if c.orders.exists() and c.promises.exists())
    target = next(c for c in open_ if c.pk != source.pk and c.opened_at > source.opened_at)
    case_merge(source=source, target=target, actor=UserFactory())
    assert_fold_tells_the_history()


def test_another_time_zone_refolds_every_day(db, clock, settings):
    _history(clock, settings)
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "TIME_ZONE": "America/Los_Angeles"}
    assert rollups_fold().days is None
    for month in MONTHS:
        assert _comparable(report_generate(month=month, fold=False)) == _comparable(
            report_generate(month=month, raw=True)
        ), month


# --- What the fold does with the noted days -------------------------------------------------------


def test_a_fold_with_nothing_changed_reads_a_fixed_number_of_queries_and_writes_only_its_state(
    db, clock, settings, monkeypatch
):
    _history(clock, settings, n=20)
    monkeypatch.setattr(rollups, "TIME_OVERLAP", dt.timedelta(0))
    clock.shift(dt.timedelta(minutes=1))
    rollups_fold()  # the overlap of the previous fold's id marks is now behind
    clock.shift(dt.timedelta(minutes=1))
    before = _dump()
    with CaptureQueriesContext(connection) as captured:
        assert rollups_fold().days == 0
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().split()[0].upper() != "SELECT"]
    tables = {w.split()[1].strip('"') for w in writes if w.lstrip().upper().startswith("UPDATE")}
    assert tables == {"crm_twitter_rollupstate"}, writes
    assert all(w.lstrip().upper().startswith(("UPDATE", "SAVEPOINT", "RELEASE")) for w in writes), writes
    assert len(captured) == 24, [q["sql"][:80] for q in captured.captured_queries]
    assert _dump() == before

    # A change the watermarks cannot see: one read more, one DELETE of the noted rows, the day recounted.
    CaseFactory(opened_at=dt.datetime(2026, 10, 3, 9, 0, tzinfo=_tz(settings))).delete()
    assert RollupDirtyDay.objects.count() == 1
    assert rollups_fold().days == 1
    assert not RollupDirtyDay.objects.exists()


def test_a_rebuild_from_a_date_leaves_earlier_noted_days_to_the_next_fold(db, clock, settings, capsys):
    cases = _history(clock, settings)
    september = next(c for c in _complaints(cases) if c.opened_at.astimezone(_tz(settings)).month == 9)
    september.delete()
    call_command("crm_twitter_rollups", "--rebuild", "--since", "2026-10-01")
    assert "earlier day(s) noted as changed wait for the next fold" in capsys.readouterr().out
    assert RollupDirtyDay.objects.filter(day__lt=dt.date(2026, 10, 1)).exists()
    assert not RollupDirtyDay.objects.filter(day__gte=dt.date(2026, 10, 1)).exists()
    assert_fold_tells_the_history()


# --- Suggestions written in the background --------------------------------------------------------


def test_a_suggestion_made_after_the_fold_is_seen_by_the_next(db, clock, settings):
    """The background suggester writes in bulk; the report's "how categories were set" counts
    suggestions, so the next fold must see them (found by ``updated_at``)."""
    from crm_twitter.services.categorisation import CategorySuggestion, cases_suggest

    cases = _history(clock, settings)
    spare = ComplaintCategoryFactory(slug="spare-parts")

    class Always:
        def many(self, texts):
            return [CategorySuggestion(spare, 0.91, "nb-test") for _ in texts]

    unconfirmed = [c.pk for c in _complaints(cases) if not c.category_confirmed]
    assert unconfirmed
    assert cases_suggest(unconfirmed, suggester=Always()) == len(unconfirmed)
    assert_fold_tells_the_history()
