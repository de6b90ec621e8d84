"""Inbox indexes for the two queue reads that still grew from 100k to 1M cases (docs/scale.md).

- ``crm_tw_case_unassigned_lang``: an agent's Unassigned queue filtered by language, by team and
  language and then in queue order. PostgreSQL expected 32 of a team's unassigned escalated cases
  to be in the language where all 2,067 were (a team's cases are in its language), so it read and
  sorted every one of them instead of walking ``crm_tw_case_unassigned_team`` to the first 51. With
  the language an index condition beside the team, the page is the first 51 entries of one index
  range, already in order, whatever the estimate.
- ``crm_tw_case_done_month``: the resolved queue by month of opening (UTC), then in the queue's
  order. A date range too wide to read and sort (``selectors.queues.NARROW_RANGE_CASES``) is read
  one month at a time, the first page's worth of each, instead of walking every resolution since
  the range ended (``selectors.queues._month_slices``).

Both are partial: the first is paid only by writes of open unassigned cases, the second once per
case, when it is resolved. Measured costs: docs/scale.md.

PostgreSQL-only, like 0003, 0005 and 0017; on SQLite it does nothing.
"""

from django.db import migrations

OPEN = "status IN ('new', 'acknowledged', 'in_dm', 'pending_merchant', 'awaiting_customer')"
DONE = "status IN ('resolved', 'closed') AND resolved_at IS NOT NULL"
# The month a case was opened in, in UTC: ``selectors.queues.OPENED_MONTH_SQL`` must be the same
# expression, or PostgreSQL cannot match its condition to the index.
OPENED_MONTH = "date_trunc('month', opened_at AT TIME ZONE 'UTC')"

# (index name, table, columns, method, WHERE) — the shape of 0017's INDEXES.
INDEXES = (
    (
        "crm_tw_case_unassigned_lang",
        "crm_twitter_case",
        "team_id, language, sla_due_at ASC NULLS LAST, escalation_level DESC, priority_score DESC, opened_at ASC, "
        "id ASC) INCLUDE (status, category_id, brand_account_id, reach, is_overdue",
        "btree",
        f"{OPEN} AND assignee_id IS NULL",
    ),
    (
        "crm_tw_case_done_month",
        "crm_twitter_case",
        f"({OPENED_MONTH}), resolved_at DESC, id DESC) INCLUDE (opened_at, status, team_id, assignee_id, "
        "category_id, brand_account_id, language, reach, escalation_level, is_overdue",
        "btree",
        DONE,
    ),
)


def _create(schema_editor, indexes):
    for name, table, expression, method, *where in indexes:
        condition = f" WHERE {where[0]}" if where else ""
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING {method} ({expression}){condition}'
        )


def _drop(schema_editor, indexes):
    for name, *_rest in indexes:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _create(schema_editor, INDEXES)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _drop(schema_editor, INDEXES)


class Migration(migrations.Migration):
    dependencies = [("crm_twitter", "0020_ingest_writes")]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
