"""The cost governor: every call priced, same-day re-reads free, spend per account/day/case, budgets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from crm_twitter.models import ApiCall, BilledResource
from crm_twitter.x.costs import (
    BUDGET_OK,
    BUDGET_SLOWED,
    BUDGET_STOPPED,
    account_budget_state,
    account_spend,
    api_call_record,
)
from crm_twitter.x.gateway import CallRecord, RateLimit
from tests.factories import BrandAccountFactory, CaseFactory

pytestmark = pytest.mark.django_db

MENTIONS = "GET /2/users/:id/mentions"


def record(kind: str, ids, *, status=200, endpoint=MENTIONS, remaining=10):
    return CallRecord(
        endpoint=endpoint,
        status_code=status,
        resource_kind=kind,
        resource_ids=tuple(ids),
        rate_limit=RateLimit(limit=450, remaining=remaining, reset_at=dt.datetime(2026, 11, 28, 12, 15, tzinfo=dt.UTC)),
        duration_ms=12,
    )


def test_a_call_is_priced_by_resource_kind_and_count():
    account = BrandAccountFactory()
    call = api_call_record(account=account, record=record("user_read", ["1", "2", "3"]))
    assert call.resources == 3 and call.billed_resources == 3
    assert call.cost == Decimal("0.030")
    account.refresh_from_db()
    assert account.rate_limits[MENTIONS]["remaining"] == 10


def test_reading_the_same_resource_twice_a_day_is_billed_once():
    account = BrandAccountFactory()
    with time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC)):
        api_call_record(account=account, record=record("post_read", ["1", "2"]))
        second = api_call_record(account=account, record=record("post_read", ["2", "3"]))
    assert second.billed_resources == 1
    assert second.cost == Decimal("0.005")
    with time_machine.travel(dt.datetime(2026, 11, 29, 0, 1, tzinfo=dt.UTC)):
        next_day = api_call_record(account=account, record=record("post_read", ["1"]))
    assert next_day.billed_resources == 1
    assert BilledResource.objects.count() == 4


def test_a_failed_call_costs_nothing_but_is_recorded():
    account = BrandAccountFactory()
    call = api_call_record(account=account, record=record("owned_read", [], status=503))
    assert call.cost == 0 and call.status_code == 503


def test_creates_are_billed_every_time():
    account = BrandAccountFactory()
    api_call_record(account=account, record=record("post_create", ["9"], endpoint="POST /2/tweets"))
    api_call_record(account=account, record=record("post_create", ["9"], endpoint="POST /2/tweets"))
    assert account_spend(account=account) == Decimal("0.030")


def test_spend_per_account_day_and_case():
    account, other = BrandAccountFactory(), BrandAccountFactory()
    case = CaseFactory(brand_account=account)
    day = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
    with time_machine.travel(day):
        api_call_record(account=account, record=record("user_read", ["1"]), case=case)
        api_call_record(account=other, record=record("user_read", ["1"]))
    with time_machine.travel(day + dt.timedelta(days=1)):
        api_call_record(account=account, record=record("post_read", ["5"]))
    assert account_spend(account=account) == Decimal("0.015")
    assert account_spend(account=account, day=day.date()) == Decimal("0.010")
    assert account_spend(case=case) == Decimal("0.010")
    assert account_spend() == Decimal("0.025")


@pytest.mark.parametrize(("spent", "state"), [("0.10", BUDGET_OK), ("0.85", BUDGET_SLOWED), ("1.00", BUDGET_STOPPED)])
def test_budget_state_follows_the_monthly_spend(spent, state):
    account = BrandAccountFactory(monthly_budget=Decimal("1.00"))
    ApiCall.objects.create(account=account, endpoint=MENTIONS, cost=Decimal(spent))
    assert account_budget_state(account=account).state == state


def test_last_months_spend_does_not_count_against_this_months_budget():
    account = BrandAccountFactory(monthly_budget=Decimal("1.00"))
    with time_machine.travel(dt.datetime(2026, 10, 31, 23, tzinfo=dt.UTC)):
        ApiCall.objects.create(account=account, endpoint=MENTIONS, cost=Decimal("5"))
    with time_machine.travel(dt.datetime(2026, 11, 1, 1, tzinfo=dt.UTC)):
        assert account_budget_state(account=account).state == BUDGET_OK


def test_admin_lists_calls_and_shows_spend_per_account_day_and_case(admin_client, django_assert_max_num_queries):
    import crm_twitter.admin.costs  # noqa: F401  (registered by crm_twitter.admin as well)

    account = BrandAccountFactory(handle="brandhelp", monthly_budget=Decimal("50"))
    for i in range(30):
        case = CaseFactory(brand_account=account)
        api_call_record(account=account, record=record("user_read", [str(i)]), case=case)
    with django_assert_max_num_queries(15):
        changelist = admin_client.get(reverse("admin:crm_twitter_apicall_changelist"))
    assert changelist.status_code == 200
    assert b"0.3000" in changelist.content
    with django_assert_max_num_queries(15):
        spend = admin_client.get(reverse("admin:crm_twitter_apicall_spend"))
    assert spend.status_code == 200
    text = spend.content.decode()
    assert "@brandhelp" in text and "0.3000" in text and "CS-" in text
