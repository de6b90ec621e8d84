import datetime as dt
from decimal import Decimal

from crm_twitter.models import ComplaintCategory
from crm_twitter.reports.generator import ALL, report_generate, report_to_dict
from crm_twitter.reports.queries import DurationStats
from crm_twitter.services.rollups import rollups_fold
from tests.factories import BrandAccountFactory, CaseFactory, OrderFactory, OrderItemFactory
from tests.reports.conftest import OCTOBER, local


def test_cases_per_category_with_share_and_changes(october):
    report = report_generate(month=OCTOBER)

    assert report.total.cases == 4
    assert report.has_previous and report.has_last_year
    damaged, not_received, uncategorised = (
        report.category("damaged"),
        report.category("not-received"),
        report.category("uncategorised"),
    )
    assert (damaged.cases, damaged.share_pct) == (2, 50.0)
    assert (not_received.cases, not_received.share_pct) == (1, 25.0)
    assert (uncategorised.cases, uncategorised.share_pct) == (1, 25.0)
    assert (damaged.previous, damaged.change_vs_previous, damaged.change_vs_previous_pct) == (1, 1, 100.0)
    assert (not_received.previous, not_received.change_vs_previous, not_received.change_vs_previous_pct) == (1, 0, 0.0)
    assert (uncategorised.previous, uncategorised.change_vs_previous, uncategorised.change_vs_previous_pct) == (
        0,
        1,
        None,
    )
    assert (damaged.last_year, damaged.change_vs_last_year, damaged.change_vs_last_year_pct) == (1, 1, 100.0)
    assert (not_received.last_year, not_received.change_vs_last_year_pct) == (0, None)
    assert (report.total.previous, report.total.change_vs_previous, report.total.change_vs_previous_pct) == (
        2,
        2,
        100.0,
    )
    assert (report.total.last_year, report.total.change_vs_last_year_pct) == (1, 300.0)
    # Every active category is listed (zeros included); uncategorised comes last.
    assert report.categories[-1].key == "uncategorised"
    assert report.category("customs-duties").cases == 0


def test_unconfirmed_category_is_counted_as_uncategorised_never_guessed(october):
    report = report_generate(month=OCTOBER)

    assert report.category("uncategorised").cases == 1
    assert report.category("damaged").cases == 2  # the suggestion on c4 is not used
    assert report.data_quality.uncategorised == 1


def test_case_opened_2330_local_on_the_last_day_belongs_to_that_month(october):
    october_report = report_generate(month=OCTOBER)
    november_report = report_generate(month=dt.date(2026, 11, 1))

    assert october_report.category("not-received").cases == 1  # c3, 2026-10-31 23:30 Berlin
    assert october_report.period_start == local(2026, 10, 1)
    assert october_report.period_end == local(2026, 11, 1)
    # c7 (Sep 30 23:30 local) is September; the 00:00 Nov 1 case is November.
    assert november_report.total.cases == 1
    assert november_report.is_partial


def test_median_and_p90_first_response_and_resolution_times(october):
    report = report_generate(month=OCTOBER)

    # First responses of cases opened in October: 1h, 3h (damaged), 2h (uncategorised); c3 none yet.
    assert report.total.first_response == DurationStats(count=3, median=7200.0, p90=10080.0)
    assert report.category("damaged").first_response == DurationStats(count=2, median=7200.0, p90=10080.0)
    assert report.category("uncategorised").first_response == DurationStats(count=1, median=7200.0, p90=7200.0)
    assert report.category("not-received").first_response == DurationStats()
    # Resolutions in October: 10h, 24h, 48h and 13 days (c5 opened in September).
    assert report.total.resolved == 4
    assert report.total.resolution == DurationStats(count=4, median=129600.0, p90=838080.0)
    assert report.category("damaged").resolution == DurationStats(count=2, median=104400.0, p90=159120.0)
    assert report.category("not-received").resolution == DurationStats(count=1, median=1123200.0, p90=1123200.0)


def test_sla_escalation_dm_promises_and_satisfaction(october):
    report = report_generate(month=OCTOBER)
    total, damaged, not_received = report.total, report.category("damaged"), report.category("not-received")

    # c2's reply came an hour after its due time (no breach recorded by the sweep): breached.
    # c3 is still unanswered two weeks on (past the policy's 4 h): breached. c1 and c4: met.
    assert (total.sla_met, total.sla_breached, total.sla_pending, total.sla_compliance_pct) == (2, 2, 0, 50.0)
    assert damaged.sla_compliance_pct == 50.0
    assert not_received.sla_compliance_pct == 0.0
    # c2 reached level 2 in October and was de-escalated in November; c1 was escalated in November.
    assert (total.escalated, total.escalation_rate_pct, total.escalation_highest) == (1, 25.0, (0, 1, 0))
    assert damaged.escalation_rate_pct == 50.0
    assert (total.moved_to_dm, total.moved_to_dm_pct) == (2, 50.0)
    assert not_received.moved_to_dm_pct == 100.0
    assert (damaged.promises_kept, damaged.promises_missed, damaged.promises_kept_pct) == (1, 1, 50.0)
    assert (not_received.promises_open, not_received.promises_kept_pct) == (1, None)
    assert (total.promises_kept, total.promises_missed, total.promises_open) == (1, 1, 1)
    assert (total.satisfaction_avg, total.satisfaction_count) == (4.0, 2)
    assert report.category("uncategorised").satisfaction_avg is None


