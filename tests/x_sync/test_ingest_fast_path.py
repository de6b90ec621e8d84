"""The ingest fast path writes and reads exactly what the ORM would (issue #3).

``crm_twitter.db.bulk`` skips the ORM's per-value machinery on the hot path; these tests pin
that every shortcut gives the same rows and instances as the ORM, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm_twitter.db.bulk import (
    instances_factory,
    instances_locked,
    rows_insert,
    values_insert,
    values_update,
    values_where_in,
)
from crm_twitter.models import Case, CaseEvent, CaseStatus, ComplaintCategory, Priority, Tweet, XUser
from crm_twitter.services import case_inputs, case_intake
from crm_twitter.services.categorisation import category_suggest, category_suggester
from crm_twitter.services.order_matching import text_for_matching
from tests.factories import CaseFactory, CustomerFactory, TeamFactory, XUserFactory

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 11, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def test_values_insert_fills_defaults_and_timestamps_like_the_orm(brand):
    author = XUserFactory()
    before = timezone.now()

    values_insert(
        Tweet,
        ["x_id", "brand_account_id", "author_id", "direction", "text", "created_at", "public_metrics", "raw"],
        [("7001", brand.pk, author.pk, "inbound", "hi 👋 订单", MOMENT, {"like_count": 2}, {"id": "7001", "t": "é"})],
    )

    tweet = Tweet.objects.get(x_id="7001")
    assert tweet.created_at == MOMENT
    assert tweet.text == "hi 👋 订单"
    assert tweet.public_metrics == {"like_count": 2}
    assert tweet.raw == {"id": "7001", "t": "é"}
    assert tweet.mentioned_user_ids == []  # callable default
    assert tweet.party == "customer" and tweet.kind == "original"  # plain defaults
    assert tweet.is_deleted is False and tweet.sent_by_id is None
    assert tweet.ingested_at >= before  # auto_now_add


def test_values_insert_skips_rows_that_exist_when_asked(brand):
    author = XUserFactory()
    row = ("7002", brand.pk, author.pk, "inbound", "first", MOMENT)
    columns = ["x_id", "brand_account_id", "author_id", "direction", "text", "created_at"]
    values_insert(Tweet, columns, [row], ignore_conflicts=True)
    values_insert(Tweet, columns, [(*row[:4], "second", MOMENT)], ignore_conflicts=True)
    assert list(Tweet.objects.filter(x_id="7002").values_list("text", flat=True)) == ["first"]


def test_choices_members_and_lazy_values_are_stored_as_their_value():
    customer = CustomerFactory()
    case = CaseFactory(customer=customer)
    values_update(Case, ["status", "priority", "priority_score"], [(CaseStatus.IN_DM, Priority.HIGH, True, case.pk)])
    case.refresh_from_db()
    assert (case.status, case.priority, case.priority_score) == ("in_dm", "high", 1)


def test_values_where_in_converts_like_values_list():
    customer = CustomerFactory()
    users = [XUserFactory(customer=customer, raw={"id": str(i), "name": "Ann ✨"}) for i in range(3)]
    ids = [u.x_id for u in users]

    fast = values_where_in(XUser, ["x_id", "id", "customer_id", "raw", "verified", "created_at"], "x_id", ids)
    orm = XUser.objects.filter(x_id__in=ids).values_list("x_id", "id", "customer_id", "raw", "verified", "created_at")

    assert sorted(fast) == sorted(orm)
    assert values_where_in(XUser, ["id"], "x_id", []) == []


def test_instances_locked_gives_the_same_case_as_the_orm():
    team = TeamFactory()
    case = CaseFactory(
        team=team,
        opened_at=MOMENT,
        sla_due_at=MOMENT + dt.timedelta(hours=4),
        refund_amount=Decimal("12.50"),
        conversation_ids=["1", "2"],
    )
    other = CaseFactory()

    fast = instances_locked(Case, [other.pk, case.pk])
    orm = list(Case.objects.filter(pk__in=[case.pk, other.pk]).order_by("pk"))

    assert [c.pk for c in fast] == [c.pk for c in orm]
    for mine, theirs in zip(fast, orm, strict=True):
        for f in Case._meta.concrete_fields:
            assert getattr(mine, f.attname) == getattr(theirs, f.attname), f.name
        assert mine._state.adding is False and mine._state.db == "default"
    mine = next(c for c in fast if c.pk == case.pk)
    assert mine.opened_at == MOMENT and mine.opened_at.tzinfo is not None
    assert mine.team == team  # a normal instance: relations load, saves work
    mine.escalation_level = 2
    mine.save(update_fields=["escalation_level"])
    assert Case.objects.get(pk=case.pk).escalation_level == 2


def test_instances_factory_builds_what_the_constructor_builds():
    make = instances_factory(Case)
    customer = CustomerFactory()
    fast = make(customer_id=customer.pk, brand_account_id=1, opened_at=MOMENT, language="de")
    slow = Case(customer_id=customer.pk, brand_account_id=1, opened_at=MOMENT, language="de")
    for f in Case._meta.concrete_fields:
        assert getattr(fast, f.attname) == getattr(slow, f.attname), f.name
    assert fast._state.adding is True
    assert fast.conversation_ids is not make(customer_id=1, brand_account_id=1, opened_at=MOMENT).conversation_ids
    with pytest.raises(TypeError):
        make(no_such_field=1)


def test_rows_insert_round_trips_every_field(brand):
    customer = CustomerFactory()
    event_case = CaseFactory(customer=customer)
    events = [
        CaseEvent(case_id=event_case.pk, kind=CaseEvent.Kind.NOTE, message="ü", data={"a": [1]}, created_at=MOMENT)
    ]
    rows_insert(events)
    stored = CaseEvent.objects.get(case=event_case, kind=CaseEvent.Kind.NOTE)
    assert (stored.message, stored.data, stored.created_at) == ("ü", {"a": [1]}, MOMENT)


def test_a_page_of_messages_updates_only_the_columns_that_changed(frozen_now):
    case = CaseFactory(status=CaseStatus.NEW, contact_count=1, opened_at=frozen_now - dt.timedelta(hours=1))
    arrival = case_inputs.MessageArrival(case_id=case.pk, at=frozen_now, channel="public", text="still waiting")
    with CaptureQueriesContext(connection) as ctx:
        case_intake.case_messages_received(arrivals=[arrival])
    updates = [q["sql"] for q in ctx.captured_queries if 'UPDATE "crm_twitter_case" SET' in q["sql"]]
    assert len(updates) == 1
    assert '"status"' not in updates[0] and '"reference"' not in updates[0]
    assert '"contact_count"' in updates[0] and '"last_message_at"' in updates[0]
    case.refresh_from_db()
    assert (case.contact_count, case.last_message_at, case.version) == (2, frozen_now, 2)


def test_a_message_delivered_late_moves_the_case_start_in_the_same_update(frozen_now):
    """X delivered the customer's later tweet first: its earlier one moves the case's start back,
    and the SLA clocks with it, written by the page's one UPDATE of the case (not a second one)."""
    opened = frozen_now - dt.timedelta(hours=1)
    case = CaseFactory(
        status=CaseStatus.NEW,
        contact_count=1,
        opened_at=opened,
        sla_first_response_due=opened + dt.timedelta(hours=2),
        sla_resolution_due=opened + dt.timedelta(days=3),
        conversation_ids=["111"],
    )
    earlier = opened - dt.timedelta(minutes=30)
    arrival = case_inputs.MessageArrival(case_id=case.pk, at=earlier, channel="public", text="where is my parcel")
    with CaptureQueriesContext(connection) as ctx:
        case_intake.case_messages_received(arrivals=[arrival], threads=["222"])
    updates = [q["sql"] for q in ctx.captured_queries if 'UPDATE "crm_twitter_case" SET' in q["sql"]]
    assert len(updates) == 1 and '"opened_at"' in updates[0]
    case.refresh_from_db()
    assert case.opened_at == earlier
    assert case.sla_first_response_due == earlier + dt.timedelta(hours=2)
    assert case.sla_resolution_due == earlier + dt.timedelta(days=3)
    assert case.conversation_ids == ["111", "222"]
    assert case.contact_count == 2
    moved = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.UPDATED)
    assert moved.data == {"opened_at": earlier.isoformat()}


def test_a_batch_suggester_agrees_with_category_suggest():
    categories = list(ComplaintCategory.objects.filter(is_active=True).order_by("sort_order", "name"))
    suggest = category_suggester(categories)
    for text in [
        "my parcel never arrived",
        "包裹还没到",
        "the item arrived broken and damaged",
        "refund please, wrong item",
        "",
        "hello",
    ]:
        assert suggest(text).category == category_suggest(text, categories=categories)


def test_matching_text_blanks_urls_and_handles_only_when_present():
    assert text_for_matching("order 12345678") == "order 12345678"
    assert text_for_matching("@shop see https://t.co/abc 123") == "      see                  123"
    assert text_for_matching("订单号12345678没收到") == "订单号 12345678 没收到"


@pytest.fixture
def frozen_now():
    return timezone.now().replace(microsecond=0)
