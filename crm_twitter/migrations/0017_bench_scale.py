"""Inbox indexes for 1,000,000 cases: the reads that still grew with data (docs/scale.md).

Each one turns a read that visited every matching case (or built a bitmap of every open case)
into an index-only read of the few entries the page needs:

- an agent's queue counts, "assigned to me outside my teams": the agent's own open cases, and
  their resolved ones, by assignee (``crm_tw_case_open_assignee``, ``crm_tw_case_done_assignee``);
  before, escalated and overdue were a ``BitmapAnd`` with every escalated or overdue case, and
  resolved visited every resolved case of the agent in the table;
- a reach filter on the open queues, counted in the header (``crm_tw_case_open_reach``): the
  ``reach`` index has no status, so the count ANDed a bitmap of every open case;
- the resolved queue filtered to a narrow opening-date range (``crm_tw_case_done_opened``): read
  through those dates and sorted (``selectors.queues.NARROW_RANGE_CASES``);
- the name search, from a name's start (``crm_tw_xuser_name_prefix``, ``crm_tw_customer_name_prefix``).

Every index is paid by case writes that cannot be HOT updates; each indexes only columns already
indexed elsewhere, so none makes an update non-HOT that was HOT before. The partial ones are paid
only by the open (or resolved) cases they hold. Measured costs: docs/scale.md.

PostgreSQL-only, like 0003 and 0005; on SQLite it does nothing.
"""

from django.db import migrations

OPEN = "status IN ('new', 'acknowledged', 'in_dm', 'pending_merchant', 'awaiting_customer')"
DONE = "status IN ('resolved', 'closed') AND resolved_at IS NOT NULL"
# Every column a queue filter (or an agent's visibility) tests.
FILTERED = "status, team_id, assignee_id, category_id, brand_account_id, language, reach, escalation_level, is_overdue"

# (index name, table, columns, method, WHERE) — the shape of 0005's INDEXES.
INDEXES = (
    (
        "crm_tw_case_open_assignee",
        "crm_twitter_case",
        "assignee_id, team_id) INCLUDE (escalation_level, is_overdue, status",
        "btree",
        OPEN,
    ),
    ("crm_tw_case_done_assignee", "crm_twitter_case", "assignee_id, team_id", "btree", DONE),
    (
        "crm_tw_case_open_reach",
        "crm_twitter_case",
        "reach) INCLUDE (opened_at, status, team_id, assignee_id, category_id, brand_account_id, language, "
        "escalation_level, is_overdue",
        "btree",
        OPEN,
    ),
    (
        "crm_tw_case_done_opened",
        "crm_twitter_case",
        f"opened_at) INCLUDE (resolved_at, id, {FILTERED}",
        "btree",
        DONE,
    ),
)
# The name search matches names from their start first (``selectors.queues._search_q``): a b-tree
# range over the upper-cased names (``istartswith`` compiles to ``UPPER(col) LIKE 'DAVID%'``;
# text_pattern_ops, since the range must not depend on the database's collation). Paid by each new
# customer and X user, not by case writes.
INDEXES += (
    ("crm_tw_xuser_name_prefix", "crm_twitter_xuser", "UPPER(name) text_pattern_ops", "btree"),
    ("crm_tw_customer_name_prefix", "crm_twitter_customer", "UPPER(display_name) text_pattern_ops", "btree"),
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
    dependencies = [("crm_twitter", "0016_rollups")]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
