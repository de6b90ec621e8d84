"""/api/v1/incidents/: supervisors act, managers read, agents get 403; the same services as the
incident page, strict input, 409 on a stale version or a changed reply plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm_twitter.models import CaseEvent, CaseStatus, Incident, IncidentCase, OutboundMessage
from tests.api.conftest import error_of
from tests.factories import BrandAccountFactory
from tests.incidents.action_builders import case_with_mention, incident_make

pytestmark = pytest.mark.django_db


def url(incident=None, action=""):
    base = "/api/v1/incidents/" + (f"{incident.pk}/" if incident is not None else "")
    return base + (f"{action}/" if action else "")


@pytest.fixture
def account(db):
    return BrandAccountFactory(handle="shophelp")


@pytest.fixture
def incident(account):
    return incident_make(account, [case_with_mention(account, language="es"), case_with_mention(account)])


def test_agents_get_403_everywhere(agent_api, incident):
    assert agent_api.get(url()).status_code == 403
    assert agent_api.get(url(incident)).status_code == 403
    response = agent_api.post(url(incident, "close"), {"root_cause": "Carrier strike"}, format="json")
    assert response.status_code == 403
    assert error_of(response)["code"]


def test_managers_read_and_plan_but_may_not_act(manager_api, incident):
    assert manager_api.get(url(incident)).status_code == 200
    assert manager_api.post(url(incident, "reply-plan"), {"channel": "public"}, format="json").status_code == 200
    response = manager_api.post(url(incident, "close"), {"root_cause": "Carrier strike"}, format="json")
    assert response.status_code == 403
    assert Incident.objects.get(pk=incident.pk).status == "open"


def test_list_filters_by_status_account_and_opening_time(supervisor_api, account, incident):
    other = incident_make(BrandAccountFactory(handle="otherhelp"), [], status=Incident.Status.CLOSED)
    Incident.objects.filter(pk=other.pk).update(opened_at=timezone.now() - dt.timedelta(days=3))

    def ids(**params):
        response = supervisor_api.get(url(), params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [other.pk, incident.pk]
    assert ids(status="open") == [incident.pk]
    assert ids(brand_account="otherhelp") == [other.pk]
    assert ids(brand_account=str(account.pk)) == [incident.pk]
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert ids(opened_after=since) == [incident.pk]
    assert ids(opened_before=since) == [other.pk]
    assert supervisor_api.get(url(), {"opened_after": "2026-11-02T10:00:00"}).status_code == 400  # naive time
    assert supervisor_api.get(url(), {"status": "exploded"}).status_code == 400


def test_retrieve_has_case_ids_dimensions_and_history(supervisor_api, incident):
    body = supervisor_api.get(url(incident)).json()
    assert body["case_ids"] == sorted(IncidentCase.objects.filter(incident=incident).values_list("case_id", flat=True))
    assert body["dimensions"] == {"category": "", "carrier": "DHL", "sku": "", "destination_country": "BR"}
    assert body["version"] == incident.version and body["events"] == []


def test_status_update_preview_drafts_then_post_queues_one_post(supervisor_api, incident):
    preview = supervisor_api.post(url(incident, "status-update-preview"), {}, format="json").json()
    assert preview["ok"] and preview["estimated_cost"] == "0.015" and preview["text"]

    response = supervisor_api.post(
        url(incident, "status-update"), {"text": preview["text"], "expected_version": incident.version}, format="json"
    )
    assert response.status_code == 202, response.json()
    message = OutboundMessage.objects.get(pk=response.json()["id"])
    assert (message.channel, message.case_id, message.incident_id) == ("post", None, incident.pk)

    again = supervisor_api.post(
        url(incident, "status-update"), {"text": preview["text"], "expected_version": incident.version}, format="json"
    )
    assert again.status_code == 409 and error_of(again)["code"] == "stale"
    assert OutboundMessage.objects.count() == 1


def test_a_status_update_with_private_data_is_refused_with_400(supervisor_api, incident):
    response = supervisor_api.post(
        url(incident, "status-update"), {"text": "Card 4111 1111 1111 1111 was charged twice"}, format="json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "private_data"


def test_reply_all_needs_the_current_plans_total(supervisor_api, incident):
    plan = supervisor_api.post(url(incident, "reply-plan"), {"channel": "public"}, format="json").json()
    assert plan["count"] == 2 and plan["total_cost"] == "0.020"

    stale = supervisor_api.post(
        url(incident, "reply-all"), {"channel": "public", "confirmed_total_cost": "0.010"}, format="json"
    )
    assert stale.status_code == 409 and error_of(stale)["code"] == "plan_changed"

    response = supervisor_api.post(
        url(incident, "reply-all"), {"channel": "public", "confirmed_total_cost": plan["total_cost"]}, format="json"
    )
    assert response.status_code == 202, response.json()
    assert len(response.json()["done"]) == 2
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.REPLY_QUEUED).count() == 2


def test_resolve_all_reports_skipped_cases(supervisor_api, account, incident):
    resolved = case_with_mention(account, status=CaseStatus.RESOLVED)
    IncidentCase.objects.create(incident=incident, case=resolved, linked_at=timezone.now())

    response = supervisor_api.post(url(incident, "resolve-all"), {"outcome": "reship"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert len(body["done"]) == 2
    assert body["skipped"] == [{"case": resolved.pk, "reason": "Already resolved."}]


def test_unknown_fields_and_wrong_types_are_refused(supervisor_api, incident):
    response = supervisor_api.post(url(incident, "close"), {"root_cause": "x", "force": True}, format="json")
    assert response.status_code == 400 and "force" in error_of(response)["fields"]
    response = supervisor_api.post(url(incident, "close"), {"root_cause": 5}, format="json")
    assert response.status_code == 400
    response = supervisor_api.post(url(incident, "close"), {"root_cause": "   "}, format="json")
    assert response.status_code == 400
    assert Incident.objects.get(pk=incident.pk).status == "open"


def test_merge_unlink_and_close(supervisor_api, account, incident):
    target = incident_make(account, [])
    case_id = IncidentCase.objects.filter(incident=incident).values_list("case_id", flat=True)[0]

    unlinked = supervisor_api.post(url(incident, "unlink"), {"case": case_id}, format="json")
    assert unlinked.status_code == 200 and unlinked.json()["case_count"] == 1
    merged = supervisor_api.post(url(incident, "merge"), {"into": target.pk}, format="json")
    assert merged.status_code == 200 and merged.json()["id"] == target.pk and merged.json()["case_count"] == 1
    assert Incident.objects.get(pk=incident.pk).status == "merged"

    closed = supervisor_api.post(
        url(target, "close"), {"root_cause": "Customs strike", "expected_version": target.version}, format="json"
    )
    assert closed.status_code == 409  # the merge moved the target's version
    closed = supervisor_api.post(url(target, "close"), {"root_cause": "Customs strike"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["root_cause"] == "Customs strike"
    again = supervisor_api.post(url(target, "resolve-all"), {"outcome": "reship"}, format="json")
    assert again.status_code == 409 and error_of(again)["code"] == "incident_not_open"


def test_merge_into_an_unknown_incident_is_400(supervisor_api, incident):
    response = supervisor_api.post(url(incident, "merge"), {"into": 999999}, format="json")
    assert response.status_code == 400 and "into" in error_of(response)["fields"]


def test_the_list_costs_the_same_queries_for_one_incident_or_many(
    supervisor_api, account, incident, django_assert_max_num_queries
):
    supervisor_api.get(url())  # warm-up: token lookup caches
    with django_assert_max_num_queries(12) as one:
        assert supervisor_api.get(url()).status_code == 200
    for _ in range(5):
        incident_make(BrandAccountFactory(), [case_with_mention(account)])
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(supervisor_api.get(url()).json()["results"]) == 6
