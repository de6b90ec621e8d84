"""A crafted month of complaints (October 2026, merchant in Europe/Berlin) with known figures."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from crm_twitter.models import CaseEvent, CaseOutcome, CaseStatus, ComplaintCategory, Promise
from crm_twitter.services.rollups import rollups_fold
from tests.factories import (
    BrandAccountFactory,
    CaseEventFactory,
    CaseFactory,
    ExchangeRateFactory,
    OrderFactory,
    OrderItemFactory,
    PromiseFactory,
)

BERLIN = ZoneInfo("Europe/Berlin")
OCTOBER = dt.date(2026, 10, 1)


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def merchant_settings(settings):
    settings.CRM_TWITTER = {
        "TIME_ZONE": "Europe/Berlin",
        "REPORTING_CURRENCY": "USD",
        "REPORT_RECIPIENTS": ["boss@example.com"],
    }
    return settings


@pytest.fixture
def mid_november():
    with time_machine.travel(local(2026, 11, 15, 12, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def october(db, mid_november):
    """Cases around October 2026; figures expected from it are spelled out in the tests."""
    damaged = ComplaintCategory.objects.get(slug="damaged")
    not_received = ComplaintCategory.objects.get(slug="not-received")
    shop = BrandAccountFactory(handle="shop_help")
    shop_eu = BrandAccountFactory(handle="shop_eu")

    o1 = OrderFactory(destination_country="DE", carrier="DHL")
    OrderItemFactory(order=o1, sku="SKU-A")
    OrderItemFactory(order=o1, sku="SKU-B")
    o2 = OrderFactory(destination_country="FR", carrier="")
    OrderItemFactory(order=o2, sku="SKU-A")
    o3 = OrderFactory(destination_country="US", carrier="UPS")  # no items
    o4 = OrderFactory(destination_country="DE", carrier="DHL")
    OrderItemFactory(order=o4, sku="SKU-A")

    c1 = CaseFactory(
        brand_account=shop,
        language="en",
        category=damaged,
        category_confirmed=True,
        opened_at=local(2026, 10, 5, 10, 0),
        first_response_at=local(2026, 10, 5, 11, 0),
        moved_to_dm_at=local(2026, 10, 5, 11, 30),
        resolved_at=local(2026, 10, 7, 10, 0),
        status=CaseStatus.RESOLVED,
        outcome="refund",
        refund_amount=Decimal("50.00"),
        refund_currency="EUR",
        satisfaction=5,
    )
    c1.orders.add(o1)
    c2 = CaseFactory(
        brand_account=shop,
        language="de",
        category=damaged,
        category_confirmed=True,
        opened_at=local(2026, 10, 10, 8, 0),
        first_response_at=local(2026, 10, 10, 11, 0),
        resolved_at=local(2026, 10, 10, 18, 0),
        status=CaseStatus.RESOLVED,
        outcome="refund",
        refund_amount=Decimal("20.00"),
        refund_currency="USD",
        # Answered an hour after its first-response due time; the sweep never recorded a breach.
        sla_first_response_due=local(2026, 10, 10, 10, 0),
        sla_resolution_due=local(2026, 10, 13, 8, 0),
        escalation_level=0,  # escalated to 2 in October, de-escalated in November (events below)
        satisfaction=3,
    )
    c2.orders.add(o2)
    CaseEventFactory(
        case=c2, kind=CaseEvent.Kind.ESCALATED, data={"from": 0, "level": 2}, created_at=local(2026, 10, 10, 12, 0)
    )
    CaseEventFactory(
        case=c2, kind=CaseEvent.Kind.DEESCALATED, data={"from": 2, "level": 0}, created_at=local(2026, 11, 2, 9, 0)
    )
    # Escalated only after October: not an October escalation.
    CaseEventFactory(
        case=c1, kind=CaseEvent.Kind.ESCALATED, data={"from": 0, "level": 1}, created_at=local(2026, 11, 3, 9, 0)
    )
    # Opened 23:30 local on the last day (21:30 UTC... 22:30 UTC after DST): still October.
    c3 = CaseFactory(
        brand_account=shop_eu,
        language="en",
        category=not_received,
        category_confirmed=True,
        opened_at=local(2026, 10, 31, 23, 30),
        moved_to_dm_at=local(2026, 10, 31, 23, 45),
        status=CaseStatus.IN_DM,
    )
    # Suggested "damaged" but never confirmed: uncategorised. 00:10 local on Oct 1 is Sep 30 in UTC.
    c4 = CaseFactory(
        brand_account=shop_eu,
        language="",
        category=damaged,
        category_confirmed=False,
        opened_at=local(2026, 10, 1, 0, 10),
        first_response_at=local(2026, 10, 1, 2, 10),
        resolved_at=local(2026, 10, 2, 0, 10),
        status=CaseStatus.RESOLVED,
        outcome="replacement",
    )
    c4.orders.add(o3)
    # Opened in September, resolved in October with a refund in a currency without a rate.
    c5 = CaseFactory(
        brand_account=shop,
        language="ja",
        category=not_received,
        category_confirmed=True,
        opened_at=local(2026, 9, 20, 12, 0),
        resolved_at=local(2026, 10, 3, 12, 0),
        status=CaseStatus.RESOLVED,
        outcome="refund",
        refund_amount=Decimal("3000.00"),
        refund_currency="JPY",
    )
    c7 = CaseFactory(
        brand_account=shop,
        language="en",
        category=damaged,
        category_confirmed=True,
        opened_at=local(2026, 9, 30, 23, 30),
        status=CaseStatus.ACKNOWLEDGED,
    )
    c7.orders.add(o4)
    # November starts at midnight local: not October.
    CaseFactory(brand_account=shop, category=damaged, category_confirmed=True, opened_at=local(2026, 11, 1, 0, 0))
    # Not complaints: counted in data quality only.
    CaseFactory(brand_account=shop, opened_at=local(2026, 10, 12, 9, 0), merged_into=c1, status=CaseStatus.CLOSED)
    CaseFactory(brand_account=shop, opened_at=local(2026, 10, 13, 9, 0), status=CaseStatus.NOT_ACTIONABLE)
    # Same month last year.
    CaseFactory(brand_account=shop, category=damaged, category_confirmed=True, opened_at=local(2025, 10, 20, 9, 0))

    # What case_resolve writes: the report reads outcomes and refunds from the outcome history.
    for case in (c1, c2, c4, c5):
        CaseOutcome.objects.create(
            case=case,
            outcome=case.outcome,
            refund_amount=case.refund_amount,
            refund_currency=case.refund_currency,
            recorded_at=case.resolved_at,
        )

    PromiseFactory(case=c1, due_at=local(2026, 10, 8, 12, 0), status=Promise.Status.KEPT)
    PromiseFactory(case=c2, due_at=local(2026, 10, 12, 12, 0), status=Promise.Status.MISSED)
    PromiseFactory(case=c3, due_at=local(2026, 10, 20, 12, 0), status=Promise.Status.OPEN)
    PromiseFactory(case=c3, due_at=local(2026, 11, 5, 12, 0), status=Promise.Status.OPEN)  # due in November

    ExchangeRateFactory(currency="EUR", rate=Decimal("1.10"), valid_from=dt.date(2026, 1, 1))
    ExchangeRateFactory(currency="EUR", rate=Decimal("1.20"), valid_from=dt.date(2026, 10, 15))
    ExchangeRateFactory(currency="EUR", rate=Decimal("1.30"), valid_from=dt.date(2026, 11, 1))
    # The dashboard reads the rollups as of their last fold (every few minutes by the schedule).
    rollups_fold()
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c7": c7}
