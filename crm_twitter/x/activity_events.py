"""X Activity API (XAA) envelopes → the X API v2 pages that polling's ingest already takes.

An XAA delivery (webhook body or one line of ``GET /2/activity/stream``) is one event::

    {"data": {"event_uuid": "…", "event_type": "post.mention.create", "tag": "…",
              "filter": {"user_id": "<brand id>"},
              "payload": {…}, "includes": {"users": […], "media": […]}}}

* ``post.mention.create`` / ``post.reply.create``: ``payload`` is a v2 post (``id``, ``text``,
  ``author_id``, ``conversation_id``…), its author in ``includes.users``.
* ``dm.received`` / ``dm.sent``: ``payload.direct_message_events`` holds ``message_create`` events
  (the v1.1 shape X kept for DMs) or v2 DM events, the people in ``payload.users`` (v1.1 map) or
  ``includes.users`` (v2 list).

Everything is validated before anything is handed to ingest: a post whose author, or a DM whose
sender, is missing from the users raises ``ActivityEventRejected`` and nothing of it is written
(polling, the safety net, reads the message again with its author).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm_twitter.x.account_activity import WebhookPage, v1_dm_to_v2, v1_user_to_v2

POST_EVENTS = frozenset({"post.mention.create", "post.reply.create"})
DM_EVENTS = frozenset({"dm.received", "dm.sent"})
HANDLED_EVENTS = POST_EVENTS | DM_EVENTS
# What `crm_twitter_webhooks subscribe` asks for when no --events is given.
DEFAULT_SUBSCRIBED_EVENTS = ("post.mention.create", "post.reply.create", "dm.received", "dm.sent")


class ActivityEventRejected(ValueError):
    """The envelope is malformed or incomplete; nothing of it may be ingested."""


@dataclass(frozen=True)
class ActivityEvent:
    """One XAA event, its fields checked."""

    event_uuid: str
    event_type: str
    for_user_id: str
    tag: str
    payload: dict
    includes: dict

    @property
    def handled(self) -> bool:
        return self.event_type in HANDLED_EVENTS


def is_activity_envelope(body: Any) -> bool:
    """Whether a decoded body looks like XAA (``data.event_type``) rather than a v1.1 delivery."""
    return isinstance(body, dict) and isinstance(body.get("data"), dict) and "event_type" in body["data"]


def activity_event_parse(body: Any) -> ActivityEvent:
    """Check an XAA envelope's frame (not yet its payload) and return its parts."""
    if not isinstance(body, dict):
        raise ActivityEventRejected("the body is not a JSON object")
    data = body.get("data")
    if not isinstance(data, dict):
        raise ActivityEventRejected("the envelope has no `data` object")
    event_type = data.get("event_type")
    if not isinstance(event_type, str) or not event_type:
        raise ActivityEventRejected("`data.event_type` is missing")
    filter_ = data.get("filter") if isinstance(data.get("filter"), dict) else {}
    payload = data.get("payload")
    includes = data.get("includes") or {}
    if not isinstance(payload, dict):
        raise ActivityEventRejected("`data.payload` is not an object")
    if not isinstance(includes, dict):
        raise ActivityEventRejected("`data.includes` is not an object")
    return ActivityEvent(
        event_uuid=str(data.get("event_uuid") or "")[:64],
        event_type=event_type[:64],
        for_user_id=str(filter_.get("user_id") or "")[:32],
        tag=str(data.get("tag") or ""),
        payload=payload,
        includes=includes,
    )


def _include_list(includes: dict, name: str) -> list[dict]:
    value = includes.get(name) or []
    if not isinstance(value, list):
        raise ActivityEventRejected(f"`includes.{name}` is not a list")
    return [item for item in value if isinstance(item, dict)]


def _post_page(event: ActivityEvent) -> WebhookPage:
    post = event.payload
    post_id, author_id = str(post.get("id") or ""), str(post.get("author_id") or "")
    if not post_id.isdigit():
        raise ActivityEventRejected(f"{event.event_type}: the post has no id")
    users = _include_list(event.includes, "users")
    if not author_id or author_id not in {str(u.get("id")) for u in users}:
        raise ActivityEventRejected(f"{event.event_type}: author {author_id or '?'} of post {post_id} not in includes")
    post = {"source_format": "activity_api", **post}
    return WebhookPage(
        data=[post],
        includes={
            "users": users,
            "media": _include_list(event.includes, "media"),
            "tweets": _include_list(event.includes, "tweets"),
        },
    )


def _dm_page(event: ActivityEvent) -> WebhookPage:
    events = event.payload.get("direct_message_events")
    if not isinstance(events, list) or not events:
        raise ActivityEventRejected(f"{event.event_type}: `payload.direct_message_events` is empty")
    users = {str(u.get("id")): u for u in _include_list(event.includes, "users")}
    legacy_users = event.payload.get("users") or {}
    if isinstance(legacy_users, dict):
        users.update({str(k): v1_user_to_v2(v) for k, v in legacy_users.items() if isinstance(v, dict)})
    dms, media = [], {}
    for raw in events:
        if not isinstance(raw, dict):
            raise ActivityEventRejected(f"{event.event_type}: a DM event is not an object")
        if raw.get("type") == "message_create" or "message_create" in raw:
            dm, dm_media = v1_dm_to_v2(raw)
            media.update({m["media_key"]: m for m in dm_media})
        elif raw.get("event_type") == "MessageCreate":
            dm = raw
        else:
            continue  # read receipts, typing indicators: nothing for the desk
        dm = {**dm, "source_format": "activity_api"}
        if not str(dm.get("id") or "").isdigit():
            raise ActivityEventRejected(f"{event.event_type}: a DM event has no id")
        if str(dm.get("sender_id") or "") not in users:
            raise ActivityEventRejected(
                f"{event.event_type}: sender {dm.get('sender_id')} of DM {dm['id']} not in users"
            )
        dms.append(dm)
    for item in _include_list(event.includes, "media"):
        media.setdefault(str(item.get("media_key")), item)
    return WebhookPage(data=dms, includes={"users": list(users.values()), "media": list(media.values())})


def activity_event_pages(event: ActivityEvent) -> tuple[WebhookPage | None, WebhookPage | None]:
    """The (tweets page, DM events page) of one handled event; raises ``ActivityEventRejected``."""
    if event.event_type in POST_EVENTS:
        return _post_page(event), None
    if event.event_type in DM_EVENTS:
        page = _dm_page(event)
        return None, (page if page.data else None)
    return None, None
