"""``crm_twitter.db.sql``: the raw SQL helpers behave the same on SQLite and PostgreSQL.

The suite runs on SQLite by default and on PostgreSQL with ``DATABASE_URL``; every test here runs
on both.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection

from crm_twitter.db.sql import (
    datetime_param,
    json_object_sql,
    placeholders,
    qn,
    rows_fetch,
    statement_run,
    statement_run_many,
)
from crm_twitter.models import CaseEvent
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

TABLE = CaseEvent._meta.db_table
MOMENT = dt.datetime(2026, 11, 1, 9, 30, 15, tzinfo=dt.UTC)


def test_placeholders_make_an_in_list_and_refuse_an_empty_one():
    assert placeholders(3) == "%s, %s, %s"
    with pytest.raises(ValueError):
        placeholders(0)


def test_a_statement_inserts_rows_that_the_orm_reads_back_with_their_json_and_time():
    case = CaseFactory()
    sql = (
        f"INSERT INTO {qn(TABLE)} ({qn('case_id')}, {qn('kind')}, {qn('message')}, {qn('data')}, {qn('created_at')}) "
        f"SELECT %s, %s, %s, {json_object_sql()}('level', %s, 'why', %s), %s"
    )
    written = statement_run(sql, [case.pk, "escalated", "raw", 2, "reach", datetime_param(MOMENT)])
    assert written == 1
    event = CaseEvent.objects.get(case=case, message="raw")
    data = event.data if isinstance(event.data, dict) else json.loads(event.data)
    assert data == {"level": 2, "why": "reach"}
    assert event.created_at == MOMENT


def test_many_rows_through_one_statement_and_a_select_reads_them_in_order():
    case = CaseFactory()
    sql = (
        f"INSERT INTO {qn(TABLE)} ({qn('case_id')}, {qn('kind')}, {qn('message')}, {qn('data')}, {qn('created_at')}) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s)"
    )
    statement_run_many(sql, [(case.pk, "note", f"n{i}", "{}", datetime_param(MOMENT)) for i in range(3)])
    rows = rows_fetch(
        f"SELECT {qn('message')} FROM {qn(TABLE)} WHERE {qn('case_id')} = %s AND {qn('kind')} IN ({placeholders(1)}) "  # noqa: S608
        f"ORDER BY {qn('message')}",
        [case.pk, "note"],
    )
    assert rows == [("n0",), ("n1",), ("n2",)]


def test_an_update_reports_how_many_rows_it_touched():
    case = CaseFactory()
    CaseEvent.objects.create(case=case, kind="note", message="a", data={}, created_at=MOMENT)
    CaseEvent.objects.create(case=case, kind="note", message="b", data={}, created_at=MOMENT)
    touched = statement_run(
        f"UPDATE {qn(TABLE)} SET {qn('message')} = %s WHERE {qn('case_id')} = %s",  # noqa: S608
        ["edited", case.pk],
    )
    assert touched == 2
    assert set(CaseEvent.objects.filter(case=case).values_list("message", flat=True)) == {"edited"}


def test_quoting_follows_the_backend():
    quoted = qn("case_id")
    assert quoted == ('"case_id"' if connection.vendor in {"sqlite", "postgresql"} else quoted)
