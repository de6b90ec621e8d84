"""Which currency codes the desk accepts: one set, from CLDR, asked by every check.

Order import (``services/orders.py``), a case's refund (``services/lifecycle.py`` and the API's
outcome input) and the ``REPORTING_CURRENCY`` system check all call ``currency_is_valid``, so a
code accepted in one place is accepted in all of them. The data is the Unicode CLDR's history of
which currency each territory uses, shipped and kept current by Babel — not a list typed here.

The rule: a code is valid when it has been legal tender in some territory at any time since
``CHANGEOVERS_SINCE`` (2020-01-01), changeovers CLDR already schedules included. So:

- every currency in use today (EUR, USD, JPY, XOF, XCG, ZWG, SLE …);
- the codes replaced since 2020 that shops still send on orders placed before a changeover, and
  that a refund of such an order is recorded in: ANG (→ XCG, 2025), BGN (→ EUR, 2026),
  CUC (Cuba, 2021), HRK (→ EUR, 2023), SLL (→ SLE, 2023), ZWL (→ ZWG, 2024);
- not ISO 4217's fund codes and units of account, which no shop charges or refunds in (BOV, CHE,
  CHW, CLF, COU, MXV, USN, UYI, UYW and VED: CLDR marks them non-tender), nor precious metals,
  SDRs and test codes (XAU, XDR, XTS, XXX …: no territory uses them), nor codes retired before
  2020 (SVC, VEF, MRO, STD, BYR, LTL …).

Codes are compared exactly: callers upper-case and strip what a person typed before asking.
"""

from __future__ import annotations

import datetime as dt
import functools

from babel.core import get_global
from babel.numbers import get_territory_currencies

# Orders older than this rarely come back as complaints; a code retired before it is refused.
CHANGEOVERS_SINCE = dt.date(2020, 1, 1)
# "Until the end of the data": includes changeovers CLDR already lists with a future start date.
_FAR_FUTURE = dt.date(9999, 12, 31)


@functools.cache
def currencies() -> frozenset[str]:
    """Every valid code (see the module's rule); built once per process, on first use.

    Lazy because reading CLDR's tables takes tens of milliseconds that a process which never
    validates a currency (a worker that only syncs X) should not pay at start-up.
    """
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes.update(get_territory_currencies(territory, start_date=CHANGEOVERS_SINCE, end_date=_FAR_FUTURE))
    return frozenset(codes)


def currency_is_valid(code: object) -> bool:
    """Whether ``code`` is a currency an order, a refund or the reports may be in."""
    return isinstance(code, str) and code in currencies()
