"""The report says how much of the month rests on agents' categories and how much on a model's."""

from __future__ import annotations

import csv
import io

from crm_twitter.models import ComplaintCategory
from crm_twitter.reports.csv import report_csv
from crm_twitter.reports.generator import report_generate
from tests.factories import CaseFactory

from .conftest import OCTOBER, local


def test_confirmed_and_suggested_only_cases_per_category_with_the_model_behind_them(db, mid_november):
    damaged = ComplaintCategory.objects.get(slug="damaged")
    lost = ComplaintCategory.objects.get(slug="not-received")
    at = local(2026, 10, 10, 12)
    # Confirmed as suggested, confirmed against the suggestion, and three only suggested.
    CaseFactory(opened_at=at, category=damaged, category_confirmed=True, suggested_category=damaged)
    CaseFactory(opened_at=at, category=damaged, category_confirmed=True, suggested_category=lost)
    CaseFactory(opened_at=at, suggested_category=damaged, suggestion_model="desk-2", suggested_confidence=0.7)
    CaseFactory(opened_at=at, suggested_category=damaged, suggestion_model="shipped-2026.12.05")
    CaseFactory(opened_at=at, suggested_category=lost, suggestion_model="desk-2")
    CaseFactory(opened_at=at)  # no suggestion at all
    CaseFactory(opened_at=at, risk_kinds="chargeback,legal")
    CaseFactory(opened_at=at, risk_kinds="legal")

    report = report_generate(month=OCTOBER)
    rows = {r.key: r for r in report.categorisation}
    assert (rows["damaged"].confirmed, rows["damaged"].confirmed_as_suggested, rows["damaged"].suggested_only) == (
        2,
        1,
        2,
    )
    assert rows["damaged"].suggested_by == (("desk-2", 1), ("shipped-2026.12.05", 1))
    assert (rows["not-received"].confirmed, rows["not-received"].suggested_only) == (0, 1)
    assert rows["uncategorised"].suggested_only == 3  # the case without a suggestion and the two risk cases
    assert report.data_quality.uncategorised == 6  # the report still counts only confirmed categories
    assert dict(report.risk_signals) == {
        "chargeback": 1,
        "payment_dispute": 0,
        "legal": 2,
        "regulator": 0,
        "press": 0,
        "platform_claim": 0,
    }

    lines = list(csv.reader(io.StringIO(report_csv(report))))
    header = next(i for i, line in enumerate(lines) if line and line[0] == "How categories were set")
    assert "Suggested by (model version: cases)" in lines[header + 1]
    assert ["Damaged", "2", "1", "2", "desk-2: 1, shipped-2026.12.05: 1"] in lines
