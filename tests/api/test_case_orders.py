"""``POST /cases/{id}/orders/`` and ``DELETE /cases/{id}/orders/{order_id}/``: the inbox's rules."""

from __future__ import annotations

import pytest

from crm_twitter.models import Case, CaseEvent
from tests.api.conftest import error_of
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def link_url(case) -> str:
    return f"/api/v1/cases/{case.pk}/orders/"


def unlink_url(case, order) -> str:
    return f"/api/v1/cases/{case.pk}/orders/{order.pk}/"


def test_agent_links_an_order_of_the_customer_and_the_audit_trail_says_so(agent_api, team_case):
    order = OrderFactory(customer=team_case.customer, order_number="11-22334-55667")

    response = agent_api.post(link_url(team_case), {"order": order.pk}, format="json")

    assert response.status_code == 200, response.json()
    assert list(team_case.orders.values_list("pk", flat=True)) == [order.pk]
    event = CaseEvent.objects.get(case=team_case, kind=CaseEvent.Kind.ORDER_LINKED)
    assert event.data["order_number"] == "11-22334-55667"
    assert event.actor_id == agent_api.user.pk
    detail = agent_api.get(f"/api/v1/cases/{team_case.pk}/").json()
    assert [o["order_number"] for o in detail["orders"]] == ["11-22334-55667"]


def test_linking_twice_changes_nothing(agent_api, team_case):
    order = OrderFactory(customer=team_case.customer)
    agent_api.post(link_url(team_case), {"order": order.pk}, format="json")

    response = agent_api.post(link_url(team_case), {"order": order.pk}, format="json")

    assert response.status_code == 200
    assert team_case.orders.count() == 1
    assert CaseEvent.objects.filter(case=team_case, kind=CaseEvent.Kind.ORDER_LINKED).count() == 1


def test_an_order_of_another_teams_customer_is_404_and_not_linked(agent_api, team_case, other_case):
    foreign = OrderFactory(customer=other_case.customer)

    response = agent_api.post(link_url(team_case), {"order": foreign.pk}, format="json")

    assert response.status_code == 404
    assert not team_case.orders.exists()


def test_stale_expected_version_is_409_and_nothing_is_linked(agent_api, team_case):
    order = OrderFactory(customer=team_case.customer)

    response = agent_api.post(
        link_url(team_case), {"order": order.pk, "expected_version": team_case.version + 3}, format="json"
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "stale"
    assert not team_case.orders.exists()


def test_read_only_token_cannot_link(agent_read_api, team_case):
    order = OrderFactory(customer=team_case.customer)

    response = agent_read_api.post(link_url(team_case), {"order": order.pk}, format="json")

    assert response.status_code == 403
    assert not team_case.orders.exists()


def test_missing_order_field_is_400(agent_api, team_case):
    response = agent_api.post(link_url(team_case), {}, format="json")

    assert response.status_code == 400
    assert "order" in error_of(response)["fields"]


def test_agent_unlinks_a_linked_order(agent_api, team_case):
    order = OrderFactory(customer=team_case.customer)
    agent_api.post(link_url(team_case), {"order": order.pk}, format="json")
    version = Case.objects.get(pk=team_case.pk).version

    response = agent_api.delete(unlink_url(team_case, order), {"expected_version": version}, format="json")

    assert response.status_code == 200, response.json()
    assert not team_case.orders.exists()
    assert CaseEvent.objects.filter(case=team_case, kind=CaseEvent.Kind.ORDER_UNLINKED).count() == 1


def test_unlink_takes_expected_version_from_the_query_string(agent_api, team_case):
    order = OrderFactory(customer=team_case.customer)
    agent_api.post(link_url(team_case), {"order": order.pk}, format="json")
    version = Case.objects.get(pk=team_case.pk).version

    stale = agent_api.delete(f"{unlink_url(team_case, order)}?expected_version={version + 1}")
    assert stale.status_code == 409
    assert team_case.orders.exists()

    response = agent_api.delete(f"{unlink_url(team_case, order)}?expected_version={version}")
    assert response.status_code == 200
    assert not team_case.orders.exists()


def test_unlinking_an_order_that_is_not_linked_is_refused_as_not_linked(agent_api, team_case):
    order = OrderFactory(customer=team_case.customer)

    response = agent_api.delete(unlink_url(team_case, order))

    assert response.status_code == 400  # a rule naming a field, as everywhere in the API
    assert error_of(response)["code"] == "not_linked"


def test_a_case_the_agent_cannot_see_is_404(agent_api, other_case):
    order = OrderFactory(customer=other_case.customer)

    assert agent_api.post(link_url(other_case), {"order": order.pk}, format="json").status_code == 404
    assert agent_api.delete(unlink_url(other_case, order)).status_code == 404


def test_both_endpoints_are_in_the_openapi_schema(agent_api):
    schema = agent_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    assert "post" in schema["paths"]["/api/v1/cases/{id}/orders/"]
    unlink = schema["paths"]["/api/v1/cases/{id}/orders/{order_id}/"]["delete"]
    assert {p["name"] for p in unlink["parameters"]} >= {"id", "order_id", "expected_version"}
