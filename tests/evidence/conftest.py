"""Fixtures of the evidence tests: a case with public posts, DMs and archived photos, and the sandbox
with its media host allowed explicitly (as the test and demo settings do; never by default)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile

from crm_twitter.evidence.storage import archive_storage, media_name
from crm_twitter.models import ArchiveStatus, Direction, Party, Promise
from crm_twitter.sandbox.media_files import image_bytes
from tests.factories import (
    CaseEventFactory,
    CaseFactory,
    DirectMessageFactory,
    MediaFactory,
    OrderFactory,
    OrderItemFactory,
    PromiseFactory,
    TweetFactory,
    XUserFactory,
)

T0 = dt.datetime(2026, 11, 3, 9, 15, tzinfo=dt.UTC)


@pytest.fixture
def media_sandbox(sandbox, settings):
    """The sandbox, whose address (127.0.0.1, plain HTTP) the archive may fetch from."""
    netloc = urlsplit(sandbox.base_url).netloc
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "MEDIA_INSECURE_HOSTS": [netloc], "MEDIA_TIMEOUT_SECONDS": 2.0}
    return sandbox


def archived_photo(key: str, **fields):
    """A Media row whose archived copy (a real JPEG) is in storage."""
    data = image_bytes(key, "jpg")
    sha = hashlib.sha256(data).hexdigest()
    name = archive_storage().save(media_name(sha, ".jpg"), ContentFile(data))
    return MediaFactory(
        media_key=key,
        archive_status=ArchiveStatus.ARCHIVED,
        archive_file=name,
        sha256=sha,
        size=len(data),
        content_type="image/jpeg",
        fetched_at=T0,
        **fields,
    )


@pytest.fixture
def evidence_case(db):
    """A dispute: public complaint with a photo (Chinese), brand replies, a bystander, DMs (Arabic,
    emoji), a DM photo, an order, a promise kept, a note and a medium X says is gone."""
    case = CaseFactory(reference="CS-2026-000042", opened_at=T0)
    customer = case.customer_x_user
    customer.handle, customer.name = "li_wei", "李伟"
    customer.save()
    brand = case.brand_account
    brand_user = XUserFactory(handle=brand.handle, x_id=brand.x_user_id or "999")
    bystander = XUserFactory(handle="nosy_neighbour", name="Nosy")
    order = OrderFactory(
        customer=case.customer,
        order_number="40001234",
        payment_method="paypal",
        ordered_at=T0 - dt.timedelta(days=12),
        shipped_at=T0 - dt.timedelta(days=10),
        delivered_at=T0 - dt.timedelta(days=1),
    )
    OrderItemFactory(order=order, title="Wireless earbuds", sku="EB-01", quantity=2)
    case.orders.add(order)
    case.first_response_at = T0 + dt.timedelta(minutes=20)
    case.moved_to_dm_at = T0 + dt.timedelta(minutes=21)
    case.status, case.outcome = "resolved", "refund"
    case.refund_amount, case.refund_currency = Decimal("59.90"), "EUR"
    case.resolved_at = T0 + dt.timedelta(hours=3)
    case.save()
    messages = [
        TweetFactory(
            case=case,
            author=customer,
            brand_account=brand,
            text="@AcmeHelp 我的包裹到了但是耳机坏了 order 40001234",
            created_at=T0,
        ),
        TweetFactory(
            case=case,
            author=bystander,
            brand_account=brand,
            party=Party.THIRD_PARTY,
            text="@li_wei same happened to me with @AcmeHelp",
            created_at=T0 + dt.timedelta(minutes=5),
        ),
        TweetFactory(
            case=case,
            author=brand_user,
            brand_account=brand,
            direction=Direction.OUTBOUND,
            party=Party.BRAND,
            text="@li_wei Sorry! Please DM us @nosy_neighbour-free details",
            created_at=T0 + dt.timedelta(minutes=20),
        ),
        DirectMessageFactory(
            case=case,
            sender=customer,
            brand_account=brand,
            text="صورة السماعات المكسورة 📦💔",
            created_at=T0 + dt.timedelta(hours=1),
        ),
        DirectMessageFactory(
            case=case,
            sender=brand_user,
            brand_account=brand,
            direction=Direction.OUTBOUND,
            text="We refund 59.90 EUR today ✅",
            created_at=T0 + dt.timedelta(hours=2),
        ),
    ]
    archived_photo("3_100", tweet=messages[0], alt_text="broken earbuds")
    archived_photo("3_101", direct_message=messages[3])
    MediaFactory(
        media_key="3_102",
        tweet=messages[0],
        archive_status=ArchiveStatus.FAILED,
        archive_error_code="not_found",
        archive_error="X answered 404: the medium is gone",
    )
    promise = PromiseFactory(
        case=case,
        description="Refund 59.90 EUR",
        status="kept",
        due_at=T0 + dt.timedelta(days=1),
        resolved_at=T0 + dt.timedelta(hours=2),
    )
    Promise.objects.filter(pk=promise.pk).update(created_at=T0 + dt.timedelta(minutes=22))
    CaseEventFactory(case=case, kind="note", message="INTERNAL: customer is a reseller?", created_at=T0)
    CaseEventFactory(case=case, kind="assigned", message="Assigned to alice", created_at=T0 + dt.timedelta(minutes=1))
    case.messages = messages
    return case
