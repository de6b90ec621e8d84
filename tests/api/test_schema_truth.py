"""The schema says what the API does: error answers, blank and null values as sent, and request
checks that take exactly what the schema calls valid (tests/api/test_schemathesis.py fuzzes the
whole of it; these pin each rule down)."""

from __future__ import annotations

import json
import re

import pytest

from tests.api.conftest import error_of
from tests.factories import (
    CaseFactory,
    DirectMessageFactory,
    OrderFactory,
    ReportSnapshotFactory,
)

ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def schema(manager_api):
    response = manager_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _json_schema(answer):
    return answer["content"]["application/json"]["schema"]


def test_every_operation_documents_its_refusals_with_the_error_body(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        for status in ("401", "403", "429"):
            assert _json_schema(responses[status]) == ERROR_REF, (method, path, status)
        assert "Retry-After" in responses["429"]["headers"]
        if "{" in path:
            assert _json_schema(responses["404"]) == ERROR_REF, (method, path)
        if method != "get" or any(p["in"] == "query" for p in operation.get("parameters", [])):
            assert _json_schema(responses["400"]) == ERROR_REF, (method, path)
        if method in ("post", "patch", "delete"):
            assert _json_schema(responses["409"]) == ERROR_REF, (method, path)
    error = schema["components"]["schemas"]["ErrorDetail"]
    assert set(error["required"]) == {"code", "message", "fields"}


def test_case_actions_document_409_for_a_stale_expected_version(schema):
    for path, method, operation in _operations(schema):
        if path.startswith("/api/v1/cases/{id}/") and method in ("post", "patch", "delete"):
            assert "expected_version" in operation["responses"]["409"]["description"], (method, path)


def test_unknown_fields_are_refused_and_the_schema_says_so(schema, supervisor_api, team_case):
    assert schema["components"]["schemas"]["NoteInputRequest"]["additionalProperties"] is False
    response = supervisor_api.post(f"/api/v1/cases/{team_case.pk}/notes/", {"text": "hi", "txet": 1}, format="json")
    assert response.status_code == 400
    assert "txet" in error_of(response)["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": 0}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "hi", "expected_version": "5"}, "expected_version"),
        ({"text": "hi", "expected_version": True}, "expected_version"),
    ],
)
def test_values_of_another_json_type_are_refused_not_coerced(supervisor_api, team_case, body, field):
    response = supervisor_api.post(f"/api/v1/cases/{team_case.pk}/notes/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in error_of(response)["fields"]


def test_a_required_text_is_documented_as_needing_a_visible_character(schema):
    pattern = schema["components"]["schemas"]["NoteInputRequest"]["properties"]["text"]["pattern"]
    assert re.search(pattern, "a note")
    assert not re.search(pattern, " \t\u3000")
    assert not re.search(pattern, "a\x00b")


@pytest.mark.parametrize("value", ["null", "0", "-1", "501", "1e2", "2.5"])
def test_page_size_outside_1_to_500_is_refused(supervisor_api, value):
    for url in ("/api/v1/orders/", "/api/v1/teams/"):
        response = supervisor_api.get(url, {"page_size": value})
        assert response.status_code == 400, (url, value)
        assert list(error_of(response)["fields"]) == ["page_size"]


def test_page_size_bounds_are_in_the_schema(schema):
    for path in ("/api/v1/orders/", "/api/v1/teams/"):
        (size,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "page_size"]
        assert (size["schema"]["minimum"], size["schema"]["maximum"]) == (1, 500)


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/orders/", {"updated_since": ""}, "updated_since"),
        ("/api/v1/orders/", {"updated_since": "2026-10-01T10:00:00"}, "updated_since"),
        ("/api/v1/orders/", {"customer": "0"}, "customer"),
        ("/api/v1/orders/", {"customer": "007"}, "customer"),
        ("/api/v1/orders/", {"status": ""}, "status"),
        ("/api/v1/reports/", {"is_current": ""}, "is_current"),
        ("/api/v1/reports/", {"is_current": "maybe"}, "is_current"),
        ("/api/v1/cases/", {"escalation": "1.5"}, "escalation"),
        ("/api/v1/cases/", {"team": "no spaces please"}, "team"),
        ("/api/v1/orders/", {"store": "a" * 65}, "store"),
    ],
)
def test_query_values_the_schema_calls_invalid_are_refused(supervisor_api, url, params, field):
    response = supervisor_api.get(url, params)
    assert response.status_code == 400, response.content
    assert field in error_of(response)["fields"]


