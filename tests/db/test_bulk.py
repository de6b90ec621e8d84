"""``crm_twitter.db.bulk``'s set-based writes store exactly what the ORM stores, on SQLite and PostgreSQL.

PostgreSQL runs ``values_update`` as ``UPDATE … FROM (VALUES …)`` with a cast per value and wide
inserts as ``INSERT … SELECT * FROM unnest(arrays)``; SQLite keeps ``executemany``. Every test
writes the same values through the fast path and through the ORM and compares what the ORM
reads back, so a type the casts get wrong (a NULL column, jsonb, a timestamp, a numeric) shows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext

from crm_twitter.db import bulk
from crm_twitter.db.bulk import rows_insert, rows_update, values_update
from crm_twitter.models import Case, CaseStatus, ComplaintCategory, Priority, XUser
from tests.factories import CaseFactory, CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 11, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
AWKWARD = 'O\'Brien said "hi" \\ {a,b} 👋 订单 ünïcode'  # quotes, backslash, braces, emoji, CJK

CASE_COLUMNS = [
    "status",
    "priority",
    "priority_score",
    "team_id",
    "assignee_id",
    "category_id",
    "customer_x_user_id",
    "category_confirmed",
    "outcome_note",
    "refund_amount",
    "escalation_level",
    "escalation_reason",
    "conversation_ids",
    "sla_due_at",
    "first_response_at",
    "last_message_preview",
    "reach",
    "has_risk_words",
    "satisfaction",
]


def _stored(model, pks, columns) -> dict:
    """Per pk, the values of ``columns`` as the ORM reads them back."""
    names = [model._meta.get_field(c).attname for c in columns]
    return {obj.pk: tuple(getattr(obj, n) for n in names) for obj in model.objects.filter(pk__in=pks)}


def _case_values(i: int, *, team, agent, category) -> tuple:
    """A row for CASE_COLUMNS; every third row is mostly NULLs and empty strings."""
    if i % 3 == 2:
        return (
            CaseStatus.NEW,
            "normal",
            0,
            None,
            None,
            None,
            None,
            False,
            "",
            None,
            0,
            "",
            [],
            None,
            None,
            "",
            0,
            False,
            None,
        )
    return (
        CaseStatus.IN_DM if i % 2 else "resolved",
        Priority.HIGH,
        -7 + i,
        team.pk,
        agent.pk,
        category.pk,
        None,
        True,
        f"{AWKWARD} #{i}\nsecond line",
        Decimal("12.346") if i % 2 else Decimal("0.10"),
        3,
        "NULL",  # the word, not SQL NULL
        [str(i), "17", {"k": "v"}],
        (MOMENT + dt.timedelta(minutes=i)).astimezone(SHANGHAI),
        MOMENT,
        "   ",
        2_000_000_000,
        bool(i % 2),
        5,
    )


def _two_sets_of_cases(count: int) -> tuple[list[Case], list[Case]]:
    customer = CustomerFactory()
    mine = [CaseFactory(customer=customer, reference=f"MINE-{i}") for i in range(count)]
    orm = [CaseFactory(customer=customer, reference=f"ORM-{i}") for i in range(count)]
    return mine, orm


def _bulk_update_with(objs, columns, rows) -> None:
    names = [type(objs[0])._meta.get_field(c).attname for c in columns]
    for obj, row in zip(objs, rows, strict=True):
        for name, value in zip(names, row, strict=True):
            setattr(obj, name, value)
    type(objs[0]).objects.bulk_update(objs, columns)


def test_values_update_stores_what_bulk_update_stores_for_every_kind_of_value():
    mine, orm = _two_sets_of_cases(6)
    team, agent = TeamFactory(), UserFactory()
    category = ComplaintCategory.objects.first() or pytest.fail("the seed migration makes categories")
    rows = [_case_values(i, team=team, agent=agent, category=category) for i in range(len(mine))]

    values_update(Case, CASE_COLUMNS, [(*row, case.pk) for row, case in zip(rows, mine, strict=True)])
    _bulk_update_with(orm, CASE_COLUMNS, rows)

    fast = _stored(Case, [c.pk for c in mine], CASE_COLUMNS)
    slow = _stored(Case, [c.pk for c in orm], CASE_COLUMNS)
    assert [fast[c.pk] for c in mine] == [slow[c.pk] for c in orm]
    first = fast[mine[0].pk]
    assert first[CASE_COLUMNS.index("refund_amount")] == Decimal("0.10")
    assert first[CASE_COLUMNS.index("conversation_ids")] == ["0", "17", {"k": "v"}]
    assert first[CASE_COLUMNS.index("escalation_reason")] == "NULL"
    assert fast[mine[1].pk][CASE_COLUMNS.index("refund_amount")] == Decimal("12.35")  # rounded as the column does
    assert fast[mine[2].pk][CASE_COLUMNS.index("sla_due_at")] is None


def test_rows_update_stores_what_bulk_update_stores_for_users():
    columns = [
        "handle",
        "name",
        "followers_count",
        "verified",
        "accepts_dms",
        "description",
        "raw",
        "profile_fetched_at",
    ]
    rows = [
        ("ann", AWKWARD, 0, True, None, "", {"id": "1", "nested": {"list": [1, 2.5, None, True]}, "q": AWKWARD}, None),
        ("", "", 4_000_000_000 // 2, False, True, "a\ttab", [], MOMENT.astimezone(SHANGHAI)),
        ("bob", "Bob", 7, False, False, "x" * 5000, {}, MOMENT),
    ]
    customer = CustomerFactory()
    mine = XUser.objects.bulk_create([XUser(x_id=f"m{i}", handle=f"m{i}", customer=customer) for i in range(3)])
    orm = XUser.objects.bulk_create([XUser(x_id=f"o{i}", handle=f"o{i}", customer=customer) for i in range(3)])
    for obj, row in zip(mine, rows, strict=True):
        for name, value in zip(columns, row, strict=True):
            setattr(obj, name, value)

    rows_update(mine, columns)
    _bulk_update_with(orm, columns, rows)

    fast = _stored(XUser, [u.pk for u in mine], columns)
    slow = _stored(XUser, [u.pk for u in orm], columns)
    assert [fast[u.pk] for u in mine] == [slow[u.pk] for u in orm] == [tuple(row) for row in rows]


def test_a_pk_given_twice_gets_its_last_row_and_unknown_pks_are_ignored():
    users = XUser.objects.bulk_create([XUser(x_id=f"d{i}", handle=f"d{i}") for i in range(3)])
    a, b, c = (u.pk for u in users)
    values_update(
        XUser,
        ["name", "followers_count"],
        [("first", 1, a), ("only", 2, b), ("second", 3, a), ("missing", 4, 10**12), ("third", 5, a)],
    )
    assert _stored(XUser, [a, b, c], ["name", "followers_count"]) == {
        a: ("third", 5),
        b: ("only", 2),
        c: ("", 0),
    }


def test_more_rows_than_one_statement_takes_are_all_written(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(bulk, "_PG_MAX_PARAMS", 9)  # 3 parameters a row: 3 rows a statement
    users = XUser.objects.bulk_create([XUser(x_id=f"c{i}", handle=f"c{i}") for i in range(10)])
    rows = [(f"n{i}", i, u.pk) for i, u in enumerate(users)]
    rows.append(("last wins across chunks", 99, users[0].pk))
    # PostgreSQL: one array per column, whatever the number of rows; SQLite: one executemany.
    with django_assert_num_queries(1):
        values_update(XUser, ["name", "followers_count"], rows)
    stored = _stored(XUser, [u.pk for u in users], ["name", "followers_count"])
    assert stored[users[0].pk] == ("last wins across chunks", 99)
    assert [stored[u.pk] for u in users[1:]] == [(f"n{i}", i) for i in range(1, 10)]


def test_a_single_row_and_no_rows(django_assert_num_queries):
    user = XUser.objects.create(x_id="s1", handle="s1")
    with django_assert_num_queries(1):
        values_update(XUser, ["verified"], [(True, user.pk)])
    with django_assert_num_queries(0):
        values_update(XUser, ["verified"], [])
        values_update(XUser, ["verified"], iter(()))
        rows_update([], ["verified"])
    assert XUser.objects.get(pk=user.pk).verified is True


def test_a_page_sized_update_is_one_statement(django_assert_num_queries):
    users = XUser.objects.bulk_create([XUser(x_id=f"p{i}", handle=f"p{i}") for i in range(250)])
    rows = [(f"P {i}", i * 3, bool(i % 2), {"i": i}, MOMENT, u.pk) for i, u in enumerate(users)]
    with django_assert_num_queries(1) as captured:
        values_update(XUser, ["name", "followers_count", "verified", "raw", "updated_at"], rows)
    if connection.vendor == "postgresql":  # one array per column: the text does not depend on the page
        assert "unnest(" in captured.captured_queries[0]["sql"].lower()
    stored = _stored(XUser, [u.pk for u in users], ["name", "followers_count", "verified", "raw", "updated_at"])
    assert [stored[u.pk] for u in users] == [row[:-1] for row in rows]


def test_a_value_too_long_for_its_column_is_refused_not_truncated(on_postgres, brand):
    """The casts leave out the length: ``'…'::varchar(50)`` would cut the value where SET refuses it."""
    user = XUser.objects.create(x_id="t1", handle="t1")
    with pytest.raises(DataError), transaction.atomic():
        values_update(XUser, ["handle"], [("h" * 51, user.pk)])  # varchar(50)
    assert XUser.objects.get(pk=user.pk).handle == "t1"
    case = _unsaved_cases("LONG", 1, CustomerFactory(), brand)[0]
    case.reference = "R" * 33  # varchar(32)
    with pytest.raises(DataError), transaction.atomic():
        rows_insert([case])


def _unsaved_cases(prefix: str, count: int, customer, brand, team=None) -> list[Case]:
    category = ComplaintCategory.objects.first()
    out = []
    for i in range(count):
        sparse = i % 3 == 2
        out.append(
            Case(
                reference=f"{prefix}-{i}",
                customer=customer,
                brand_account=brand,
                status=CaseStatus.IN_DM,
                priority=Priority.HIGH,
                opened_at=MOMENT.astimezone(SHANGHAI),
                team=None if sparse else team,
                category=None if sparse else category,
                refund_amount=None if sparse else Decimal("12.346"),
                outcome_note="" if sparse else AWKWARD,
                escalation_reason="NULL",
                conversation_ids=[] if sparse else [str(i), {"k": AWKWARD}],
                sla_due_at=None if sparse else MOMENT + dt.timedelta(hours=i),
                reach=2_000_000_000,
                has_risk_words=not sparse,
                satisfaction=None if sparse else 4,
            )
        )
    return out


def test_rows_insert_of_wide_rows_stores_what_bulk_create_stores(brand):
    customer = CustomerFactory()
    team = TeamFactory()
    mine = _unsaved_cases("MINE", 7, customer, brand, team)
    orm = _unsaved_cases("ORM", 7, customer, brand, team)

    with CaptureQueriesContext(connection) as ctx:
        rows_insert(mine)
    Case.objects.bulk_create(orm)

    if connection.vendor == "postgresql":  # a case row is wide enough for one array per column
        assert len(Case._meta.concrete_fields) - 1 >= bulk._UNNEST_MIN_COLUMNS
        assert "FROM unnest(" in ctx.captured_queries[-1]["sql"]
    skip = {"id", "reference", "created_at", "updated_at"}
    names = [f.attname for f in Case._meta.concrete_fields if f.attname not in skip]
    fast = {c.reference: c for c in Case.objects.filter(reference__startswith="MINE-")}
    slow = {c.reference: c for c in Case.objects.filter(reference__startswith="ORM-")}
    assert len(fast) == len(slow) == 7
    for i in range(7):
        a, b = fast[f"MINE-{i}"], slow[f"ORM-{i}"]
        assert [getattr(a, n) for n in names] == [getattr(b, n) for n in names]
        assert a.created_at is not None and a.updated_at is not None
    assert fast["MINE-0"].refund_amount == Decimal("12.35")
    assert fast["MINE-0"].conversation_ids == ["0", {"k": AWKWARD}]


def test_rows_insert_skips_existing_rows_when_asked(brand, monkeypatch):
    monkeypatch.setattr(bulk, "_PG_MAX_PARAMS", 100)  # two rows a statement: chunks too
    customer = CustomerFactory()
    rows_insert(_unsaved_cases("DUP", 3, customer, brand))
    again = _unsaved_cases("DUP", 5, customer, brand)
    for case in again:
        case.outcome_note = "second"
    rows_insert(again, ignore_conflicts=True)
    notes = dict(Case.objects.filter(reference__startswith="DUP-").values_list("reference", "outcome_note"))
    assert notes == {"DUP-0": AWKWARD, "DUP-1": AWKWARD, "DUP-2": "", "DUP-3": "second", "DUP-4": "second"}


def test_json_documents_come_back_exactly_as_x_sent_them(brand):
    """Raw payloads are written by orjson; what the agent and the API read back must not change,
    including what orjson refuses and json.dumps takes (integers beyond 64 bits, int keys)."""
    payloads = [
        {"id": "1", "text": AWKWARD, "entities": {"mentions": [{"start": 0, "end": 10}]}, "nested": [[], {}]},
        {"id": "2", "text": "👍🏽 ‮RTL‬ \u200b zero-width", "public_metrics": {"like_count": 2**40}},
        {"id": "3", "big": 2**70, "float": 1.5, "none": None, "flag": False},  # beyond 64 bits: json.dumps
    ]
    bulk.values_insert(XUser, ["x_id", "handle", "raw"], [(p["id"], f"user{p['id']}", p) for p in payloads])
    stored = dict(XUser.objects.filter(x_id__in=["1", "2", "3"]).values_list("x_id", "raw"))
    assert stored == {p["id"]: p for p in payloads}
    # A key that is not a string is written as json.dumps writes it (as a string key).
    bulk.values_insert(XUser, ["x_id", "handle", "raw"], [("4", "user4", {1: "one"})])
    assert XUser.objects.get(x_id="4").raw == {"1": "one"}


def _user_rows(prefix: str, n: int) -> list[tuple]:
    """Rows of XUser (x_id, handle, name, description, followers_count, profile_fetched_at, raw, accepts_dms)."""
    rows = []
    for i in range(n):
        sparse = i % 3 == 2
        rows.append(
            (
                f"{prefix}{i}",
                f"{prefix}_{i}",
                "" if sparse else AWKWARD,
                "tab\there\nnewline \\N backslash-N" if i % 2 else "",
                i * 1000,
                None if sparse else MOMENT.astimezone(SHANGHAI),
                {} if sparse else {"id": str(i), "name": AWKWARD, "n": [1, None, True]},
                None if sparse else bool(i % 2),
            )
        )
    return rows


USER_COLUMNS = ["x_id", "handle", "name", "description", "followers_count", "profile_fetched_at", "raw", "accepts_dms"]


def test_a_page_of_rows_is_stored_as_row_by_row_statements_store_it():
    """On PostgreSQL a page goes by COPY (through a staging table when conflicts are skipped);
    what is stored must not differ from small batches, which still go as VALUES."""
    assert 60 >= bulk._COPY_MIN_ROWS > 5
    page = _user_rows("page", 60)
    with CaptureQueriesContext(connection) as ctx:
        bulk.values_insert(XUser, USER_COLUMNS, page, ignore_conflicts=True)
    for start in range(0, 60, 5):
        bulk.values_insert(XUser, USER_COLUMNS, _user_rows("small", 60)[start : start + 5])
    if connection.vendor == "postgresql":
        assert any(q["sql"].startswith("COPY ") for q in ctx.captured_queries)  # logged like any statement
        assert len(ctx.captured_queries) <= 4  # create-if-missing, COPY, move; once a session: may it stage?
    names = [XUser._meta.get_field(c).attname for c in USER_COLUMNS[1:]]
    fast = {u.x_id[4:]: u for u in XUser.objects.filter(x_id__startswith="page")}
    slow = {u.x_id[5:]: u for u in XUser.objects.filter(x_id__startswith="small")}
    assert len(fast) == len(slow) == 60
    for key, user in fast.items():
        other = slow[key]
        assert [getattr(user, n) for n in names[1:]] == [getattr(other, n) for n in names[1:]]
        assert user.created_at is not None and user.updated_at is not None
    assert fast["1"].description == "tab\there\nnewline \\N backslash-N"
    assert fast["0"].raw == {"id": "0", "name": AWKWARD, "n": [1, None, True]}


def test_a_page_skipping_conflicts_writes_each_new_row_once_however_often_it_is_sent():
    rows = _user_rows("dup", 40)
    bulk.values_insert(XUser, USER_COLUMNS, rows[:25], ignore_conflicts=True)
    changed = [(x_id, "renamed", *rest) for x_id, _, *rest in rows]
    # Twice in one transaction: the staging table must not carry the first call's rows along.
    bulk.values_insert(XUser, USER_COLUMNS, changed, ignore_conflicts=True)
    bulk.values_insert(XUser, USER_COLUMNS, changed + changed[:5], ignore_conflicts=True)
    handles = dict(XUser.objects.filter(x_id__startswith="dup").values_list("x_id", "handle"))
    assert len(handles) == 40
    assert all(handles[f"dup{i}"] == f"dup_{i}" for i in range(25))  # existing rows untouched
    assert all(handles[f"dup{i}"] == "renamed" for i in range(25, 40))


def test_a_page_that_breaks_a_constraint_writes_nothing():
    """COPY refuses the whole page as the INSERT did: nothing half-written."""
    from django.db import IntegrityError

    rows = _user_rows("bad", 30)
    rows.append(rows[0])  # the same X id twice, without skipping conflicts
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.values_insert(XUser, USER_COLUMNS, rows)
    assert not XUser.objects.filter(x_id__startswith="bad").exists()


def test_without_temporary_tables_a_page_skipping_conflicts_still_goes_in(monkeypatch, on_postgres):
    """A hardened server may revoke TEMPORARY: the page then goes as one VALUES statement."""
    monkeypatch.setattr(bulk, "_can_stage", lambda connection: False)
    rows = _user_rows("notemp", 30)
    bulk.values_insert(XUser, USER_COLUMNS, rows[:10], ignore_conflicts=True)
    with CaptureQueriesContext(connection) as ctx:
        bulk.values_insert(XUser, USER_COLUMNS, rows, ignore_conflicts=True)
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["INSERT"]
    assert XUser.objects.filter(x_id__startswith="notemp").count() == 30
