"""One set of currencies: order import, refunds (service and API) and the reporting-currency check
accept and refuse the same codes (crm_twitter/currencies.py)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from crm_twitter.checks import check_settings
from crm_twitter.currencies import currencies, currency_is_valid
from crm_twitter.models import Case, CaseStatus
from crm_twitter.services.errors import CaseRuleError
from crm_twitter.services.lifecycle import case_resolve
from crm_twitter.services.orders import orders_upsert
from tests.api.conftest import token_client
from tests.factories import CaseFactory

# The codes the two hand-typed lists disagreed on (orders accepted them, refunds did not), plus
# today's codes, the changeovers since 2020 and the codes that are not money a shop charges in.
ACCEPTED = [
    "EUR",
    "USD",
    "XOF",
    "XCG",  # Caribbean guilder, replaced ANG in 2025
    "ZWG",  # Zimbabwe Gold, replaced ZWL in 2024
    "CUC",  # withdrawn 2021: on orders placed before, and their refunds
    "SLL",  # old leone, replaced by SLE in 2023
    "ZWL",
    "ANG",
    "BGN",  # Bulgaria joined the euro in 2026
    "HRK",  # Croatia joined the euro in 2023
]
REFUSED = [
    "BOV",  # funds and units of account: no shop charges or refunds in them
    "CLF",
    "USN",
    "UYW",
    "VED",
    "XAU",  # gold, test and no-currency codes: no territory uses them
    "XTS",
    "XXX",
    "SVC",  # retired in 2001
    "VEF",  # retired in 2018
    "ABC",  # not a code at all
]


def _refund_via_service(code: str) -> bool:
    case = CaseFactory(status=CaseStatus.PENDING_MERCHANT)
    try:
        case_resolve(case=case, actor=None, outcome="refund", refund_amount="25.00", refund_currency=code)
    except CaseRuleError as exc:
        assert exc.field == "refund_currency"
        return False
    assert Case.objects.get(pk=case.pk).refund_currency == code
    return True


def _refund_via_api(code: str, user) -> bool:
    case = CaseFactory(team=user.crm_team, status=CaseStatus.PENDING_MERCHANT)
    response = token_client(user).post(
        f"/api/v1/cases/{case.pk}/outcome/",
        {"outcome": "refund", "refund_amount": "25.00", "refund_currency": code},
        format="json",
    )
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert "refund_currency" in response.json()["error"]["fields"]
    return response.status_code == 200


def _order_import(code: str) -> bool:
    [result] = orders_upsert(rows=[{"order_number": f"7700{code}", "currency": code}], link_cases=False)
    assert result.ok or set(result.errors) == {"currency"}, result.errors
    return result.ok


def _reporting_check(code: str) -> bool:
    with override_settings(CRM_TWITTER={"REPORTING_CURRENCY": code}):
        return not [e for e in check_settings() if e.id == "crm_twitter.E007"]


@pytest.mark.parametrize(
    ("code", "expected"), [(c, True) for c in ACCEPTED] + [(c, False) for c in REFUSED], ids=ACCEPTED + REFUSED
)
def test_order_import_refunds_api_and_reporting_check_agree_on_a_code(code, expected, agent):
    answers = {
        "currency_is_valid": currency_is_valid(code),
        "refund (service)": _refund_via_service(code),
        "refund (API)": _refund_via_api(code, agent),
        "order import": _order_import(code),
        "REPORTING_CURRENCY check": _reporting_check(code),
    }
    assert answers == dict.fromkeys(answers, expected)


def test_lower_case_codes_are_upper_cased_by_the_interfaces_not_by_the_rule(agent):
    assert not currency_is_valid("eur")
    assert _refund_via_api("eur", agent)
    assert _order_import("eur")
    assert not _reporting_check("eur")  # a setting is written by a developer: exact code expected


def test_non_strings_are_not_currencies():
    assert not any(currency_is_valid(value) for value in (None, 978, b"EUR", ["EUR"]))


def test_the_set_comes_from_cldr_not_a_typed_list():
    codes = currencies()
    assert 150 <= len(codes) <= 200  # every circulating currency, give or take a changeover
    assert all(len(code) == 3 and code.isalpha() and code.isupper() for code in codes)
