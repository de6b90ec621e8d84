"""A month built only through the services, checked figure by figure in HTML, CSV and XLSX.

October 2026 (Europe/Berlin), normal priority (first response 4 h, resolution 72 h by default):

- A "damaged": opened Oct 5 10:00, first reply 16:00 — two hours after its due time, and no SLA
  sweep ever ran, so no breach was recorded. Escalated to level 2 on Oct 6, refunded 30 EUR that
  day, reopened on Oct 8 and refunded another 10 EUR on Oct 9.
- B "not received": opened Oct 10 09:00, answered 10:00 (on time), escalated to 1 then 3 in
  October, de-escalated to 0 on Nov 3, still not resolved on Nov 15: resolution overdue.
- C "damaged": opened Oct 20 12:00, answered 12:30, resolved the next day: met.

Expected: SLA met 1, breached 2 (A late reply, B overdue), compliance 33.3 %; escalated 2 of 3
(66.7 %), highest levels reached 2 (A) and 3 (B) — whatever happened in November. Outcomes
recorded: refund, partial refund (both A's), replacement (C); refunds 2 × EUR = 40.00 EUR, 44.00 USD.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook

from crm_twitter.models import ComplaintCategory
from crm_twitter.reports.csv import report_csv
from crm_twitter.reports.generator import report_generate
from crm_twitter.reports.html import report_html
from crm_twitter.reports.xlsx import report_xlsx
from crm_twitter.services.case_edits import case_set_category
from crm_twitter.services.case_inputs import CaseOpenSpec, ResponseArrival
from crm_twitter.services.case_intake import case_open, case_response_recorded
from crm_twitter.services.escalation import case_escalate
from crm_twitter.services.lifecycle import case_reopen, case_resolve
from tests.factories import BrandAccountFactory, CustomerFactory, ExchangeRateFactory, UserFactory, XUserFactory
from tests.reports.conftest import OCTOBER, local


def _at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def _open(brand, at: dt.datetime):
    customer = CustomerFactory()
    with _at(at):
        return case_open(
            spec=CaseOpenSpec(
                customer_id=customer.pk,
                brand_account_id=brand.pk,
                customer_x_user_id=XUserFactory(customer=customer).pk,
                opened_at=at,
                language="en",
                text="@shop_help where is my parcel?",
            )
        )


def _reply(case, at: dt.datetime):
    with _at(at):
        return case_response_recorded(response=ResponseArrival(case_id=case.pk, at=at, channel="public"))


@pytest.fixture
def built_month(db):
    agent = UserFactory()
    supervisor = UserFactory(roles=["crm_supervisor"])  # only a supervisor lowers an escalation
    brand = BrandAccountFactory(handle="shop_help")
    ExchangeRateFactory(currency="EUR", rate=Decimal("1.10"), valid_from=dt.date(2026, 1, 1))
    damaged = ComplaintCategory.objects.get(slug="damaged")
    not_received = ComplaintCategory.objects.get(slug="not-received")

    a = _open(brand, local(2026, 10, 5, 10, 0))
    a = _reply(a, local(2026, 10, 5, 16, 0))  # due 14:00: late
    with _at(local(2026, 10, 5, 17, 0)):
        a = case_set_category(case=a, actor=agent, category=damaged)
    with _at(local(2026, 10, 6, 9, 0)):
        a = case_escalate(case=a, actor=agent, reason="Customer threatens a chargeback", level=2)
    with _at(local(2026, 10, 6, 18, 0)):
        a = case_resolve(case=a, actor=agent, outcome="refund", refund_amount=Decimal("30.00"), refund_currency="EUR")
    with _at(local(2026, 10, 8, 10, 0)):  # the customer writes again: the 30 EUR must stay on record
        a = case_reopen(case=a, actor=agent, reason="Second item also broken")
    with _at(local(2026, 10, 9, 10, 0)):
        a = case_resolve(
            case=a, actor=agent, outcome="partial_refund", refund_amount=Decimal("10.00"), refund_currency="EUR"
        )

    b = _open(brand, local(2026, 10, 10, 9, 0))
    b = _reply(b, local(2026, 10, 10, 10, 0))
    with _at(local(2026, 10, 10, 11, 0)):
        b = case_set_category(case=b, actor=agent, category=not_received)
    with _at(local(2026, 10, 11, 9, 0)):
        b = case_escalate(case=b, actor=agent, reason="Second nudge", level=1)
    with _at(local(2026, 10, 12, 9, 0)):
        b = case_escalate(case=b, actor=agent, reason="Founder mentioned", level=3)
    with _at(local(2026, 11, 3, 9, 0)):  # after the month: must not rewrite October
        b = case_escalate(case=b, actor=supervisor, reason="Carrier found the parcel", level=0)
    assert b.escalation_level == 0

    c = _open(brand, local(2026, 10, 20, 12, 0))
    c = _reply(c, local(2026, 10, 20, 12, 30))
    with _at(local(2026, 10, 21, 12, 0)):
        c = case_resolve(case=c, actor=agent, outcome="replacement", category=damaged)

    assert a.sla_breached_at is None  # the sweep never ran: the report must not rely on it
    with _at(local(2026, 11, 15, 12, 0)):
        yield report_generate(month=OCTOBER)


def test_generator_counts_a_late_reply_as_a_breach_and_keeps_october_escalations(built_month):
    total, damaged, not_received = (
        built_month.total,
        built_month.category("damaged"),
        built_month.category("not-received"),
    )
    assert (total.cases, total.sla_met, total.sla_breached, total.sla_pending) == (3, 1, 2, 0)
    assert total.sla_compliance_pct == 33.3
    assert (damaged.sla_compliance_pct, not_received.sla_compliance_pct) == (50.0, 0.0)
    assert (total.escalated, total.escalation_rate_pct, total.escalation_highest) == (2, 66.7, (0, 1, 1))
    assert damaged.escalation_highest == (0, 1, 0)
    assert not_received.escalation_highest == (0, 0, 1)
    assert total.first_response.median == 3600.0  # 6 h, 1 h, 30 min
    assert total.resolved == 2  # A (again, Oct 9) and C
    assert {o.key: o.cases for o in built_month.outcomes} == {"refund": 1, "partial_refund": 1, "replacement": 1}
    (eur,) = built_month.refunds.totals
    assert (eur.currency, eur.cases, eur.amount, eur.converted) == ("EUR", 2, Decimal("40.00"), Decimal("44.00"))
    assert (damaged.refund_cases, damaged.refund_converted) == (2, Decimal("44.00"))


def test_html_shows_the_figures_and_the_definitions(built_month):
    html = report_html(built_month)

    assert "<td>SLA compliance</td><td>33.3%</td>" in html
    assert "<td>SLA breached</td><td>2</td>" in html
    assert "<td>Escalated in the month</td><td>2</td>" in html
    assert "<td>Escalation rate</td><td>66.7%</td>" in html
    # Escalations: category, cases, escalated, %, highest level 1, 2, 3.
    assert "<td>Damaged</td><td>2</td><td>1</td><td>50.0%</td><td>0</td><td>1</td><td>0</td>" in html
    assert "<td>Not received</td><td>1</td><td>1</td><td>100.0%</td><td>0</td><td>0</td><td>1</td>" in html
    assert "<td>EUR</td><td>2</td><td>40.00</td><td>1.1</td><td>2026-01-01</td><td>44.00</td>" in html
    assert 'id="report-definitions"' in html
    assert "Reopening a case never erases a recorded outcome or refund" in html


def _csv_blocks(text: str) -> dict[str, list[list[str]]]:
    blocks: dict[str, list[list[str]]] = {}
    current = None
    for row in csv.reader(io.StringIO(text)):
        if not row:
            current = None
            continue
        if current is None:
            current = blocks.setdefault(row[0], [])
            continue
        current.append(row)
    return blocks


def test_csv_headers_carry_units_and_the_figures_match(built_month):
    blocks = _csv_blocks(report_csv(built_month))

    summary = {row[0]: row[1] for row in blocks["Summary"][1:] if len(row) > 1}
    assert summary["SLA compliance (%)"] == "33.3"
    assert summary["SLA breached"] == "2"
    assert summary["Escalation rate (%)"] == "66.7"
    assert summary["Median first response (hours)"] == "1.0"
    service_header = blocks["Response, resolution and service"][0]
    assert {"SLA compliance (%)", "Escalated (%)", "Moved to DM (%)", "First response: median (hours)"} <= set(
        service_header
    )
    escalations = blocks["Escalations"]
    assert escalations[0] == [
        "Category",
        "Cases",
        "Escalated in the month",
        "Escalated (%)",
        "Highest level 1",
        "Highest level 2",
        "Highest level 3",
    ]
    assert ["All complaints", "3", "2", "66.7", "0", "1", "1"] in escalations
    assert ["EUR", "2", "40.00", "2026-01-01", "44.00"] in [
        [r[0], r[1], r[2], r[4], r[5]] for r in blocks["Refunds"] if len(r) > 5
    ]
    assert [Decimal(r[3]) for r in blocks["Refunds"] if r[0] == "EUR"] == [Decimal("1.1")]
    outcomes = {row[0]: row[1] for row in blocks["Outcomes"][1:] if len(row) > 1}
    assert outcomes == {"Refund": "1", "Partial refund": "1", "Replacement": "1"}
    assert "Definitions" in blocks
    assert all("%" not in h or "(%)" in h for block in blocks.values() if block for h in block[0][1:])


def test_xlsx_has_units_figures_and_a_definitions_sheet(built_month):
    workbook = load_workbook(io.BytesIO(report_xlsx(built_month)))

    summary = {r[0]: r[1] for r in workbook["Summary"].iter_rows(values_only=True) if r[0]}
    assert summary["SLA compliance (%)"] == 33.3
    assert summary["SLA breached"] == 2
    assert summary["Escalation rate (%)"] == 66.7
    escalations = list(workbook["Escalations"].iter_rows(values_only=True))
    assert escalations[0][3] == "Escalated (%)"
    assert ("All complaints", 3, 2, 66.7, 0, 1, 1) in escalations
    assert ("EUR", 2, 40.0, 1.1, "2026-01-01", 44.0) in list(workbook["Refunds"].iter_rows(values_only=True))
    definitions = {r[0]: r[1] for r in workbook["Definitions"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert "met / (met + breached)" in definitions["SLA compliance (%)"]
    assert "a case refunded twice shows both" in definitions["Outcomes and refunds"]
