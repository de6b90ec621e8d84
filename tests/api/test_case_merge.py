"""POST /api/v1/cases/{id}/merge/: the API refuses what the transition table refuses, in the
service's words, and a merged case's record is the service's."""

from __future__ import annotations

import pytest

from crm_twitter.models import Case, CaseEvent, CaseStatus
from crm_twitter.services.errors import IllegalTransition
from crm_twitter.services.lifecycle import transition_check
from tests.api.conftest import error_of
from tests.factories import CaseFactory


def url(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}/merge/"


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.CLOSED])
def test_a_resolved_or_closed_case_is_refused_with_the_transition_checks_words(supervisor_api, status):
    source = CaseFactory(status=status)
    target = CaseFactory(customer=source.customer, customer_x_user=source.customer_x_user)
    with pytest.raises(IllegalTransition) as service:
        transition_check(source, CaseStatus.CLOSED, merge=True)

    response = supervisor_api.post(url(source), {"target": target.pk}, format="json")

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "illegal_transition"
    assert (
        error["message"] == service.value.message == f"A {status.label.lower()} case cannot be merged; reopen it first."
    )
    assert error["fields"] == {"source": [service.value.message]}
    source.refresh_from_db()
    assert (source.status, source.merged_into_id) == (status, None)
    assert not CaseEvent.objects.filter(case__in=[source, target]).exists()


def test_a_merge_through_the_api_records_the_close(supervisor_api):
    source = CaseFactory(status=CaseStatus.PENDING_MERCHANT)
    target = CaseFactory(customer=source.customer, customer_x_user=source.customer_x_user)
    version = source.version

    response = supervisor_api.post(url(source), {"target": target.pk, "expected_version": version}, format="json")

    assert response.status_code == 200, response.json()
    source.refresh_from_db()
    assert (source.status, source.merged_into_id, source.version) == (CaseStatus.CLOSED, target.pk, version + 1)
    assert [(e.kind, e.data.get("from"), e.data.get("to")) for e in source.events.order_by("pk")] == [
        (CaseEvent.Kind.STATUS_CHANGED, CaseStatus.PENDING_MERCHANT, CaseStatus.CLOSED),
        (CaseEvent.Kind.MERGED, None, None),
    ]
