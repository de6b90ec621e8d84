"""/api/v1/cases/: lists with the inbox's queues and filters, the detail, and every action."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_twitter.models import Case, CaseEvent, CaseStatus, ComplaintCategory, OutboundMessage, Promise
from tests.api.conftest import error_of
from tests.factories import (
    CaseEventFactory,
    CaseFactory,
    ComplaintCategoryFactory,
    DirectMessageFactory,
    MediaFactory,
    OrderFactory,
    OrderItemFactory,
    PromiseFactory,
    TweetFactory,
    UserFactory,
)

CASES = "/api/v1/cases/"


def url(case, action=""):
    return f"{CASES}{case.pk}/" + (f"{action}/" if action else "")


# --- visibility -----------------------------------------------------------------------------------


def test_agent_lists_only_their_teams_cases(agent_api, team_case, other_case):
    ids = [c["id"] for c in agent_api.get(CASES).json()["results"]]
    assert ids == [team_case.pk]


def test_agent_cannot_read_another_teams_case(agent_api, other_case):
    response = agent_api.get(url(other_case))
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_agent_cannot_act_on_another_teams_case(agent_api, other_case):
    response = agent_api.post(url(other_case, "transition"), {"to_status": "acknowledged"}, format="json")
    assert response.status_code == 404
    assert Case.objects.get(pk=other_case.pk).status == CaseStatus.NEW


def test_agent_sees_a_case_assigned_to_them_outside_their_team(agent_api, agent, other_case):
    Case.objects.filter(pk=other_case.pk).update(assignee=agent)
    assert agent_api.get(url(other_case)).status_code == 200


def test_supervisor_sees_every_team(supervisor_api, team_case, other_case):
    ids = {c["id"] for c in supervisor_api.get(CASES).json()["results"]}
    assert ids == {team_case.pk, other_case.pk}


# --- list, filters, search --------------------------------------------------------------------------


def test_open_escalated_queue(supervisor_api, db):
    escalated = CaseFactory(escalation_level=2)
    CaseFactory(escalation_level=0)
    CaseFactory(escalation_level=1, status=CaseStatus.RESOLVED)
    ids = [c["id"] for c in supervisor_api.get(CASES, {"queue": "escalated"}).json()["results"]]
    assert ids == [escalated.pk]


def test_queue_all_includes_resolved_and_not_actionable(supervisor_api, db):
    cases = [CaseFactory(status=s) for s in (CaseStatus.NEW, CaseStatus.RESOLVED, CaseStatus.NOT_ACTIONABLE)]
    default = {c["id"] for c in supervisor_api.get(CASES).json()["results"]}
    everything = {c["id"] for c in supervisor_api.get(CASES, {"queue": "all"}).json()["results"]}
    assert default == {cases[0].pk}
    assert everything == {c.pk for c in cases}


def test_filters_by_language_status_and_escalation(supervisor_api, db):
    match = CaseFactory(language="de", status=CaseStatus.IN_DM, escalation_level=1)
    CaseFactory(language="de", status=CaseStatus.NEW, escalation_level=1)
    CaseFactory(language="en", status=CaseStatus.IN_DM, escalation_level=1)
    response = supervisor_api.get(CASES, {"language": "de", "status": "in_dm", "escalation": 1})
    assert [c["id"] for c in response.json()["results"]] == [match.pk]


def test_search_finds_a_case_by_order_number(supervisor_api, db):
    case = CaseFactory()
    CaseFactory()
    case.orders.add(OrderFactory(order_number="77001234"))
    response = supervisor_api.get(CASES, {"q": "77001234"})
    assert [c["id"] for c in response.json()["results"]] == [case.pk]


def test_search_finds_a_case_by_handle(supervisor_api, db):
    case = CaseFactory(customer_x_user__handle="angry_ann")
    CaseFactory()
    response = supervisor_api.get(CASES, {"q": "@angry_ann"})
    assert [c["id"] for c in response.json()["results"]] == [case.pk]


def test_bad_filter_value_is_400_naming_the_parameter(supervisor_api, db):
    response = supervisor_api.get(CASES, {"escalation": "high", "status": "sleeping"})
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"escalation", "status"}


def test_cursor_pagination_walks_every_case_once(supervisor_api, db):
    created = {CaseFactory().pk for _ in range(7)}
    seen, url_ = [], f"{CASES}?page_size=3"
    while url_:
        body = supervisor_api.get(url_).json()
        seen += [c["id"] for c in body["results"]]
        url_ = body["next"]
    assert sorted(seen) == sorted(created)


def test_times_have_zones_and_money_is_a_string_with_currency(supervisor_api, db):
    CaseFactory(status=CaseStatus.RESOLVED, outcome="refund", refund_amount=Decimal("19.90"), refund_currency="EUR")
    row = supervisor_api.get(CASES, {"queue": "all"}).json()["results"][0]
    assert row["refund"] == {"amount": "19.90", "currency": "EUR"}
    opened = dt.datetime.fromisoformat(row["opened_at"].replace("Z", "+00:00"))
    assert opened.tzinfo is not None


def _busy_case(**kwargs):
    case = CaseFactory(assignee=UserFactory(), category=ComplaintCategoryFactory(), **kwargs)
    tweet = TweetFactory(case=case, brand_account=case.brand_account, author=case.customer_x_user)
    MediaFactory(tweet=tweet)
    DirectMessageFactory(case=case, brand_account=case.brand_account, sender=case.customer_x_user)
    CaseEventFactory(case=case)
    PromiseFactory(case=case)
    case.orders.add(OrderFactory())
    return case


@pytest.mark.parametrize("extra", [2, 25])
def test_case_list_query_count_does_not_grow_with_rows(supervisor_api, django_assert_max_num_queries, extra):
    for _ in range(extra):
        _busy_case()
    with django_assert_max_num_queries(6):
        response = supervisor_api.get(CASES, {"page_size": 500, "queue": "all"})
    assert len(response.json()["results"]) == extra


@pytest.mark.parametrize("messages", [1, 20])
def test_case_detail_query_count_does_not_grow_with_the_timeline(
    supervisor_api, django_assert_max_num_queries, messages
):
    case = _busy_case()
    for _ in range(messages):
        t = TweetFactory(case=case, brand_account=case.brand_account, author=case.customer_x_user)
        MediaFactory(tweet=t)
        DirectMessageFactory(case=case, brand_account=case.brand_account, sender=case.customer_x_user)
        CaseEventFactory(case=case)
        PromiseFactory(case=case)
        case.orders.add(OrderItemFactory().order)
    with django_assert_max_num_queries(18):
        response = supervisor_api.get(url(case))
    assert response.status_code == 200


# --- detail ----------------------------------------------------------------------------------------


def test_detail_has_timeline_orders_promises_and_transitions(agent_api, team_case):
    TweetFactory(
        case=team_case,
        brand_account=team_case.brand_account,
        author=team_case.customer_x_user,
        text="<b>where</b> is my parcel",
    )
    DirectMessageFactory(case=team_case, brand_account=team_case.brand_account, sender=team_case.customer_x_user)
    CaseEventFactory(case=team_case, kind=CaseEvent.Kind.NOTE, message="checked")
    team_case.orders.add(OrderFactory(order_number="55500011"))
    PromiseFactory(case=team_case)
    body = agent_api.get(url(team_case)).json()
    kinds = [entry["kind"] for entry in body["timeline"]]
    assert {"tweet", "dm", "note"} <= set(kinds)
    tweet = next(e for e in body["timeline"] if e["kind"] == "tweet")["tweet"]
    assert tweet["text"] == "<b>where</b> is my parcel"  # JSON carries text as is; clients escape
    assert body["orders"][0]["order_number"] == "55500011"
    assert body["promises"][0]["status"] == "open"
    assert "allowed_transitions" in body


# --- actions ---------------------------------------------------------------------------------------


def test_assign_to_a_colleague(supervisor_api, team_case, agent):
    response = supervisor_api.post(url(team_case, "assign"), {"assignee": agent.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["assignee"]["id"] == agent.pk
    assert CaseEvent.objects.filter(case=team_case, kind=CaseEvent.Kind.ASSIGNED).exists()


def test_assign_to_unknown_user_is_400(supervisor_api, team_case):
    response = supervisor_api.post(url(team_case, "assign"), {"assignee": 999999}, format="json")
    assert response.status_code == 400
    assert "assignee" in error_of(response)["fields"]


def test_stale_version_is_409(supervisor_api, team_case, agent):
    response = supervisor_api.post(
        url(team_case, "assign"), {"assignee": agent.pk, "expected_version": team_case.version + 5}, format="json"
    )
    assert response.status_code == 409
    assert Case.objects.get(pk=team_case.pk).assignee_id is None


def test_legal_transition(agent_api, team_case):
    response = agent_api.post(url(team_case, "transition"), {"to_status": "acknowledged"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "acknowledged"


def test_illegal_transition_is_409_naming_the_field(agent_api, team_case):
    Case.objects.filter(pk=team_case.pk).update(status=CaseStatus.PENDING_MERCHANT)
    response = agent_api.post(url(team_case, "transition"), {"to_status": "new"}, format="json")
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "illegal_transition"
    assert error["fields"]
    assert Case.objects.get(pk=team_case.pk).status == CaseStatus.PENDING_MERCHANT


def test_unknown_status_is_400(agent_api, team_case):
    response = agent_api.post(url(team_case, "transition"), {"to_status": "teleported"}, format="json")
    assert response.status_code == 400
    assert "to_status" in error_of(response)["fields"]


def test_escalate(agent_api, team_case):
    response = agent_api.post(url(team_case, "escalate"), {"reason": "Customer mentions a chargeback"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["escalation_level"] == 1


def test_escalate_out_of_range_level_is_400(agent_api, team_case):
    response = agent_api.post(url(team_case, "escalate"), {"reason": "x", "level": 9}, format="json")
    assert response.status_code == 400
    assert "level" in error_of(response)["fields"]


def test_add_note(agent_api, team_case):
    response = agent_api.post(url(team_case, "notes"), {"text": "Called the carrier"}, format="json")
    assert response.status_code == 201, response.json()
    assert CaseEvent.objects.filter(case=team_case, kind=CaseEvent.Kind.NOTE, message__contains="carrier").exists()


def test_record_and_keep_a_promise(agent_api, team_case):
    due = (timezone.now() + dt.timedelta(days=2)).isoformat()
    response = agent_api.post(
        url(team_case, "promises"),
        {"kind": "refund", "description": "Refund within 2 days", "due_at": due},
        format="json",
    )
    assert response.status_code == 201, response.json()
    promise_id = response.json()["id"]
    kept = agent_api.post(f"{url(team_case)}promises/{promise_id}/keep/", {"note": "done"}, format="json")
    assert kept.status_code == 200, kept.json()
    assert Promise.objects.get(pk=promise_id).status == Promise.Status.KEPT


def test_promise_with_a_naive_time_is_400(agent_api, team_case):
    response = agent_api.post(
        url(team_case, "promises"), {"description": "Refund", "due_at": "2030-01-01T10:00:00"}, format="json"
    )
    assert response.status_code == 400
    assert "due_at" in error_of(response)["fields"]


def test_keeping_a_promise_of_another_case_is_404(agent_api, team_case):
    promise = PromiseFactory()
    response = agent_api.post(f"{url(team_case)}promises/{promise.pk}/keep/", {}, format="json")
    assert response.status_code == 404


def test_reply_by_dm_is_queued(agent_api, team_case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = agent_api.post(
            url(team_case, "reply"), {"channel": "dm", "text": "Hi, we are on it."}, format="json"
        )
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "queued"
    assert OutboundMessage.objects.filter(case=team_case, channel="dm").count() == 1


def test_public_reply_with_private_data_is_refused(agent_api, team_case, django_capture_on_commit_callbacks):
    TweetFactory(
        case=team_case,
        brand_account=team_case.brand_account,
        author=team_case.customer_x_user,
        text=f"@{team_case.brand_account.handle} parcel missing",
    )
    with django_capture_on_commit_callbacks(execute=False):
        response = agent_api.post(
            url(team_case, "reply"),
            {"channel": "public", "text": "Your refund to jane.doe@example.com is on its way"},
            format="json",
        )
    assert response.status_code == 400
    error = error_of(response)
    assert error["fields"]
    assert error.get("offer_channel") == "dm"
    assert not OutboundMessage.objects.filter(case=team_case).exists()


def test_merge_into_another_case(supervisor_api, db):
    source = CaseFactory()
    target = CaseFactory(customer=source.customer, customer_x_user=source.customer_x_user)
    response = supervisor_api.post(url(source, "merge"), {"target": target.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert Case.objects.get(pk=source.pk).merged_into_id == target.pk


def test_merge_into_an_invisible_case_is_400(agent_api, team_case, other_case):
    response = agent_api.post(url(team_case, "merge"), {"target": other_case.pk}, format="json")
    assert response.status_code == 400
    assert "target" in error_of(response)["fields"]


def test_set_category(agent_api, team_case):
    ComplaintCategoryFactory(slug="lost-parcel")
    response = agent_api.post(url(team_case, "category"), {"category": "lost-parcel"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["category"]["slug"] == "lost-parcel"


def test_unknown_category_is_400(agent_api, team_case):
    response = agent_api.post(url(team_case, "category"), {"category": "no-such-thing"}, format="json")
    assert response.status_code == 400
    assert "category" in error_of(response)["fields"]


def test_record_outcome_resolves(agent_api, team_case):
    Case.objects.filter(pk=team_case.pk).update(status=CaseStatus.PENDING_MERCHANT)
    response = agent_api.post(
        url(team_case, "outcome"),
        {"outcome": "refund", "refund_amount": "25.00", "refund_currency": "usd"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "resolved"
    assert body["refund"] == {"amount": "25.00", "currency": "USD"}


def test_outcome_with_negative_refund_is_400(agent_api, team_case):
    response = agent_api.post(
        url(team_case, "outcome"), {"outcome": "refund", "refund_amount": "-1", "refund_currency": "USD"}, format="json"
    )
    assert response.status_code == 400
    assert "refund_amount" in error_of(response)["fields"]


def test_patch_edits_priority(agent_api, team_case):
    response = agent_api.patch(url(team_case), {"priority": "high"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["priority"] == "high"


def test_patch_refuses_fields_that_are_not_editable(agent_api, team_case):
    response = agent_api.patch(url(team_case), {"status": "closed", "priority": "high"}, format="json")
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"status": ["Unknown field."]}
    assert Case.objects.get(pk=team_case.pk).status == CaseStatus.NEW


def test_a_case_shows_its_suggestion_with_confidence_and_model_and_its_risk_kinds(agent_api, team_case):
    damaged = ComplaintCategory.objects.get(slug="damaged")
    Case.objects.filter(pk=team_case.pk).update(
        suggested_category=damaged, suggested_confidence=0.83, suggestion_model="desk-3", risk_kinds="chargeback,legal"
    )
    body = agent_api.get(f"/api/v1/cases/{team_case.pk}/").json()
    assert body["suggested_category"]["slug"] == "damaged"
    assert (body["suggested_confidence"], body["suggestion_model"]) == (0.83, "desk-3")
    assert body["risk_kinds"] == ["chargeback", "legal"]


def test_setting_the_category_checks_the_version_seen(agent_api, team_case):
    response = agent_api.post(
        url(team_case, "category"), {"category": "damaged", "expected_version": team_case.version + 5}, format="json"
    )
    assert response.status_code == 409
    team_case.refresh_from_db()
    assert team_case.category is None


def test_resolving_can_confirm_the_category_in_the_same_step(agent_api, team_case):
    Case.objects.filter(pk=team_case.pk).update(status=CaseStatus.PENDING_MERCHANT)
    response = agent_api.post(url(team_case, "outcome"), {"outcome": "reship", "category": "damaged"}, format="json")
    assert response.status_code == 200, response.json()
    team_case.refresh_from_db()
    assert team_case.status == CaseStatus.RESOLVED and team_case.category.slug == "damaged"
    assert team_case.category_confirmed


# --- optimistic concurrency: every case action takes expected_version -----------------------------


def _stale_actions(case, agent):
    """(method, url, body) of every case action; ``expected_version`` is added by the tests."""
    promise = PromiseFactory(case=case)
    target = CaseFactory(team=case.team, customer=case.customer, customer_x_user=case.customer_x_user)
    due = (timezone.now() + dt.timedelta(days=2)).isoformat()
    return {
        "edit": ("patch", url(case), {"priority": "high"}),
        "assign": ("post", url(case, "assign"), {"assignee": agent.pk}),
        "transition": ("post", url(case, "transition"), {"to_status": "acknowledged"}),
        "escalate": ("post", url(case, "escalate"), {"reason": "Press"}),
        "notes": ("post", url(case, "notes"), {"text": "Called the carrier"}),
        "promises": ("post", url(case, "promises"), {"kind": "refund", "description": "Refund", "due_at": due}),
        "promise_keep": ("post", f"{url(case)}promises/{promise.pk}/keep/", {"note": "done"}),
        "reply": ("post", url(case, "reply"), {"channel": "dm", "text": "We are on it."}),
        "merge": ("post", url(case, "merge"), {"target": target.pk}),
        "category": ("post", url(case, "category"), {"category": "damaged"}),
        "outcome": ("post", url(case, "outcome"), {"outcome": "reship", "category": "damaged"}),
    }


ACTION_NAMES = [
    "edit",
    "assign",
    "transition",
    "escalate",
    "notes",
    "promises",
    "promise_keep",
    "reply",
    "merge",
    "category",
    "outcome",
]


@pytest.mark.parametrize("action", ACTION_NAMES)
def test_every_case_action_answers_409_when_a_colleague_changed_the_case(
    agent_api, agent, team_case, action, django_capture_on_commit_callbacks
):
    from crm_twitter.services.case_edits import case_edit

    method, path, body = _stale_actions(team_case, agent)[action]
    seen = team_case.version
    bob = UserFactory(username="bob", first_name="Bob", last_name="Chen", roles=["crm_agent"])
    case_edit(case=team_case, actor=bob, language="de")
    events = CaseEvent.objects.filter(case=team_case).count()
    with django_capture_on_commit_callbacks(execute=False):
        response = getattr(agent_api, method)(path, {**body, "expected_version": seen}, format="json")
    assert response.status_code == 409, response.json()
    error = error_of(response)
    assert error["code"] == "stale"
    assert error["message"].startswith("Bob Chen changed this case while you were looking at it.")
    assert error["fields"] == {"expected_version": [error["message"]]}
    team_case.refresh_from_db()
    assert team_case.version == seen + 1  # nothing written
    assert CaseEvent.objects.filter(case=team_case).count() == events
    assert not OutboundMessage.objects.filter(case=team_case).exists()


@pytest.mark.parametrize("action", ACTION_NAMES)
def test_every_case_action_goes_through_with_the_current_version(
    agent_api, agent, team_case, action, django_capture_on_commit_callbacks
):
    method, path, body = _stale_actions(team_case, agent)[action]
    with django_capture_on_commit_callbacks(execute=False):
        response = getattr(agent_api, method)(path, {**body, "expected_version": team_case.version}, format="json")
    assert response.status_code in (200, 201, 202), response.json()


def test_the_409_says_when_the_customer_wrote(agent_api, team_case):
    from crm_twitter.services.case_inputs import MessageArrival
    from crm_twitter.services.case_intake import case_messages_received

    seen = team_case.version
    case_messages_received(
        arrivals=[MessageArrival(case_id=team_case.pk, at=timezone.now(), channel="dm", text="any news?")]
    )
    response = agent_api.post(
        url(team_case, "transition"), {"to_status": "acknowledged", "expected_version": seen}, format="json"
    )
    assert response.status_code == 409
    assert error_of(response)["message"].startswith("The customer wrote while you were looking at this case.")
