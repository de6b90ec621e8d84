"""Duplicates of X ids, order numbers and case references are refused by the database itself.

Rows go in through ``bulk_create``/``update`` so no Python-side validation gets a say.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm_twitter import models as m
from tests import factories as f


def _refused(callable_) -> bool:
    try:
        with transaction.atomic():
            callable_()
    except IntegrityError:
        return True
    return False


def test_the_same_tweet_id_twice_is_refused(db):
    tweet = f.TweetFactory()
    copy = m.Tweet(
        x_id=tweet.x_id,
        brand_account=tweet.brand_account,
        author=tweet.author,
        direction="inbound",
        text="again",
        created_at=timezone.now(),
    )
    assert _refused(lambda: m.Tweet.objects.bulk_create([copy]))


def test_the_same_dm_event_id_twice_is_refused(db):
    dm = f.DirectMessageFactory()
    copy = m.DirectMessage(
        x_event_id=dm.x_event_id,
        dm_conversation_id="1-2",
        brand_account=dm.brand_account,
        sender=dm.sender,
        direction="inbound",
        text="again",
        created_at=timezone.now(),
    )
    assert _refused(lambda: m.DirectMessage.objects.bulk_create([copy]))


def test_the_same_media_key_twice_is_refused(db):
    media = f.MediaFactory()
    assert _refused(lambda: m.Media.objects.bulk_create([m.Media(media_key=media.media_key)]))


def test_the_same_x_user_id_twice_is_refused(db):
    user = f.XUserFactory()
    assert _refused(lambda: m.XUser.objects.bulk_create([m.XUser(x_id=user.x_id, handle="someone_else")]))


def test_an_order_number_is_unique_within_its_store(db):
    order = f.OrderFactory(store="shopify-eu", order_number="40001234")
    assert _refused(lambda: m.Order.objects.bulk_create([m.Order(store="shopify-eu", order_number=order.order_number)]))


def test_the_same_order_number_in_another_store_is_fine(db):
    f.OrderFactory(store="shopify-eu", order_number="40001234")
    m.Order.objects.bulk_create([m.Order(store="amazon-jp", order_number="40001234")])
    assert m.Order.objects.filter(order_number="40001234").count() == 2


def test_an_update_that_would_duplicate_an_order_number_is_refused(db):
    f.OrderFactory(store="default", order_number="40001234")
    other = f.OrderFactory(store="default", order_number="40009999")
    assert _refused(lambda: m.Order.objects.filter(pk=other.pk).update(order_number="40001234"))


def test_the_same_case_reference_twice_is_refused(db):
    case = f.CaseFactory(reference="CS-2026-000123")
    other = f.CaseFactory(reference="CS-2026-000124")
    assert _refused(lambda: m.Case.objects.filter(pk=other.pk).update(reference=case.reference))


def test_cases_without_a_reference_yet_do_not_collide(db):
    f.CaseFactory(reference=None)
    f.CaseFactory(reference=None)
    assert m.Case.objects.filter(reference__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("model_factory", "field", "bad"),
    [
        (f.CaseFactory, "escalation_level", 4),
        (f.CaseFactory, "satisfaction", 6),
        (f.OrderFactory, "total_amount", -1),
    ],
)
def test_out_of_range_values_are_refused_by_the_database(db, model_factory, field, bad):
    row = model_factory()
    assert _refused(lambda: type(row).objects.filter(pk=row.pk).update(**{field: bad}))
