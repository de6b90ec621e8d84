"""Optimistic concurrency in the services: every change refuses a stale version and says who moved it.

``Case.version`` moves for what an agent must see before acting (a colleague's change, the
customer writing, a reply queued) and not for bookkeeping (their own message delivered, SLA
clocks and breaches, category re-suggestions, notes). See services/lifecycle.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from crm_twitter.models import Case, CaseEvent, CaseStatus, ComplaintCategory, OutboundMessage, Promise
from crm_twitter.selectors.case_changes import case_changes_since
from crm_twitter.services.case_edits import (
    case_add_note,
    case_edit,
    case_link_order,
    case_set_category,
    case_unlink_order,
)
from crm_twitter.services.case_inputs import MessageArrival, ResponseArrival
from crm_twitter.services.case_intake import case_messages_received, case_response_recorded, case_responses_recorded
from crm_twitter.services.compose import reply_compose
from crm_twitter.services.errors import StaleCase
from crm_twitter.services.escalation import case_escalate
from crm_twitter.services.lifecycle import case_resolve, case_transition
from crm_twitter.services.merge import case_merge
from crm_twitter.services.promises import promise_cancel, promise_create, promise_keep
from crm_twitter.services.routing import case_assign, case_route, case_take
from crm_twitter.services.sla import sla_sweep
from tests.factories import CaseFactory, OrderFactory, PromiseFactory, UserFactory

from .conftest import NOW

H = dt.timedelta(hours=1)


@pytest.fixture
def scene(frozen, agent):
    """An open case in the agent's team with an order linked, another to link, two open promises
    and a duplicate to merge it into; a colleague who changes things while the agent looks."""
    case = CaseFactory(
        team=agent.crm_team,
        status=CaseStatus.IN_DM,
        opened_at=NOW - 5 * H,
        first_response_at=NOW - 4 * H,
        moved_to_dm_at=NOW - 4 * H,
        sla_resolution_due=NOW + 40 * H,
        sla_due_at=NOW + 40 * H,
    )
    linked = OrderFactory(customer=case.customer)
    case.orders.add(linked)
    return {
        "case": case,
        "agent": agent,
        "colleague": UserFactory(username="bob", first_name="Bob", last_name="Chen", roles=["crm_agent"]),
        "linked": linked,
        "unlinked": OrderFactory(customer=case.customer),
        "keep": PromiseFactory(case=case, due_at=NOW + 24 * H),
        "cancel": PromiseFactory(case=case, due_at=NOW + 24 * H),
        "target": CaseFactory(customer=case.customer, status=CaseStatus.NEW),
        "category": ComplaintCategory.objects.get(slug="damaged"),
    }


# Every service that changes a case, called the way the inbox and the API call it.
ACTIONS: dict[str, Callable[[dict, int], object]] = {
    "transition": lambda s, v: case_transition(
        case=s["case"], to_status=CaseStatus.PENDING_MERCHANT, actor=s["agent"], expected_version=v
    ),
    "resolve": lambda s, v: case_resolve(case=s["case"], actor=s["agent"], outcome="reship", expected_version=v),
    "take": lambda s, v: case_take(case=s["case"], actor=s["agent"], expected_version=v),
    "assign": lambda s, v: case_assign(case=s["case"], assignee=s["agent"], actor=s["agent"], expected_version=v),
    "escalate": lambda s, v: case_escalate(case=s["case"], actor=s["agent"], reason="Press", expected_version=v),
    "category": lambda s, v: case_set_category(
        case=s["case"], actor=s["agent"], category=s["category"], expected_version=v
    ),
    "edit": lambda s, v: case_edit(case=s["case"], actor=s["agent"], priority="high", expected_version=v),
    "link_order": lambda s, v: case_link_order(
        case=s["case"], actor=s["agent"], order=s["unlinked"], expected_version=v
    ),
    "unlink_order": lambda s, v: case_unlink_order(
        case=s["case"], actor=s["agent"], order=s["linked"], expected_version=v
    ),
    "promise_create": lambda s, v: promise_create(
        case=s["case"],
        actor=s["agent"],
        kind=Promise.Kind.RESHIP,
        description="Reship by Friday",
        due_at=timezone.now() + 48 * H,
        expected_version=v,
    ),
    "promise_keep": lambda s, v: promise_keep(promise=s["keep"], actor=s["agent"], expected_version=v),
    "promise_cancel": lambda s, v: promise_cancel(promise=s["cancel"], actor=s["agent"], expected_version=v),
    "reply": lambda s, v: reply_compose(
        case=s["case"], actor=s["agent"], channel="dm", text="We are on it.", expected_version=v
    ),
    "merge": lambda s, v: case_merge(source=s["case"], target=s["target"], actor=s["agent"], expected_version=v),
}


def _colleague_changes(scene) -> int:
    """Bob changes the language while the agent's page still shows the old version; returns that version."""
    seen = scene["case"].version
    case_edit(case=scene["case"], actor=scene["colleague"], language="de")
    return seen


