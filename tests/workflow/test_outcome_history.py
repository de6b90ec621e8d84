"""Issue #24 item 3: outcomes and refunds are history. A reopen adds to the record, never erases
it; a case refunded twice shows both refunds on the case page, in the admin and in the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from crm_twitter.models import CaseOutcome, CaseStatus
from crm_twitter.services.case_inputs import MessageArrival
from crm_twitter.services.case_intake import case_messages_received
from crm_twitter.services.lifecycle import case_reopen, case_resolve
from tests.api.conftest import token_client
from tests.factories import CaseFactory

T0 = dt.datetime(2026, 10, 6, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def refunded_twice(agent):
    """Refunded 30 EUR on Oct 6, reopened by the customer on Oct 8, refunded 10.50 USD on Oct 9."""
    case = CaseFactory(
        team=agent.crm_team, status=CaseStatus.IN_DM, opened_at=T0, first_response_at=T0, moved_to_dm_at=T0
    )
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        case = case_resolve(case=case, actor=agent, outcome="refund", refund_amount="30", refund_currency="EUR")
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        (case,) = case_messages_received(
            arrivals=[MessageArrival(case_id=case.pk, at=T0 + dt.timedelta(days=2), channel="dm", text="2nd broken")]
        )
    assert case.status == CaseStatus.IN_DM  # the customer's message reopened it
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        case = case_resolve(
            case=case,
            actor=agent,
            outcome="partial_refund",
            refund_amount="10.50",
            refund_currency="USD",
            note="Second item",
        )
    return case


def test_a_reopen_keeps_the_refund_and_a_second_resolution_adds_one(refunded_twice, agent):
    history = [
        (o.outcome, o.refund_amount, o.refund_currency, o.recorded_at, o.recorded_by_id)
        for o in CaseOutcome.objects.filter(case=refunded_twice)
    ]
    assert history == [
        ("refund", Decimal("30.00"), "EUR", T0 + dt.timedelta(hours=2), agent.pk),
        ("partial_refund", Decimal("10.50"), "USD", T0 + dt.timedelta(days=3), agent.pk),
    ]


def test_a_reopened_case_still_shows_the_refund_it_got(agent):
    case = CaseFactory(team=agent.crm_team, status=CaseStatus.IN_DM, opened_at=T0, first_response_at=T0)
    case = case_resolve(case=case, actor=agent, outcome="refund", refund_amount="30", refund_currency="EUR")
    case = case_reopen(case=case, actor=agent, reason="Wrong item refunded")
    assert case.is_open
    assert (case.outcome, case.refund_amount, case.refund_currency) == ("refund", Decimal("30.00"), "EUR")
    assert [o.refund_amount for o in case.outcome_records.all()] == [Decimal("30.00")]


def test_the_api_lists_both_refunds(refunded_twice, agent):
    body = token_client(agent).get(f"/api/v1/cases/{refunded_twice.pk}/").json()
    assert [(o["outcome"], o["refund"], o["note"]) for o in body["outcome_history"]] == [
        ("refund", {"amount": "30.00", "currency": "EUR"}, ""),
        ("partial_refund", {"amount": "10.50", "currency": "USD"}, "Second item"),
    ]
    assert body["outcome_history"][0]["recorded_by"]["id"] == agent.pk
    assert body["outcome"] == "partial_refund"  # the latest


def test_the_case_page_shows_both_refunds(client, refunded_twice, agent):
    client.force_login(agent)
    html = client.get(reverse("crm_twitter_inbox:case", args=[refunded_twice.pk])).content.decode()
    assert "Outcome history" in html
    assert "Refund · 30.00 EUR" in html
    assert "Partial refund · 10.50 USD — Second item" in html


def test_the_case_page_of_a_reopened_case_shows_its_earlier_refund(client, agent):
    case = CaseFactory(team=agent.crm_team, status=CaseStatus.IN_DM, opened_at=T0, first_response_at=T0)
    case = case_resolve(case=case, actor=agent, outcome="refund", refund_amount="30", refund_currency="EUR")
    case_reopen(case=case, actor=agent)
    client.force_login(agent)
    html = client.get(reverse("crm_twitter_inbox:case", args=[case.pk])).content.decode()
    assert "Outcome history" in html and "Refund · 30.00 EUR" in html


def test_the_admin_shows_both_refunds(admin_client, refunded_twice):
    html = admin_client.get(reverse("admin:crm_twitter_case_change", args=[refunded_twice.pk])).content.decode()
    assert "Outcome history" in html
    assert "Refund · 30.00 EUR" in html
    assert "Partial refund · 10.50 USD — Second item" in html


def test_the_migration_recovers_refunds_a_reopen_had_cleared(db):
    """Before the history, a reopen blanked the case's outcome; its audit event kept the refund."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from crm_twitter.models import CaseEvent
    from tests.factories import CaseEventFactory

    migration = importlib.import_module("crm_twitter.migrations.0008_case_outcome_history")
    reopened = CaseFactory(status=CaseStatus.IN_DM, outcome="")  # refunded, then reopened
    CaseEventFactory(
        case=reopened,
        kind=CaseEvent.Kind.OUTCOME_RECORDED,
        created_at=T0,
        data={"outcome": "refund", "note": "", "refund_amount": "30.00", "refund_currency": "EUR"},
    )
    legacy = CaseFactory(status=CaseStatus.RESOLVED, outcome="reship", resolved_at=T0, outcome_note="Express")
    migration.outcomes_from_history(apps, SimpleNamespace(connection=connection))
    assert [(o.outcome, o.refund_amount, o.refund_currency, o.recorded_at) for o in reopened.outcome_records.all()] == [
        ("refund", Decimal("30.00"), "EUR", T0)
    ]
    assert [(o.outcome, o.note, o.recorded_at) for o in legacy.outcome_records.all()] == [("reship", "Express", T0)]
    reopened.refresh_from_db()  # the case shows its latest recorded outcome again
    assert (reopened.outcome, reopened.refund_amount, reopened.refund_currency) == ("refund", Decimal("30.00"), "EUR")
