"""The single-case path and the batch intake apply the same rules: the same messages fed one at a
time and as one page leave the same cases, the same timeline and the same notifications.

What legitimately differs is left out of the comparison, and said so: ids and references (other
rows), and ``Case.version`` — a page of three messages for a case is one change an agent must
see, three messages one by one are three (both paths move it; see services/lifecycle.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import transaction

from crm_twitter.models import Case, CaseEvent, Notification
from crm_twitter.services.case_inputs import CaseOpenSpec, MessageArrival, ResponseArrival
from crm_twitter.services.case_intake import (
    case_messages_received,
    case_open,
    case_open_many,
    case_response_recorded,
    case_responses_recorded,
)
from tests.factories import CustomerFactory, XUserFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)
IGNORED_CASE_FIELDS = {"id", "reference", "version"}


def _specs(brand, people) -> list[CaseOpenSpec]:
    base = NOW - dt.timedelta(hours=3)
    texts = [
        ("@brandhelp my parcel never arrived", "public", {}),
        ("@brandhelp the mug came broken, I'll file a chargeback", "public", {"reach": 50_000}),
        ("@brandhelp @ceo wrong size again", "public", {"mentions_executive": True}),
        ("Hello, I was charged twice for order 40001234", "dm", {"contains_private_data": True}),
    ]
    return [
        CaseOpenSpec(
            customer_id=person.customer_id,
            brand_account_id=brand.pk,
            customer_x_user_id=person.pk,
            opened_at=base + i * MINUTE,
            language="en",
            text=text,
            channel=channel,
            conversation_id=f"conv-{i}",
            **extra,
        )
        for i, (person, (text, channel, extra)) in enumerate(zip(people, texts, strict=True))
    ]


def _messages(cases: list[Case]) -> list[MessageArrival]:
    """A morning of messages, several per case, in time order."""
    at = NOW - dt.timedelta(hours=2)
    a, b, c, d = (case.pk for case in cases)
    return [
        MessageArrival(case_id=a, at=at, channel="public", text="any news?"),
        MessageArrival(case_id=b, at=at + MINUTE, channel="dm", text="here is the photo"),
        MessageArrival(
            case_id=a, at=at + 2 * MINUTE, channel="public", text="my address is 1 Main St", contains_private_data=True
        ),
        MessageArrival(case_id=c, at=at + 3 * MINUTE, channel="public", text="my lawyer will call", engagement=900),
        MessageArrival(case_id=a, at=at + 4 * MINUTE, channel="public", text="hello??", is_public_nudge=True),
        MessageArrival(case_id=d, at=at + 5 * MINUTE, channel="dm", text="still charged twice"),
    ]


def _responses(cases: list[Case], agent_id: int) -> list[ResponseArrival]:
    at = NOW - dt.timedelta(hours=1)
    a, _, c, d = (case.pk for case in cases)
    return [
        ResponseArrival(case_id=a, at=at, channel="public", actor_id=agent_id, data={"text": "Sorry! DM us"}),
        ResponseArrival(case_id=a, at=at + MINUTE, channel="dm", actor_id=agent_id, data={"text": "Order number?"}),
        ResponseArrival(case_id=c, at=at + 2 * MINUTE, channel="dm", actor_id=agent_id, data={"text": "On it"}),
        ResponseArrival(case_id=d, at=at + 3 * MINUTE, channel="public", actor_id=agent_id, data={"text": "Hi"}),
    ]


def _single(brand, people, agent_id: int) -> list[Case]:
    cases = [case_open(spec=spec) for spec in _specs(brand, people)]
    for arrival in _messages(cases):
        case_messages_received(arrivals=[arrival])
    for response in _responses(cases, agent_id):
        case_response_recorded(response=response)
    return cases


def _batch(brand, people, agent_id: int) -> list[Case]:
    cases = case_open_many(specs=_specs(brand, people))
    case_messages_received(arrivals=_messages(cases))
    case_responses_recorded(responses=_responses(cases, agent_id))
    return cases


def _picture(cases: list[Case]) -> dict:
    """Every field of every case, its events and its notifications, with ids and references
    replaced by the case's position (the other path's rows have other ids)."""
    names = {case.pk: f"<case {i}>" for i, case in enumerate(cases)}
    refs = {}
    for case in Case.objects.filter(pk__in=names):
        refs[case.reference] = names[case.pk]

    def plain(value):
        if isinstance(value, str):
            for ref, name in refs.items():
                value = value.replace(ref, name)
            return value
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if k != "version"}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    fields = [f.attname for f in Case._meta.concrete_fields if f.attname not in IGNORED_CASE_FIELDS]
    out = {}
    for case in Case.objects.filter(pk__in=names).order_by("pk"):
        name = names[case.pk]
        events = CaseEvent.objects.filter(case=case).order_by("created_at", "kind", "message")
        notes = Notification.objects.filter(case=case).order_by("user_id", "kind", "message")
        out[name] = {
            "case": {f: plain(getattr(case, f)) for f in fields},
            "version_moved": case.version > 1,
            "events": [(e.kind, plain(e.message), plain(e.data), e.created_at, e.actor_id) for e in events],
            "notifications": [(n.user_id, n.kind, plain(n.message)) for n in notes],
        }
    return out


def _run_and_undo(path: Callable[[], list[Case]]) -> dict:
    """The picture ``path`` leaves, then the database as it was (so the other path starts equal:
    routing counts every agent's open cases)."""
    with transaction.atomic():
        picture = _picture(path())
        transaction.set_rollback(True)
    return picture


def test_the_same_messages_one_by_one_and_as_one_page_leave_the_same_cases_and_timeline(frozen, brand, make_team):
    team = make_team(languages=("en",), agents=3, supervisors=1)
    agent_id = team.agents[0].pk
    people = [XUserFactory(customer=CustomerFactory()) for _ in range(4)]

    single = _run_and_undo(lambda: _single(brand, people, agent_id))
    batch = _run_and_undo(lambda: _batch(brand, people, agent_id))

    assert set(single) == set(batch)
    for name in single:
        assert single[name]["case"] == batch[name]["case"], name
        assert single[name]["events"] == batch[name]["events"], name
        assert single[name]["notifications"] == batch[name]["notifications"], name
        assert single[name]["version_moved"] and batch[name]["version_moved"], name
    # The scenario exercises what the paths could disagree on.
    picture = next(iter(single.values()))
    assert picture["case"]["status"] == "in_dm"
    kinds = {kind for case in single.values() for kind, *_ in case["events"]}
    assert {"escalated", "status_changed", "public_nudge", "private_data_flagged", "reply_sent"} <= kinds