def _footprint(case: Case) -> tuple:
    case.refresh_from_db()
    return (
        case.version,
        case.status,
        case.assignee_id,
        case.escalation_level,
        case.priority,
        case.category_id,
        case.merged_into_id,
        sorted(case.orders.values_list("pk", flat=True)),
        CaseEvent.objects.filter(case=case).count(),
        sorted(Promise.objects.filter(case=case).values_list("status", flat=True)),
        OutboundMessage.objects.filter(case=case).count(),
    )


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_case_change_refuses_a_stale_version_and_names_who_moved_it(scene, action):
    seen = _colleague_changes(scene)
    before = _footprint(scene["case"])
    with pytest.raises(StaleCase) as refused:
        ACTIONS[action](scene, seen)
    assert _footprint(scene["case"]) == before  # nothing was written
    assert refused.value.change.colleagues == ("Bob Chen",)
    assert refused.value.current_version == seen + 1
    assert refused.value.message.startswith("Bob Chen changed this case while you were looking at it.")


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_case_change_goes_through_with_the_current_version_and_moves_it(scene, action):
    current = Case.objects.get(pk=scene["case"].pk).version
    ACTIONS[action](scene, current)
    assert Case.objects.get(pk=scene["case"].pk).version == current + 1


def test_a_note_adds_to_an_older_page_but_checks_a_version_when_one_is_given(scene):
    seen = _colleague_changes(scene)
    note = case_add_note(case=scene["case"], actor=scene["agent"], text="Warehouse called")
    assert note.kind == CaseEvent.Kind.NOTE
    with pytest.raises(StaleCase):
        case_add_note(case=scene["case"], actor=scene["agent"], text="From a script", expected_version=seen)
    scene["case"].refresh_from_db()
    assert scene["case"].version == seen + 1  # a note never moves the version


# --- what the refusal says ---------------------------------------------------------------------


def _refusal(case: Case, seen: int, actor) -> StaleCase:
    with pytest.raises(StaleCase) as refused:
        case_transition(case=case, to_status=CaseStatus.PENDING_MERCHANT, actor=actor, expected_version=seen)
    return refused.value


def test_the_customer_writing_is_named_as_such(scene):
    case, seen = scene["case"], scene["case"].version
    case_messages_received(arrivals=[MessageArrival(case_id=case.pk, at=NOW, channel="dm", text="any news?")])
    refusal = _refusal(case, seen, scene["agent"])
    assert refusal.change.customer_wrote and not refusal.change.colleagues
    assert refusal.message == "The customer wrote while you were looking at this case. Reload it and try again."


def test_customer_and_colleague_together(scene):
    case, seen = scene["case"], scene["case"].version
    case_messages_received(arrivals=[MessageArrival(case_id=case.pk, at=NOW, channel="dm", text="hello?")])
    case_escalate(case=case, actor=scene["colleague"], reason="Angry")
    assert _refusal(case, seen, scene["agent"]).change.sentence() == (
        "The customer wrote and Bob Chen changed this case while you were looking at it."
    )


def test_your_own_change_from_another_window_is_yours(scene):
    case, seen = scene["case"], scene["case"].version
    case_edit(case=case, actor=scene["agent"], language="fr")
    assert _refusal(case, seen, scene["agent"]).change.sentence() == "You changed this case in another window."


def test_routing_and_replies_sent_on_x_itself(scene):
    case, seen = scene["case"], scene["case"].version
    case_route(case=case)
    assert _refusal(case, seen, scene["agent"]).change.by_rules
    seen = Case.objects.get(pk=case.pk).version
    case_responses_recorded(
        responses=[ResponseArrival(case_id=case.pk, at=NOW, channel="dm", data={"sent_from_x": True, "text": "hi"})]
    )
    assert _refusal(case, seen, scene["agent"]).change.sentence() == (
        "a colleague on X changed this case while you were looking at it."
    )


