"""Small related rows (category, team, account, assignee) attached by id instead of joined.

An eight-table join costs PostgreSQL more to plan than to run; these tables are tiny and a page
holds a handful of distinct ids, so one ``in_bulk`` per table (or the objects the caller already
loaded) does it.
"""

from __future__ import annotations

from typing import Any

from crm_twitter.models import (
    BrandAccount,
    Case,
    ComplaintCategory,
    Team,
)

# Small tables a queue row shows: attached from objects the caller already holds (the filter form
# loads them anyway) or fetched by id, instead of joined. An eight-table join costs PostgreSQL
# more to plan (~30 ms) than to run; three tables plan in well under a millisecond.
ROW_SMALL_RELATED = (
    ("category", ComplaintCategory),
    ("suggested_category", ComplaintCategory),
    ("team", Team),
    ("brand_account", BrandAccount),
    ("assignee", None),  # the user model
)


def _small_related_find(
    id_sets: dict[type, set[int]], known: dict[type, dict[int, Any]] | None
) -> dict[type, dict[int, Any]]:
    """``{model: {pk: object}}`` covering ``id_sets``: the caller's objects, plus one ``in_bulk``
    query per model for the ids they do not cover."""
    found = {model: dict(objs) for model, objs in (known or {}).items()}
    for model, ids in id_sets.items():
        have = found.setdefault(model, {})
        missing = ids - set(have) - {None}
        if missing:
            have.update(model._default_manager.in_bulk(missing))
    return found


def _attach_small_related(rows: list[Case], known: dict[type, dict[int, Any]] | None) -> None:
    """Set the category/team/account/assignee of each row; at most one query per table, only for
    ids the caller's objects do not cover."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    id_sets: dict[type, set[int]] = {}
    for name, model in ROW_SMALL_RELATED:
        field = Case._meta.get_field(name)
        id_sets.setdefault(model or user_model, set()).update(getattr(r, field.attname) for r in rows)
    found = _small_related_find(id_sets, known)
    for name, model in ROW_SMALL_RELATED:
        field = Case._meta.get_field(name)
        have = found[model or user_model]
        for row in rows:
            field.set_cached_value(row, have.get(getattr(row, field.attname)))
