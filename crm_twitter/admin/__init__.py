"""Django admin registrations, one module per concept.

Django's admin autodiscovery imports ``crm_twitter.admin``; this imports every module below.
Three are written by other parts of the project (the X cost ledger, the reports, the API tokens)
and may not exist in a partial checkout, so only those are optional: a missing core module is an
error, never silently skipped.
"""

from __future__ import annotations

import importlib

CORE_MODULES = (
    "accounts",
    "people",
    "orders",
    "messages",
    "cases",
    "taxonomy",
    "classifier",
    "teams",
    "outbound",
    "notifications",
    "signin",
    "webhooks",
    "evidence",
    "preferences",
    "incidents",
)
OPTIONAL_MODULES = ("costs", "reports", "api_tokens")

for _name in CORE_MODULES:
    importlib.import_module(f"{__name__}.{_name}")

for _name in OPTIONAL_MODULES:
    try:
        importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as _exc:
        # Only "this module does not exist yet" is tolerated, not a broken import inside it.
        if _exc.name != f"{__name__}.{_name}":
            raise