def test_a_change_that_left_no_versioned_event_gets_the_generic_refusal(scene):
    case, seen = scene["case"], scene["case"].version
    Case.objects.filter(pk=case.pk).update(version=seen + 1)
    refusal = _refusal(case, seen, scene["agent"])
    assert not refusal.change.known
    assert refusal.message == "Someone else changed this case in the meantime; reload it and try again."


def test_changes_since_reads_only_what_came_after_the_version_seen(scene):
    case = scene["case"]
    case_edit(case=case, actor=scene["colleague"], language="de")
    seen = Case.objects.get(pk=case.pk).version
    case_messages_received(arrivals=[MessageArrival(case_id=case.pk, at=NOW, channel="dm", text="hi")])
    change = case_changes_since(case_id=case.pk, version=seen, user_id=scene["agent"].pk)
    assert change.customer_wrote and change.colleagues == ()


# --- bookkeeping that never conflicts ---------------------------------------------------------


def test_the_delivery_of_the_agents_own_dm_does_not_move_the_version(scene):
    case, agent = scene["case"], scene["agent"]
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.ACKNOWLEDGED, moved_to_dm_at=None)
    message = reply_compose(case=case, actor=agent, channel="dm", text="Your order number, please?")
    after_queueing = Case.objects.get(pk=case.pk).version
    case_response_recorded(
        response=ResponseArrival(
            case_id=case.pk, at=NOW, channel="dm", actor_id=agent.pk, data={"outbound_id": message.pk}
        )
    )
    delivered = Case.objects.get(pk=case.pk)
    assert delivered.status == CaseStatus.IN_DM  # the delivery still moves the case along
    assert delivered.version == after_queueing
    case_transition(case=case, to_status=CaseStatus.PENDING_MERCHANT, actor=agent, expected_version=after_queueing)


def test_queueing_a_reply_is_news_to_a_colleague_about_to_answer(scene):
    case, seen = scene["case"], scene["case"].version
    reply_compose(case=case, actor=scene["colleague"], channel="dm", text="Refund approved.")
    with pytest.raises(StaleCase) as refused:
        reply_compose(case=case, actor=scene["agent"], channel="dm", text="Checking…", expected_version=seen)
    assert refused.value.change.colleagues == ("Bob Chen",)
    assert OutboundMessage.objects.filter(case=case).count() == 1


def test_the_sla_sweep_marks_breaches_and_missed_promises_without_moving_the_version(scene):
    case = scene["case"]
    Case.objects.filter(pk=case.pk).update(sla_due_at=NOW - H, sla_next_response_due=NOW - H)
    Promise.objects.filter(pk=scene["keep"].pk).update(due_at=NOW - H)
    seen = Case.objects.get(pk=case.pk).version
    result = sla_sweep()
    assert result.breached == 1 and result.promises_missed == 1
    swept = Case.objects.get(pk=case.pk)
    assert swept.is_overdue and swept.escalation_level >= 1
    assert swept.version == seen
    case_set_category(case=case, actor=scene["agent"], category=scene["category"], expected_version=seen)


def test_a_category_resuggestion_does_not_move_the_version(scene):
    from crm_twitter.services.categorisation import cases_resuggest

    case = scene["case"]
    Case.objects.filter(pk=case.pk).update(suggested_category=None, suggested_confidence=None)
    seen = Case.objects.get(pk=case.pk).version
    cases_resuggest()
    assert Case.objects.get(pk=case.pk).version == seen


def test_a_customer_message_moves_the_version_once_per_batch_and_tags_its_events(scene):
    case, seen = scene["case"], scene["case"].version
    arrivals = [
        MessageArrival(case_id=case.pk, at=NOW - dt.timedelta(minutes=m), channel="dm", text="?") for m in (2, 1)
    ]
    case_messages_received(arrivals=arrivals)
    assert Case.objects.get(pk=case.pk).version == seen + 1
    received = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.MESSAGE_RECEIVED)
    assert [e.data["version"] for e in received] == [seen + 1, seen + 1]
