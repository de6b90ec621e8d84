"""Issue #20, ingest speed: the page's statements got fewer and cheaper, the rows stayed the same.

A page inside the caller's transaction opens no savepoints; a page of new cases is written by COPY
and a page of case changes by one array per column on PostgreSQL; the routing's lookups by a page
of keys send one array. Each shortcut must store and find exactly what the ORM would, on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext

from crm_twitter.db.bulk import (
    AnyOf,
    ids_allocate,
    instances_factory,
    rows_insert,
    values_insert_returning,
    values_update,
)
from crm_twitter.models import Case, CaseStatus, Priority, Tweet
from crm_twitter.services import case_inputs, case_intake
from crm_twitter.services.errors import CaseRuleError
from crm_twitter.x.ingest import tweets_ingest
from tests.factories import CaseFactory, CustomerFactory, XUserFactory
from tests.x_sync.conftest import BRAND_X_ID, page, tweet_json, user_json

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 11, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def _page_of(n: int, offset: int):
    users = [user_json(str(20_000 + offset + i), f"buyer{offset + i}") for i in range(n)]
    tweets = [
        tweet_json(u["id"], f"@brandhelp parcel 4{offset + i:07d} lost", mentions=[(BRAND_X_ID, "brandhelp")])
        for i, u in enumerate(users)
    ]
    return page(tweets, users)


def test_a_page_inside_the_callers_transaction_sets_no_savepoints(brand, settings):
    # As deployed: categories are suggested after commit (the inline reading has its own savepoint).
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "CATEGORY_SUGGEST_IN_BACKGROUND": True}
    assert connection.in_atomic_block  # the test's transaction is the caller's, as sync's is
    with CaptureQueriesContext(connection) as ctx:
        result = tweets_ingest(account=brand, page=_page_of(30, 0))
    assert result.new_tweets == 30 and len(result.cases_opened) == 30
    assert not [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" in q["sql"]]


def test_a_refused_batch_in_the_callers_savepoint_leaves_the_callers_transaction_usable():
    """What ``x.outbound`` relies on: the batch has no savepoint of its own, the caller's does the work."""
    case = CaseFactory()
    with transaction.atomic():
        with pytest.raises(CaseRuleError), transaction.atomic():
            case_intake.case_messages_received(
                arrivals=[case_inputs.MessageArrival(case_id=case.pk + 10_000, at=MOMENT, channel="dm", text="hi")]
            )
        assert Case.objects.filter(pk=case.pk).exists()  # the transaction goes on


def test_a_page_of_new_cases_stores_every_field_as_the_orm_reads_it(brand):
    """25 cases: PostgreSQL writes them by COPY (20 rows or more), SQLite by executemany."""
    make = instances_factory(Case)
    customer = CustomerFactory()
    author = XUserFactory(customer=customer)
    cases = [
        make(
            customer_id=customer.pk,
            customer_x_user_id=author.pk,
            brand_account_id=brand.pk,
            status=CaseStatus.NEW,
            priority=Priority.HIGH if i % 2 else Priority.NORMAL,
            priority_score=i * 7,
            opened_at=MOMENT + dt.timedelta(minutes=i),
            last_message_at=MOMENT + dt.timedelta(minutes=i),
            last_message_preview=f'parcel {i} 📦 \t"quoted" \\ back\nslash',
            sla_due_at=None if i % 3 else MOMENT + dt.timedelta(hours=4),
            refund_amount=Decimal("12.50") if i % 4 == 0 else None,
            suggested_confidence=0.25 * (i % 4) if i % 5 else None,
            conversation_ids=[str(1000 + i), "2"] if i % 2 else [],
            language="zh-TW" if i % 2 else "",
            has_risk_words=bool(i % 2),
        )
        for i in range(25)
    ]
    for case, pk in zip(cases, ids_allocate(Case, len(cases)), strict=True):
        case.pk, case.reference = pk, f"CS-TEST-{pk:06d}"
    rows_insert(cases)

    stored = {c.pk: c for c in Case.objects.filter(pk__in=[c.pk for c in cases])}
    assert len(stored) == 25
    for case in cases:
        for f in Case._meta.concrete_fields:
            if f.name in ("created_at", "updated_at"):
                continue  # auto_now: set at write time
            assert getattr(stored[case.pk], f.attname) == getattr(case, f.attname), f.name


def test_a_page_of_case_changes_writes_every_type_as_the_orm_reads_it():
    cases = [CaseFactory(), CaseFactory(), CaseFactory()]
    rows = [
        (CaseStatus.IN_DM, Decimal("9.99"), 0.5, ["7", "8"], MOMENT, "über 🙂", 3, True, cases[0].pk),
        (CaseStatus.NEW, None, None, [], None, "", 0, False, cases[1].pk),
        (
            CaseStatus.RESOLVED,
            Decimal("0.10"),
            1.0,
            [],
            MOMENT + dt.timedelta(days=1),
            'a "b" \\c',
            12,
            False,
            cases[2].pk,
        ),
    ]
    columns = [
        "status",
        "refund_amount",
        "suggested_confidence",
        "conversation_ids",
        "sla_due_at",
        "last_message_preview",
        "contact_count",
        "is_overdue",
    ]
    values_update(Case, columns, rows)
    for row in rows:
        stored = Case.objects.values_list(*columns).get(pk=row[-1])
        assert stored == tuple(row[:-1])


def test_lookups_by_a_list_of_keys_find_what_in_finds(brand):
    author = XUserFactory()
    made = [
        Tweet.objects.create(
            x_id=str(880 + i),
            brand_account=brand,
            author=author,
            text="t",
            created_at=MOMENT,
            conversation_id="880" if i < 3 else str(880 + i),
        )
        for i in range(5)
    ]
    wanted = [t.x_id for t in made[:2]] + ["nope"]
    threads = ["880", "884", "999"]

    fast = Tweet.objects.filter(Q(AnyOf(F("x_id"), wanted)) | Q(AnyOf(F("conversation_id"), threads)))
    orm = Tweet.objects.filter(Q(x_id__in=wanted) | Q(conversation_id__in=threads))
    assert sorted(fast.values_list("x_id", flat=True)) == sorted(orm.values_list("x_id", flat=True))
    nothing = Tweet.objects.filter(Q(AnyOf(F("x_id"), [])) | Q(AnyOf(F("conversation_id"), ["884"])))
    assert list(nothing.values_list("x_id", flat=True)) == ["884"]
    assert not Tweet.objects.filter(AnyOf(F("author_id"), [])).exists()
    assert Tweet.objects.filter(AnyOf(F("author_id"), {author.pk})).count() == 5


def test_an_insert_hands_back_the_rows_it_wrote_where_the_database_can(brand):
    author = XUserFactory()
    columns = ["x_id", "brand_account_id", "author_id", "text", "created_at"]
    Tweet.objects.create(x_id="771", brand_account=brand, author=author, text="already here", created_at=MOMENT)
    rows = [(str(770 + i), brand.pk, author.pk, f"t{i}", MOMENT) for i in range(25)]

    written = values_insert_returning(Tweet, columns, rows, ["x_id", "id"], ignore_conflicts=True)

    stored = dict(Tweet.objects.values_list("x_id", "id"))
    assert len(stored) == 25 and Tweet.objects.get(x_id="771").text == "already here"
    if connection.vendor == "postgresql":  # one statement: the rows it wrote, not the one skipped
        assert sorted(written) == sorted((x, pk) for x, pk in stored.items() if x != "771")
    else:  # SQLite's executemany returns nothing: the caller reads back by key
        assert written is None