def test_a_parameter_given_twice_is_refused(supervisor_api):
    response = supervisor_api.get("/api/v1/orders/?status=paid&status=shipped")
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["status"]


def test_filter_bounds_are_in_the_schema(schema):
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/orders/"]["get"]["parameters"]}
    assert params["store"]["maxLength"] == 64
    assert re.fullmatch(params["customer"]["pattern"], "17") and not re.fullmatch(params["customer"]["pattern"], "0")
    cases = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]}
    assert (cases["escalation"]["type"], cases["escalation"]["minimum"], cases["escalation"]["maximum"]) == (
        "integer",
        0,
        3,
    )


def test_an_account_id_that_matches_nothing_lists_nothing(supervisor_api, rows):
    response = supervisor_api.get("/api/v1/tweets/", {"brand_account": "987654"})
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.fixture
def rows(db):
    return CaseFactory()


def test_order_writes_take_the_documented_codes_only(supervisor_api, schema):
    currency = schema["components"]["schemas"]["OrderInputRequest"]["properties"]["currency"]
    assert "EUR" in json.dumps(currency)
    for body, field in [
        ({"order_number": "1", "currency": "XYZ"}, "currency"),
        ({"order_number": "1", "currency": "eur"}, "currency"),
        ({"order_number": "1", "destination_country": "Germany"}, "destination_country"),
        ({"order_number": "1", "total_amount": 59.9}, "total_amount"),
    ]:
        response = supervisor_api.post("/api/v1/orders/", body, format="json")
        assert response.status_code == 400, body
        assert field in error_of(response)["fields"]
    created = supervisor_api.post("/api/v1/orders/", {"order_number": "1", "currency": "EUR"}, format="json")
    assert created.status_code == 201


def test_blank_and_null_values_are_documented_as_sent(supervisor_api, schema):
    order = OrderFactory(customer_email="")
    sent = supervisor_api.get(f"/api/v1/orders/{order.pk}/").json()
    assert sent["customer_email"] == ""
    email = schema["components"]["schemas"]["Order"]["properties"]["customer_email"]
    assert {"type": "string", "maxLength": 0} in email["oneOf"]

    dm = DirectMessageFactory(recipient=None)
    assert supervisor_api.get(f"/api/v1/direct-messages/{dm.pk}/").json()["recipient"] is None
    assert schema["components"]["schemas"]["DirectMessage"]["properties"]["recipient"]["nullable"] is True


def test_report_downloads_document_their_real_content_types(schema, supervisor_api):
    content = schema["paths"]["/api/v1/reports/{id}/download/{fmt}/"]["get"]["responses"]["200"]["content"]
    assert {"text/html", "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(
        content
    )
    snapshot = ReportSnapshotFactory(csv="a,b\n")
    response = supervisor_api.get(f"/api/v1/reports/{snapshot.pk}/download/csv/")
    assert response["Content-Type"].split(";")[0] in content


def test_a_wrong_api_address_answers_the_json_404(supervisor_api, api_client_anonymous):
    response = supervisor_api.get("/api/v1/cases/not-a-number/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert api_client_anonymous.get("/api/v1/cases/not-a-number/").status_code == 401
    redirect = supervisor_api.get("/api/v1/cases")
    assert (redirect.status_code, redirect["Location"]) == (301, "/api/v1/cases/")


@pytest.fixture
def api_client_anonymous(db):
    from rest_framework.test import APIClient

    return APIClient()


def test_unlinking_an_order_documents_the_case_row_it_answers(schema):
    responses = schema["paths"]["/api/v1/cases/{id}/orders/{order_id}/"]["delete"]["responses"]
    assert "204" not in responses
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/CaseList"}


@pytest.mark.parametrize("value", ["0758-05-12T03:16:19+17:15", "0893-01-12T12:42:00-23:48"])
def test_times_with_any_iso_offset_filter_on_every_database(supervisor_api, rows, value):
    # ISO 8601 offsets go to ±23:59; PostgreSQL refused those past ±15:59 with a DataError.
    response = supervisor_api.get("/api/v1/tweets/", {"created_after": value})
    assert response.status_code == 200, response.content
