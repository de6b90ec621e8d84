"""Bad input anywhere: a 4xx with one error shape naming the field and the reason, never a 500."""

from __future__ import annotations

import json

import pytest

from crm_twitter.models import Case, Order
from tests.api.conftest import error_of

BULK = "/api/v1/orders/bulk/"


def post_raw(client, url, body: bytes | str, content_type="application/json"):
    return client.generic("POST", url, body, content_type=content_type)


def test_malformed_json_is_400(supervisor_api, team_case):
    response = post_raw(supervisor_api, f"/api/v1/cases/{team_case.pk}/notes/", b'{"text": "unterminated')
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "malformed"
    assert "JSON" in error["message"]


def test_nan_is_not_json(supervisor_api):
    response = post_raw(supervisor_api, BULK, '{"rows": [{"order_number": "1", "total_amount": NaN}]}')
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed"
    assert not Order.objects.exists()


def test_non_utf8_body_is_400(supervisor_api):
    response = post_raw(supervisor_api, BULK, b'{"rows": ["\xff\xfe"]}')
    assert response.status_code == 400


def test_deeply_nested_json_is_400(supervisor_api):
    response = post_raw(supervisor_api, BULK, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400


def test_bytes_codec_charset_is_refused(supervisor_api):
    response = post_raw(supervisor_api, BULK, b"{}", content_type="application/json; charset=bz2_codec")
    assert response.status_code == 400


def test_wrong_content_type_is_415(supervisor_api):
    response = post_raw(supervisor_api, BULK, "rows=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_wrong_types_name_each_field(supervisor_api, team_case):
    response = supervisor_api.post(
        f"/api/v1/cases/{team_case.pk}/escalate/", {"reason": ["a"], "level": "two"}, format="json"
    )
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"reason", "level"}


def test_a_list_where_an_object_is_expected_is_400(supervisor_api, team_case):
    response = supervisor_api.post(f"/api/v1/cases/{team_case.pk}/notes/", [1, 2], format="json")
    assert response.status_code == 400
    assert error_of(response)["fields"]


def test_unknown_fields_are_refused(supervisor_api, team_case):
    response = supervisor_api.post(
        f"/api/v1/cases/{team_case.pk}/notes/", {"text": "x", "colour": "red"}, format="json"
    )
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"colour": ["Unknown field."]}
    assert not team_case.events.exists()


def test_out_of_range_values(supervisor_api, team_case):
    response = supervisor_api.post(f"/api/v1/cases/{team_case.pk}/assign/", {"assignee": 10**30}, format="json")
    assert response.status_code == 400
    assert "assignee" in error_of(response)["fields"]


def test_huge_ids_in_the_path_are_404_not_500(supervisor_api):
    assert supervisor_api.get("/api/v1/cases/999999999999999999/").status_code == 404
    assert supervisor_api.get("/api/v1/cases/9999999999999999999999/").status_code == 404
    assert supervisor_api.get("/api/v1/tweets/abc/").status_code == 404


def test_huge_ids_in_filters_are_400_not_500(supervisor_api):
    response = supervisor_api.get("/api/v1/tweets/", {"case": str(10**30)})
    assert response.status_code == 400
    assert "case" in error_of(response)["fields"]


def test_body_over_the_upload_limit_is_413(supervisor_api, team_case, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = supervisor_api.post(f"/api/v1/cases/{team_case.pk}/notes/", {"text": "x" * 5000}, format="json")
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"
    assert not team_case.events.exists()


def test_bulk_body_over_its_own_limit_is_413(supervisor_api, settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "API_BULK_MAX_BYTES": 2000}
    rows = [{"order_number": str(i), "raw": {"pad": "x" * 100}} for i in range(50)]
    response = supervisor_api.post(BULK, {"rows": rows}, format="json")
    assert response.status_code == 413
    assert not Order.objects.exists()


def test_bulk_may_be_larger_than_other_endpoints(supervisor_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    rows = [{"order_number": str(10000000 + i), "currency": "EUR"} for i in range(100)]
    assert len(json.dumps({"rows": rows})) > 1000
    response = supervisor_api.post(BULK, {"rows": rows}, format="json")
    assert response.status_code == 200
    assert response.json()["created"] == 100


def test_invalid_cursor_is_a_4xx(supervisor_api):
    response = supervisor_api.get("/api/v1/cases/", {"cursor": "garbage"})
    assert 400 <= response.status_code < 500
    error_of(response)


def test_method_not_allowed_has_the_error_shape(supervisor_api):
    response = supervisor_api.delete("/api/v1/orders/bulk/")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


@pytest.mark.parametrize("body", [{"expected_version": 0, "priority": "high"}, {"priority": "extreme"}])
def test_case_edit_rejects_bad_values(supervisor_api, team_case, body):
    response = supervisor_api.patch(f"/api/v1/cases/{team_case.pk}/", body, format="json")
    assert response.status_code == 400
    assert error_of(response)["fields"]
    assert Case.objects.get(pk=team_case.pk).priority == "normal"
