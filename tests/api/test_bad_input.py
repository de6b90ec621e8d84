"""Bad input never becomes a 500: tampered cursors, look-alike digits and deeply nested JSON are
answered with a 400 and the API's error body."""

from __future__ import annotations

import base64
import json

import pytest

from tests.api.conftest import error_of
from tests.factories import (
    CaseFactory,
    CustomerFactory,
    DirectMessageFactory,
    OrderFactory,
    TeamFactory,
    TweetFactory,
)

CURSOR_LISTS = [
    "/api/v1/cases/",
    "/api/v1/customers/",
    "/api/v1/orders/",
    "/api/v1/tweets/",
    "/api/v1/direct-messages/",
]


def cursor(querystring: str) -> str:
    return base64.b64encode(querystring.encode()).decode()


@pytest.fixture
def rows(supervisor):
    case = CaseFactory()
    CustomerFactory()
    OrderFactory(customer=case.customer)
    TweetFactory(case=case)
    DirectMessageFactory(case=case)
    return case


@pytest.mark.parametrize("url", CURSOR_LISTS)
@pytest.mark.parametrize(
    "raw",
    [
        cursor("p=notadate"),
        cursor("p=1e999"),
        cursor("p=" + "9" * 40),
        cursor("p=2026-10-01T10:00:00"),  # a date-time without its offset
        cursor("o=-1"),
        cursor("r=x"),
        "not base64 at all!",
        "%FF%FE",
    ],
)
def test_a_tampered_cursor_is_a_400_with_the_error_body(supervisor_api, rows, url, raw):
    response = supervisor_api.get(url, {"cursor": raw, "queue": "all"} if "cases" in url else {"cursor": raw})

    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["cursor"]


@pytest.mark.parametrize("url", CURSOR_LISTS)
def test_the_cursors_the_api_hands_out_still_page_through(supervisor_api, url, db):
    for _ in range(3):
        case = CaseFactory()
        OrderFactory(customer=case.customer)
        TweetFactory(case=case)
        DirectMessageFactory(case=case)
    params = {"page_size": 2, "queue": "all"} if "cases" in url else {"page_size": 2}
    first = supervisor_api.get(url, params).json()
    second = supervisor_api.get(first["next"])
    assert second.status_code == 200
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second.json()["results"])
    back = supervisor_api.get(second.json()["previous"])
    assert [r["id"] for r in back.json()["results"]] == [r["id"] for r in first["results"]]


@pytest.mark.parametrize("name", ["team", "category", "brand_account", "assignee"])
@pytest.mark.parametrize("value", ["²", "١٢", "1²", "³4"])
def test_case_filters_take_ascii_digits_only(supervisor_api, rows, name, value):
    response = supervisor_api.get("/api/v1/cases/", {name: value})

    assert response.status_code == 400, response.content
    error = error_of(response)
    assert list(error["fields"]) == [name]
    assert "0-9" in error["fields"][name][0]


@pytest.mark.parametrize("name", ["team", "category", "brand_account", "assignee"])
def test_case_filter_ids_beyond_any_row_are_refused(supervisor_api, rows, name):
    response = supervisor_api.get("/api/v1/cases/", {name: "9" * 25})
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == [name]


def test_case_filters_still_take_ids_slugs_and_keywords(supervisor_api, supervisor):
    mine = CaseFactory(assignee=supervisor, team=TeamFactory())
    other = CaseFactory(team=TeamFactory())

    def ids(**params):
        response = supervisor_api.get("/api/v1/cases/", params)
        assert response.status_code == 200, response.content
        return {c["id"] for c in response.json()["results"]}

    assert ids(team=str(other.team_id)) == {other.pk}
    assert ids(team=other.team.slug) == {other.pk}
    assert ids(team=f" {mine.team_id} ") == {mine.pk}
    assert ids(brand_account=other.brand_account.handle) == {other.pk}
    assert ids(assignee="me") == {mine.pk}
    assert ids(assignee=str(supervisor.pk)) == {mine.pk}
    assert ids(assignee="none") == {other.pk}


def test_an_assignee_filter_that_is_no_user_is_refused_not_ignored(supervisor_api, rows):
    # Ignoring it would answer every case, as if the filter had matched.
    response = supervisor_api.get("/api/v1/cases/", {"assignee": "bob"})
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["assignee"]


@pytest.mark.parametrize("value", ["²", "١"])
def test_id_filters_of_other_lists_take_ascii_digits_only(supervisor_api, rows, value):
    for url, name in [
        ("/api/v1/orders/", "customer"),
        ("/api/v1/tweets/", "case"),
        ("/api/v1/direct-messages/", "case"),
    ]:
        response = supervisor_api.get(url, {name: value})
        assert response.status_code == 400, (url, response.content)
        assert list(error_of(response)["fields"]) == [name]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [65, 5_000, 200_000])
def test_deeply_nested_json_bodies_are_refused_on_every_json_endpoint(supervisor_api, rows, depth):
    body = '{"rows": [{"order_number": "1", "raw": {"a": ' + nested(depth) + "}}]}"
    for url in ["/api/v1/orders/bulk/", "/api/v1/orders/", f"/api/v1/cases/{rows.pk}/notes/"]:
        response = supervisor_api.post(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.content)
        error = error_of(response)
        assert error["code"] == "malformed"
        assert "nested" in error["message"] and "line 1" in error["message"]


def test_json_nested_within_the_limit_is_accepted(supervisor_api, db):
    raw = {"a": json.loads(nested(60))}
    row = {"order_number": "70000001", "currency": "EUR", "raw": raw}
    response = supervisor_api.post("/api/v1/orders/bulk/", {"rows": [row]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1


def test_a_body_with_a_bad_byte_names_its_line(supervisor_api, db):
    body = b'{"rows": [\n{"order_number": "70000002",\n "carrier": "caf\xe9"}]}'
    response = supervisor_api.post("/api/v1/orders/bulk/", body, content_type="application/json")
    assert response.status_code == 400
    assert "line 3" in error_of(response)["message"]


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")]
)
def test_a_body_with_a_byte_order_mark_is_read_in_its_encoding(supervisor_api, db, encoding, bom):
    text = json.dumps({"rows": [{"order_number": "70000003", "carrier": "Colissimo Café", "currency": "EUR"}]})
    response = supervisor_api.post("/api/v1/orders/bulk/", bom + text.encode(encoding), content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
