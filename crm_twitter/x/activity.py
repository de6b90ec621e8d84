"""X Activity API (XAA) management: webhooks, subscriptions, replay — through the gateway.

tweepy has no XAA methods, so these are plain HTTP calls made by ``XGateway.request_json``
(tweepy's authentication, the configurable base URL, our exceptions, a call record each):

* ``POST/GET/PUT/DELETE /2/webhooks`` — register the desk's URL (X checks it with a CRC GET first),
  list, re-validate, delete;
* ``POST/GET/DELETE /2/activity/subscriptions`` — which events of which account X delivers
  (``dm.*`` are private events: created with the account's user context);
* ``POST /2/webhooks/replay`` — X delivers again what it sent (or failed to send) in a time range.

Functions return our frozen dataclasses, never X's JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from crm_twitter.x.activity_events import DM_EVENTS
from crm_twitter.x.errors import XMalformedResponse
from crm_twitter.x.gateway import XGateway

WEBHOOKS = "/2/webhooks"
SUBSCRIPTIONS = "/2/activity/subscriptions"
REPLAY = "/2/webhooks/replay"
REPLAY_TIME_FORMAT = "%Y%m%d%H%M"  # X's replay window: minutes, UTC.


@dataclass(frozen=True)
class Webhook:
    id: str
    url: str
    valid: bool
    created_at: str = ""


@dataclass(frozen=True)
class Subscription:
    id: str
    event_type: str
    user_id: str
    tag: str = ""
    webhook_id: str = ""
    created_at: str = ""


def _object(body: dict, what: str) -> dict:
    data = body.get("data")
    if isinstance(data, dict) and isinstance(data.get("subscription"), dict):
        data = data["subscription"]  # some answers wrap the subscription once more
    if not isinstance(data, dict):
        raise XMalformedResponse(f"{what}: `data` is not an object")
    return data


def _list(body: dict, what: str) -> list[dict]:
    data = body.get("data") or []
    if isinstance(data, dict):
        data = data.get("subscriptions") or data.get("webhooks") or []
    if not isinstance(data, list):
        raise XMalformedResponse(f"{what}: `data` is not a list")
    return [item for item in data if isinstance(item, dict)]


def _webhook(data: dict) -> Webhook:
    if not data.get("id"):
        raise XMalformedResponse("webhook without an id")
    return Webhook(
        id=str(data["id"]),
        url=str(data.get("url") or ""),
        valid=bool(data.get("valid", True)),
        created_at=str(data.get("created_at") or ""),
    )


def _subscription(data: dict) -> Subscription:
    sub_id = data.get("subscription_id") or data.get("id")
    if not sub_id:
        raise XMalformedResponse("subscription without an id")
    filter_ = data.get("filter") if isinstance(data.get("filter"), dict) else {}
    return Subscription(
        id=str(sub_id),
        event_type=str(data.get("event_type") or ""),
        user_id=str(filter_.get("user_id") or ""),
        tag=str(data.get("tag") or ""),
        webhook_id=str(data.get("webhook_id") or ""),
        created_at=str(data.get("created_at") or ""),
    )


# --- webhooks ----------------------------------------------------------------------------------------


def webhook_register(*, gateway: XGateway, url: str) -> Webhook:
    """Register ``url`` with X; X answers only after the URL passed its CRC check."""
    return _webhook(_object(gateway.request_json("POST", WEBHOOKS, json={"url": url}), "POST /2/webhooks"))


def webhooks_list(*, gateway: XGateway) -> list[Webhook]:
    return [_webhook(item) for item in _list(gateway.request_json("GET", WEBHOOKS), "GET /2/webhooks")]


def webhook_validate(*, gateway: XGateway, webhook_id: str) -> bool:
    """Ask X to run the CRC check again (a webhook X marked invalid is re-enabled by this)."""
    body = gateway.request_json("PUT", f"{WEBHOOKS}/{webhook_id}")
    return bool((body.get("data") or {}).get("valid", True))


def webhook_delete(*, gateway: XGateway, webhook_id: str) -> bool:
    body = gateway.request_json("DELETE", f"{WEBHOOKS}/{webhook_id}")
    return bool((body.get("data") or {}).get("deleted", True))


def webhook_replay(*, gateway: XGateway, webhook_id: str, start: dt.datetime, end: dt.datetime) -> str:
    """Have X deliver again what it sent to ``webhook_id`` between ``start`` and ``end`` (UTC);
    returns X's job id. Ingest is idempotent: what was already stored stays stored once."""
    if end <= start:
        raise ValueError("the replay window must end after it starts")
    body = gateway.request_json(
        "POST",
        REPLAY,
        json={
            "webhook_id": webhook_id,
            "from_date": start.astimezone(dt.UTC).strftime(REPLAY_TIME_FORMAT),
            "to_date": end.astimezone(dt.UTC).strftime(REPLAY_TIME_FORMAT),
        },
    )
    data = _object(body, "POST /2/webhooks/replay")
    return str(data.get("job_id") or data.get("id") or "")


# --- subscriptions -----------------------------------------------------------------------------------


def subscription_create(
    *, gateway: XGateway, event_type: str, user_id: str, webhook_id: str = "", tag: str = ""
) -> Subscription:
    """Subscribe to one event type of one account. Private events (DMs) need the account's user
    authorization, public ones the app's token."""
    payload: dict = {"event_type": event_type, "filter": {"user_id": str(user_id)}}
    if webhook_id:
        payload["webhook_id"] = webhook_id
    if tag:
        payload["tag"] = tag
    body = gateway.request_json("POST", SUBSCRIPTIONS, json=payload, user_context=event_type in DM_EVENTS)
    return _subscription(_object(body, "POST /2/activity/subscriptions"))


def subscriptions_list(*, gateway: XGateway) -> list[Subscription]:
    body = gateway.request_json("GET", SUBSCRIPTIONS)
    return [_subscription(item) for item in _list(body, "GET /2/activity/subscriptions")]


def subscription_delete(*, gateway: XGateway, subscription_id: str) -> bool:
    body = gateway.request_json("DELETE", f"{SUBSCRIPTIONS}/{subscription_id}")
    return bool((body.get("data") or {}).get("deleted", True))


def account_subscribe(
    *, gateway: XGateway, user_id: str, event_types: Sequence[str], webhook_id: str = "", tag: str = ""
) -> list[Subscription]:
    """Subscribe an account to each event type it is not subscribed to yet (safe to run twice)."""
    existing = {(s.event_type, s.user_id) for s in subscriptions_list(gateway=gateway)}
    return [
        subscription_create(gateway=gateway, event_type=kind, user_id=user_id, webhook_id=webhook_id, tag=tag)
        for kind in event_types
        if (kind, str(user_id)) not in existing
    ]


def account_unsubscribe(*, gateway: XGateway, user_id: str, event_types: Sequence[str] = ()) -> list[Subscription]:
    """Delete the account's subscriptions (all, or those of ``event_types``); returns what went."""
    gone = []
    for sub in subscriptions_list(gateway=gateway):
        if sub.user_id == str(user_id) and (not event_types or sub.event_type in event_types):
            subscription_delete(gateway=gateway, subscription_id=sub.id)
            gone.append(sub)
    return gone
