"""Indexes behind the inbox: urgency order over open cases, latest resolutions, and search.

The search indexes are PostgreSQL-only (pg_trgm): Django's ``icontains``/``iexact`` compile to
``UPPER(col) LIKE UPPER(%s)`` / ``UPPER(col) = UPPER(%s)``, so the indexes are on ``UPPER(col)``.
On SQLite (tests, small desks) the operations do nothing and search scans as before.
"""

from django.conf import settings
from django.db import migrations

OPEN = "'new', 'acknowledged', 'in_dm', 'pending_merchant', 'awaiting_customer'"

# (index name, table, expression, method[, WHERE]). The first two match the queue ORDER BYs
# exactly (SQLite cannot index NULLS LAST, hence raw SQL here rather than Meta.indexes): a queue
# page walks ~51 index entries instead of sorting every open case.
SEARCH_INDEXES = (
    (
        "crm_tw_case_open_urgency",
        "crm_twitter_case",
        "sla_due_at ASC NULLS LAST, escalation_level DESC, priority_score DESC, opened_at ASC, id ASC",
        "btree",
        f"status IN ({OPEN})",
    ),
    (
        # Every column the queue counts read: one index-only scan over the open cases.
        "crm_tw_case_open_counts",
        "crm_twitter_case",
        "team_id, assignee_id, escalation_level, is_overdue, status",
        "btree",
        f"status IN ({OPEN})",
    ),
    (
        "crm_tw_case_done_latest",
        "crm_twitter_case",
        "resolved_at DESC, id DESC",
        "btree",
        "status IN ('resolved', 'closed') AND resolved_at IS NOT NULL",
    ),
    ("crm_tw_xuser_name_trgm", "crm_twitter_xuser", "UPPER(name) gin_trgm_ops", "gin"),
    ("crm_tw_customer_name_trgm", "crm_twitter_customer", "UPPER(display_name) gin_trgm_ops", "gin"),
    ("crm_tw_tweet_text_trgm", "crm_twitter_tweet", "UPPER(text) gin_trgm_ops", "gin"),
    ("crm_tw_dm_text_trgm", "crm_twitter_directmessage", "UPPER(text) gin_trgm_ops", "gin"),
    ("crm_tw_xuser_handle_upper", "crm_twitter_xuser", "UPPER(handle)", "btree"),
)


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression, method, *where in SEARCH_INDEXES:
        condition = f" WHERE {where[0]}" if where else ""
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING {method} ({expression}){condition}'
        )


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, *_rest in SEARCH_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("crm_twitter", "0002_seed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes, elidable=False),
    ]