def test_outcomes_and_refunds_converted_with_the_latest_rate_of_the_month(october):
    report = report_generate(month=OCTOBER)

    outcomes = {o.key: o.cases for o in report.outcomes}
    assert outcomes == {"refund": 3, "replacement": 1}
    refunds = {t.currency: t for t in report.refunds.totals}
    assert (refunds["EUR"].amount, refunds["EUR"].rate, refunds["EUR"].converted) == (
        Decimal("50.00"),
        Decimal("1.20000000"),
        Decimal("60.00"),
    )
    assert refunds["EUR"].rate_valid_from == dt.date(2026, 10, 15)  # not the November rate
    assert (refunds["USD"].converted, refunds["USD"].rate) == (Decimal("20.00"), Decimal("1"))
    # JPY has no rate: reported, not converted, not in the total.
    assert (refunds["JPY"].amount, refunds["JPY"].rate, refunds["JPY"].converted) == (Decimal("3000.00"), None, None)
    assert report.refunds.unconverted_currencies == ("JPY",)
    assert report.refunds.converted_total == Decimal("80.00")
    assert report.category("damaged").refund_converted == Decimal("80.00")
    assert (report.category("not-received").refund_cases, report.category("not-received").refund_converted) == (
        1,
        Decimal("0.00"),
    )
    assert report.data_quality.refunds_without_rate == ("JPY",)


def test_breakdowns_by_account_country_language_carrier_and_sku(october):
    report = report_generate(month=OCTOBER)

    def counts(dimension):
        return {r.label: r.cases for r in report.breakdown(dimension).rows}

    assert counts("brand_account") == {"shop_help": 2, "shop_eu": 2}
    assert counts("country") == {"DE": 1, "FR": 1, "US": 1, "No linked order": 1}
    assert counts("language") == {"en": 2, "de": 1, "Unknown language": 1}
    assert counts("carrier") == {"DHL": 1, "UPS": 1, "Unknown carrier": 1, "No linked order": 1}
    assert counts("sku") == {"SKU-A": 2, "SKU-B": 1, "Order without items": 1, "No linked order": 1}
    damaged_index = [c.key for c in report.categories].index("damaged")
    sku_a = report.breakdown("sku").rows[0]
    assert (sku_a.label, sku_a.previous, sku_a.by_category[damaged_index]) == ("SKU-A", 1, 2)


def test_rising_categories_skus_and_carriers(october):
    report = report_generate(month=OCTOBER)
    rising = {
        g.dimension: [(i.label, i.cases, i.previous, i.growth, i.growth_pct) for i in g.items] for g in report.rising
    }

    assert rising["category"] == [("Uncategorised", 1, 0, 1, None), ("Damaged", 2, 1, 1, 100.0)]
    assert rising["sku"] == [("SKU-B", 1, 0, 1, None), ("SKU-A", 2, 1, 1, 100.0)]
    assert rising["carrier"] == [("UPS", 1, 0, 1, None)]


def test_missing_orders_unknown_carriers_and_excluded_cases_are_reported(october):
    quality = report_generate(month=OCTOBER).data_quality

    assert quality.without_order == 1
    assert quality.unknown_carrier == 1
    assert quality.unknown_country == 0
    assert quality.order_without_items == 1
    assert quality.unknown_language == 1
    assert quality.excluded_merged == 1
    assert quality.excluded_not_actionable == 1


def test_empty_month_gives_an_empty_well_formed_report(db, mid_november):
    report = report_generate(month=dt.date(2026, 6, 1))

    assert report.is_empty
    assert report.total.cases == 0
    assert report.total.share_pct is None
    assert not report.has_previous and report.total.previous is None
    assert report.total.first_response == DurationStats()
    assert all(c.cases == 0 for c in report.categories)
    assert all(not g.items for g in report.rising)
    assert report.refunds.converted_total == Decimal("0.00")
    assert report_to_dict(report)["total"]["cases"] == 0


def test_query_count_does_not_grow_with_the_data(october, django_assert_max_num_queries):
    # The report reads the rollups; folding them first is a fixed number of queries of its own
    # (tests/reports/test_rollups.py), so the two are counted apart.
    rollups_fold()
    with django_assert_max_num_queries(20) as small:
        report_generate(month=OCTOBER, fold=False)
    account = BrandAccountFactory()
    damaged = ComplaintCategory.objects.get(slug="damaged")
    for i in range(15):
        case = CaseFactory(
            brand_account=account,
            category=damaged,
            category_confirmed=True,
            opened_at=local(2026, 10, 2 + i, 9, 0),
            first_response_at=local(2026, 10, 2 + i, 10, i),
            resolved_at=local(2026, 10, 3 + i, 9, 0),
            outcome="reship",
        )
        order = OrderFactory(carrier=f"Carrier {i % 3}")
        OrderItemFactory(order=order, sku=f"SKU-X{i}")
        case.orders.add(order)
    rollups_fold()
    with django_assert_max_num_queries(len(small.captured_queries)):
        report = report_generate(month=OCTOBER, fold=False)
    assert report.total.cases == 19
    assert report.total.key == ALL
