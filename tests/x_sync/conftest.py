"""Fixtures for the X ingest/sync tests: a brand account, X JSON builders, and — until the
workflow engine lands — a minimal stand-in for ``crm_twitter.services.cases``."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
import types
from itertools import count

import pytest
from django.utils import timezone

from crm_twitter.models import Case, CaseEvent, CaseStatus, Priority
from tests.factories import BrandAccountFactory

BRAND_X_ID = "900000001"
_ids = count(1_900_000_000_000_000_000)


def _fake_cases_module() -> types.ModuleType:
    module = types.ModuleType("crm_twitter.services.cases")

    def case_open_many(*, specs, actor=None):
        cases = Case.objects.bulk_create(
            [
                Case(
                    customer_id=spec.customer_id,
                    customer_x_user_id=spec.customer_x_user_id,
                    brand_account_id=spec.brand_account_id,
                    opened_at=spec.opened_at,
                    language=spec.language,
                    conversation_ids=[spec.conversation_id] if spec.conversation_id else [],
                    reach=spec.reach,
                    escalation_level=2 if spec.mentions_executive else 0,
                    contact_count=1,
                    last_customer_message_at=spec.opened_at,
                    has_private_data_in_public=spec.contains_private_data,
                )
                for spec in specs
            ]
        )
        for case in cases:
            case.reference = f"CS-2026-{case.pk:06d}"
        Case.objects.bulk_update(cases, ["reference"])
        CaseEvent.objects.bulk_create(
            [CaseEvent(case=case, kind=CaseEvent.Kind.CREATED, created_at=case.opened_at) for case in cases]
        )
        return cases

    def case_messages_received(*, arrivals):
        cases = Case.objects.in_bulk({a.case_id for a in arrivals})
        for arrival in arrivals:
            case = cases[arrival.case_id]
            case.contact_count += 1
            case.last_customer_message_at = arrival.at
            if arrival.is_public_nudge:
                case.public_nudge_count += 1
                case.priority = Priority.HIGH
            if arrival.mentions_executive:
                case.escalation_level = max(case.escalation_level, 2)
        Case.objects.bulk_update(
            list(cases.values()),
            ["contact_count", "last_customer_message_at", "public_nudge_count", "priority", "escalation_level"],
        )
        return [cases[a.case_id] for a in arrivals]

    def case_response_recorded(*, response):
        case = Case.objects.get(pk=response.case_id)
        if case.first_response_at is None:
            case.first_response_at = response.at
        if response.channel == "public" and case.status == CaseStatus.NEW:
            case.status = CaseStatus.ACKNOWLEDGED
        if response.channel == "dm" and case.status in {CaseStatus.NEW, CaseStatus.ACKNOWLEDGED}:
            case.status = CaseStatus.IN_DM
        case.last_agent_message_at = response.at
        case.save()
        return case

    module.case_open_many = case_open_many
    module.case_messages_received = case_messages_received
    module.case_response_recorded = case_response_recorded
    return module


@pytest.fixture(autouse=True)
def workflow_engine(monkeypatch):
    """The real workflow engine when it exists; otherwise a minimal stand-in with the same names."""
    if importlib.util.find_spec("crm_twitter.services.cases") is None:
        fake = _fake_cases_module()
        monkeypatch.setitem(sys.modules, "crm_twitter.services.cases", fake)
        import crm_twitter.services as services_pkg

        monkeypatch.setattr(services_pkg, "cases", fake, raising=False)
        return fake
    from crm_twitter.services import cases

    return cases


@pytest.fixture
def brand(db):
    return BrandAccountFactory(handle="brandhelp", x_user_id=BRAND_X_ID)


def next_id() -> str:
    return str(next(_ids))


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def user_json(x_id: str, username: str, *, followers: int = 10, name: str | None = None, **extra) -> dict:
    return {
        "id": x_id,
        "username": username,
        "name": name or username.title(),
        "public_metrics": {"followers_count": followers, "following_count": 3, "tweet_count": 40, "listed_count": 0},
        "verified": False,
        "protected": False,
        **extra,
    }


def tweet_json(
    author_id: str,
    text: str,
    *,
    x_id: str | None = None,
    at: dt.datetime | None = None,
    reply_to: str | None = None,
    conversation_id: str | None = None,
    retweet_of: str | None = None,
    mentions: list[tuple[str, str]] = (),
    media_keys: list[str] = (),
    lang: str = "en",
    **extra,
) -> dict:
    x_id = x_id or next_id()
    at = at or timezone.now()
    refs = []
    if reply_to:
        refs.append({"type": "replied_to", "id": reply_to})
    if retweet_of:
        refs.append({"type": "retweeted", "id": retweet_of})
    tweet = {
        "id": x_id,
        "text": text,
        "author_id": author_id,
        "created_at": iso(at),
        "lang": lang,
        "conversation_id": conversation_id or x_id,
        "edit_history_tweet_ids": [x_id],
        "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 1, "quote_count": 0},
        "entities": {"mentions": [{"start": 0, "end": len(u) + 1, "username": u, "id": i} for i, u in mentions]},
        **extra,
    }
    if refs:
        tweet["referenced_tweets"] = refs
    if media_keys:
        tweet["attachments"] = {"media_keys": list(media_keys)}
    return tweet


def dm_json(
    sender_id: str,
    recipient_id: str,
    text: str,
    *,
    x_id: str | None = None,
    at: dt.datetime | None = None,
    media_keys: list[str] = (),
) -> dict:
    x_id = x_id or next_id()
    ids = sorted([sender_id, recipient_id], key=int)
    event = {
        "id": x_id,
        "event_type": "MessageCreate",
        "text": text,
        "sender_id": sender_id,
        "participant_ids": [sender_id, recipient_id],
        "dm_conversation_id": f"{ids[0]}-{ids[1]}",
        "created_at": iso(at or timezone.now()),
    }
    if media_keys:
        event["attachments"] = {"media_keys": list(media_keys)}
    return event


def page(
    data: list[dict], users: list[dict] = (), media: list[dict] = (), meta: dict | None = None, errors: list[dict] = ()
):
    from crm_twitter.x.gateway import Page

    includes = {}
    if users:
        includes["users"] = list(users)
    if media:
        includes["media"] = list(media)
    return Page(data=list(data), includes=includes, meta=meta or {"result_count": len(data)}, errors=list(errors))
