"""/api/v1/orders/ and the bulk upsert: idempotent, per-row results, linked to people and cases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm_twitter.models import CaseEvent, CaseStatus, Order, OrderItem
from crm_twitter.services.orders import orders_upsert
from tests.api.conftest import error_of
from tests.factories import (
    CaseFactory,
    CustomerFactory,
    DirectMessageFactory,
    OrderFactory,
    OrderItemFactory,
    TweetFactory,
    XUserFactory,
)

BULK = "/api/v1/orders/bulk/"
ORDERS = "/api/v1/orders/"


def row(number="10000001", **extra):
    base = {
        "store": "eu",
        "order_number": number,
        "currency": "EUR",
        "total_amount": "59.90",
        "ordered_at": "2026-10-01T10:00:00+02:00",
        "items": [{"sku": "EB-01", "title": "Earbuds", "quantity": 1, "unit_price": "59.90"}],
    }
    return {**base, **extra}


def test_bulk_creates_orders_with_items(supervisor_api):
    response = supervisor_api.post(BULK, {"rows": [row("10000001"), row("10000002")]}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["updated"], body["failed"]) == (2, 0, 0)
    order = Order.objects.get(store="eu", order_number="10000001")
    assert order.total_amount == Decimal("59.90")
    assert [(i.sku, i.quantity) for i in order.items.all()] == [("EB-01", 1)]


def test_bulk_import_is_idempotent(supervisor_api):
    rows = [row(str(10000000 + i)) for i in range(5)]
    supervisor_api.post(BULK, {"rows": rows}, format="json")
    again = supervisor_api.post(BULK, {"rows": rows}, format="json").json()
    assert (again["created"], again["updated"], again["failed"]) == (0, 5, 0)
    assert Order.objects.count() == 5
    assert OrderItem.objects.count() == 5


def test_bad_rows_are_reported_and_do_not_stop_the_others(supervisor_api):
    rows = [
        row("20000001"),
        row("20000002", currency="EURO"),
        row("20000003", total_amount="-5"),
        row("20000004", items=[{"sku": "X", "quantity": 0}]),
        {"order_number": "20000005", "colour": "red"},
        row("20000006", ordered_at="2026-10-01 10:00"),
        "not an object",
        row("20000001"),
    ]
    body = supervisor_api.post(BULK, {"rows": rows}, format="json").json()
    results = body["results"]
    assert [r["status"] for r in results] == ["created"] + ["error"] * 7
    assert "currency" in results[1]["errors"]
    assert "total_amount" in results[2]["errors"]
    assert "items.0.quantity" in results[3]["errors"]
    assert results[4]["errors"] == {"colour": ["Unknown field."]}
    assert "ordered_at" in results[5]["errors"]
    assert "non_field_errors" in results[6]["errors"]
    assert "Duplicate" in results[7]["errors"]["order_number"][0]
    assert list(Order.objects.values_list("order_number", flat=True)) == ["20000001"]


def test_fields_absent_from_a_row_are_left_alone(supervisor_api):
    supervisor_api.post(
        BULK, {"rows": [row("30000001", carrier="DHL", tracking_number="RR123456789CN")]}, format="json"
    )
    supervisor_api.post(
        BULK, {"rows": [{"store": "eu", "order_number": "30000001", "status": "delivered"}]}, format="json"
    )
    order = Order.objects.get(order_number="30000001")
    assert (order.status, order.carrier, order.tracking_number) == ("delivered", "DHL", "RR123456789CN")
    assert order.items.count() == 1


def test_items_given_replace_the_orders_items(supervisor_api):
    supervisor_api.post(BULK, {"rows": [row("30000002")]}, format="json")
    new_items = [{"sku": "A", "quantity": 2, "unit_price": "1.00"}, {"sku": "B", "quantity": 1, "price": "2.50"}]
    supervisor_api.post(BULK, {"rows": [row("30000002", items=new_items)]}, format="json")
    items = Order.objects.get(order_number="30000002").items.order_by("sku")
    assert [(i.sku, i.quantity, i.unit_price) for i in items] == [("A", 2, Decimal("1.00")), ("B", 1, Decimal("2.50"))]


def test_orders_link_to_customers_by_email_and_handle(supervisor_api):
    by_email = CustomerFactory(email="Jane@Example.com")
    by_handle = XUserFactory(handle="ParcelPete").customer
    supervisor_api.post(
        BULK,
        {
            "rows": [
                row("40000001", customer_email="jane@example.com"),
                row("40000002", customer_handle="@parcelpete"),
                row("40000003", customer_email="nobody@example.com"),
            ]
        },
        format="json",
    )
    customers = dict(Order.objects.values_list("order_number", "customer_id"))
    assert customers == {"40000001": by_email.pk, "40000002": by_handle.pk, "40000003": None}


def test_imported_order_is_linked_to_the_open_case_that_mentions_it(supervisor_api):
    case = CaseFactory()
    TweetFactory(
        case=case,
        brand_account=case.brand_account,
        author=case.customer_x_user,
        text="@brand my order #50000001 never came",
    )
    closed = CaseFactory(status=CaseStatus.CLOSED)
    DirectMessageFactory(
        case=closed, brand_account=closed.brand_account, sender=closed.customer_x_user, text="order 50000001"
    )
    supervisor_api.post(BULK, {"rows": [row("50000001")]}, format="json")
    order = Order.objects.get(order_number="50000001")
    assert list(case.orders.all()) == [order]
    assert not closed.orders.exists()
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ORDER_LINKED).count() == 1
    # Importing again links nothing twice.
    supervisor_api.post(BULK, {"rows": [row("50000001")]}, format="json")
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.ORDER_LINKED).count() == 1


def test_default_store_applies_to_rows_without_one(supervisor_api):
    r = row("60000001")
    del r["store"]
    supervisor_api.post(BULK, {"store": "jp", "rows": [r]}, format="json")
    assert Order.objects.get(order_number="60000001").store == "jp"


def test_too_many_rows_is_413_naming_rows(supervisor_api, settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "API_BULK_MAX_ROWS": 3}
    response = supervisor_api.post(BULK, {"rows": [row(str(70000000 + i)) for i in range(4)]}, format="json")
    assert response.status_code == 413
    assert "rows" in error_of(response)["fields"]
    assert not Order.objects.exists()


def test_bulk_body_must_have_rows(supervisor_api):
    response = supervisor_api.post(BULK, {"orders": []}, format="json")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"orders", "rows"}


def test_agents_cannot_import_orders(agent_api):
    assert agent_api.post(BULK, {"rows": [row()]}, format="json").status_code == 403
    assert agent_api.post(ORDERS, row(), format="json").status_code == 403


def test_read_only_token_cannot_import(supervisor):
    from crm_twitter.models import ApiToken
    from tests.api.conftest import token_client

    client = token_client(supervisor, ApiToken.Scope.READ)
    assert client.post(BULK, {"rows": [row()]}, format="json").status_code == 403


def test_create_one_order_then_post_again_updates(supervisor_api):
    first = supervisor_api.post(ORDERS, row("80000001"), format="json")
    assert first.status_code == 201, first.json()
    again = supervisor_api.post(ORDERS, row("80000001", status="shipped"), format="json")
    assert again.status_code == 200
    assert again.json()["status"] == "shipped"
    assert again.json()["total_amount"] == "59.90"
    assert again.json()["currency"] == "EUR"


def test_create_with_bad_values_is_400_with_fields(supervisor_api):
    response = supervisor_api.post(ORDERS, row("80000002", total_amount="lots", currency=7), format="json")
    assert response.status_code == 400
    assert {"total_amount", "currency"} <= set(error_of(response)["fields"])


def test_patch_updates_and_refuses_renumbering(supervisor_api):
    order = OrderFactory(order_number="80000003")
    OrderItemFactory(order=order)
    response = supervisor_api.patch(f"{ORDERS}{order.pk}/", {"tracking_number": "1Z999AA10123456784"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["tracking_number"] == "1Z999AA10123456784"
    assert len(response.json()["items"]) == 1
    response = supervisor_api.patch(f"{ORDERS}{order.pk}/", {"order_number": "1"}, format="json")
    assert response.status_code == 400
    assert "order_number" in error_of(response)["fields"]


def test_agent_sees_only_orders_of_their_cases_customers(agent_api, team_case, other_case):
    mine = OrderFactory(customer=team_case.customer)
    OrderFactory(customer=other_case.customer)
    ids = [o["id"] for o in agent_api.get(ORDERS).json()["results"]]
    assert ids == [mine.pk]


@pytest.mark.parametrize("count", [2, 30])
def test_order_list_query_count_is_bounded(supervisor_api, django_assert_max_num_queries, count):
    for _ in range(count):
        order = OrderItemFactory().order
        CaseFactory().orders.add(order)
    with django_assert_max_num_queries(6):
        response = supervisor_api.get(ORDERS, {"page_size": 500})
    assert len(response.json()["results"]) == count


def test_service_reports_rows_in_input_order():
    results = orders_upsert(rows=[row("1"), {"order_number": ""}, row("2")])
    assert [(r.index, r.status) for r in results] == [(0, "created"), (1, "error"), (2, "created")]
    assert results[1].errors["order_number"] == ["This field is required."]


pytestmark = pytest.mark.django_db


def test_orm_fallback_path_gives_the_same_result(monkeypatch):
    """Databases without INSERT … ON CONFLICT use the ORM's bulk_create(update_conflicts=True)."""
    monkeypatch.setattr("crm_twitter.services.orders.UPSERT_VENDORS", ())
    first = orders_upsert(rows=[row("93000001"), row("93000002")])
    again = orders_upsert(rows=[row("93000001", total_amount="10.00", items=[{"sku": "Z", "quantity": 3}])])
    assert [r.status for r in first] == ["created", "created"]
    assert again[0].status == "updated"
    order = Order.objects.get(order_number="93000001")
    assert order.total_amount == Decimal("10.00")
    assert [(i.sku, i.quantity) for i in order.items.all()] == [("Z", 3)]


def test_orders_link_to_customers_by_shop_customer_id(supervisor_api):
    customer = CustomerFactory(external_id="shop-77")
    supervisor_api.post(BULK, {"rows": [row("94000001", customer_external_id="shop-77")]}, format="json")
    assert Order.objects.get(order_number="94000001").customer_id == customer.pk


def test_an_existing_customer_link_survives_a_reimport_without_a_match(supervisor_api):
    order = OrderFactory(store="eu", order_number="95000001")
    supervisor_api.post(BULK, {"rows": [row("95000001", customer_email="unknown@example.com")]}, format="json")
    order.refresh_from_db()
    assert order.customer_id is not None


def test_orders_filter_by_number_and_updated_since(supervisor_api):
    OrderFactory(order_number="96000001")
    OrderFactory(order_number="96000002")
    found = supervisor_api.get(ORDERS, {"order_number": "96000001"}).json()["results"]
    assert [o["order_number"] for o in found] == ["96000001"]
    response = supervisor_api.get(ORDERS, {"updated_since": "not a time"})
    assert response.status_code == 400
    assert "updated_since" in error_of(response)["fields"]
