"""Deprecated: the bulk writers moved to ``crm_twitter.db.bulk``; import them from there.

Kept for the modules not yet switched over (``services.message_routing``); delete it once
nothing imports it.
"""

from __future__ import annotations

from crm_twitter.db.bulk import (
    ids_allocate,
    instances_factory,
    instances_locked,
    rows_insert,
    rows_update,
    values_insert,
    values_update,
    values_where_in,
)

__all__ = [
    "ids_allocate",
    "instances_factory",
    "instances_locked",
    "rows_insert",
    "rows_update",
    "values_insert",
    "values_update",
    "values_where_in",
]
