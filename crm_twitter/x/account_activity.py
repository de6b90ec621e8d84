"""Account Activity API v1.1 deliveries read into the X API v2 shapes that ingest takes.

Kept apart from the webhook view so both the view and the delivery processor
(``crm_twitter.x.deliveries``) and the X Activity API reader (``crm_twitter.x.activity_events``)
can use it without importing one another.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

MEDIA_KEY_PREFIX = {"photo": "3", "video": "7", "animated_gif": "16"}


@dataclass(frozen=True)
class WebhookPage:
    """The v2-shaped page handed to ingest (same attributes as the gateway's ``Page``)."""

    data: list[dict]
    includes: dict[str, list[dict]] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)

    @property
    def next_token(self) -> None:
        return None


# --- v1.1 → v2 -----------------------------------------------------------------------------------------


def _v1_time(value: str | None) -> str:
    """ "Thu Nov 15 23:31:30 +0000 2018" → "2018-11-15T23:31:30.000Z"."""
    moment = dt.datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y") if value else dt.datetime.now(dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _ms_time(value: Any) -> str:
    moment = dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _id(obj: dict, name: str = "id") -> str:
    value = obj.get(f"{name}_str") or obj.get(name)
    return str(value) if value is not None else ""


def v1_user_to_v2(user: dict) -> dict:
    """A v1.1 user object (tweet ``user`` or the ``users`` map) in the v2 shape; the rest kept."""
    v2 = {
        "id": _id(user),
        "username": user.get("screen_name") or "",
        "name": user.get("name") or "",
        "protected": bool(user.get("protected")),
        "verified": bool(user.get("verified")),
        "location": user.get("location") or "",
        "description": user.get("description") or "",
        "profile_image_url": user.get("profile_image_url_https") or user.get("profile_image_url") or "",
        "public_metrics": {
            "followers_count": int(user.get("followers_count") or 0),
            "following_count": int(user.get("friends_count") or 0),
            "tweet_count": int(user.get("statuses_count") or 0),
            "listed_count": int(user.get("listed_count") or 0),
        },
        "v1": user,
    }
    if user.get("created_at"):
        v2["created_at"] = _v1_time(user["created_at"])
    elif user.get("created_timestamp"):
        v2["created_at"] = _ms_time(user["created_timestamp"])
    return v2


def _v1_media(media: dict) -> dict:
    kind = media.get("type") or "photo"
    large = (media.get("sizes") or {}).get("large") or {}
    return {
        "media_key": f"{MEDIA_KEY_PREFIX.get(kind, '3')}_{_id(media)}",
        "type": kind,
        "url": media.get("media_url_https") or media.get("media_url") or "",
        "preview_image_url": media.get("media_url_https") or "",
        "width": large.get("w"),
        "height": large.get("h"),
        "alt_text": media.get("ext_alt_text") or "",
    }


def v1_tweet_to_v2(tweet: dict) -> tuple[dict, list[dict], list[dict]]:
    """A v1.1 tweet → (v2 tweet, its author in v2 shape, its media in v2 shape)."""
    extended = tweet.get("extended_tweet") or {}
    text = extended.get("full_text") or tweet.get("full_text") or tweet.get("text") or ""
    entities = extended.get("entities") or tweet.get("entities") or {}
    media_list = (extended.get("extended_entities") or tweet.get("extended_entities") or {}).get("media") or []
    refs = []
    if tweet.get("in_reply_to_status_id") or tweet.get("in_reply_to_status_id_str"):
        refs.append({"type": "replied_to", "id": _id(tweet, "in_reply_to_status_id")})
    if isinstance(tweet.get("quoted_status"), dict) or tweet.get("quoted_status_id_str"):
        refs.append({"type": "quoted", "id": tweet.get("quoted_status_id_str") or _id(tweet["quoted_status"])})
    if isinstance(tweet.get("retweeted_status"), dict):
        refs.append({"type": "retweeted", "id": _id(tweet["retweeted_status"])})
    x_id = _id(tweet)
    v2: dict[str, Any] = {
        "id": x_id,
        "text": text,
        "author_id": _id(tweet.get("user") or {}),
        "created_at": _v1_time(tweet.get("created_at")),
        "lang": tweet.get("lang") or "",
        "entities": {
            "mentions": [
                {
                    "start": (m.get("indices") or [0, 0])[0],
                    "end": (m.get("indices") or [0, 0])[1],
                    "username": m.get("screen_name"),
                    "id": _id(m),
                }
                for m in entities.get("user_mentions") or []
            ],
            "hashtags": [{"tag": h.get("text")} for h in entities.get("hashtags") or []],
            "urls": entities.get("urls") or [],
        },
        "public_metrics": {
            "retweet_count": int(tweet.get("retweet_count") or 0),
            "reply_count": int(tweet.get("reply_count") or 0),
            "like_count": int(tweet.get("favorite_count") or 0),
            "quote_count": int(tweet.get("quote_count") or 0),
        },
        "edit_history_tweet_ids": _v1_edit_history(tweet, x_id),
        "source_format": "account_activity_v1",
    }
    note = tweet.get("note_tweet") or {}
    note_text = (note.get("note_tweet_results") or {}).get("result", {}).get("text") or note.get("text")
    if isinstance(note_text, str) and len(note_text) > len(text):
        v2["note_tweet"] = {"text": note_text}
    if not refs:
        v2["conversation_id"] = x_id  # a reply's conversation is resolved from its parent by ingest
    else:
        v2["referenced_tweets"] = refs
    if tweet.get("in_reply_to_user_id_str") or tweet.get("in_reply_to_user_id"):
        v2["in_reply_to_user_id"] = _id(tweet, "in_reply_to_user_id")
    media = [_v1_media(m) for m in media_list if isinstance(m, dict)]
    if media:
        v2["attachments"] = {"media_keys": [m["media_key"] for m in media]}
    author = [v1_user_to_v2(tweet["user"])] if isinstance(tweet.get("user"), dict) else []
    return v2, author, media


def _v1_edit_history(tweet: dict, x_id: str) -> list[str]:
    """v1.1 ``edit_history.edit_tweet_ids`` (original first) → v2 ``edit_history_tweet_ids``."""
    history = tweet.get("edit_history") or {}
    ids = [str(v) for v in history.get("edit_tweet_ids") or [] if str(v).isdigit()]
    initial = str(history.get("initial_tweet_id") or "")
    if initial.isdigit() and initial not in ids:
        ids.insert(0, initial)
    if x_id and x_id not in ids:
        ids.append(x_id)
    return ids or [x_id]


def webhook_deleted_tweet_ids(payload: dict) -> list[str]:
    """Ids of the tweets a delivery's ``tweet_delete_events`` reports deleted."""
    ids = []
    for event in payload.get("tweet_delete_events") or []:
        status = event.get("status") if isinstance(event, dict) else None
        if isinstance(status, dict):
            value = _id(status)
            if value.isdigit():
                ids.append(value)
    return ids


def v1_dm_to_v2(event: dict) -> tuple[dict, list[dict]]:
    """A v1.1 ``message_create`` DM event → (v2 DM event, its media in v2 shape)."""
    create = event.get("message_create") or {}
    sender = str(create.get("sender_id") or "")
    recipient = str((create.get("target") or {}).get("recipient_id") or "")
    data = create.get("message_data") or {}
    low, high = sorted([sender, recipient], key=lambda v: int(v) if v.isdigit() else 0)
    v2: dict[str, Any] = {
        "id": str(event.get("id") or ""),
        "event_type": "MessageCreate",
        "text": data.get("text") or "",
        "sender_id": sender,
        "participant_ids": [sender, recipient],
        "dm_conversation_id": f"{low}-{high}",
        "created_at": _ms_time(event.get("created_timestamp") or 0),
        "source_format": "account_activity_v1",
    }
    media = []
    attachment = data.get("attachment") or {}
    if attachment.get("type") == "media" and isinstance(attachment.get("media"), dict):
        media = [_v1_media(attachment["media"])]
        v2["attachments"] = {"media_keys": [media[0]["media_key"]]}
    return v2, media


def webhook_payload_pages(payload: dict) -> tuple[WebhookPage | None, WebhookPage | None]:
    """The (tweets page, DM events page) of one Account Activity delivery, in v2 shapes."""
    tweets, tweet_users, tweet_media = [], {}, {}
    for event in payload.get("tweet_create_events") or []:
        if not isinstance(event, dict):
            continue
        tweet, authors, media = v1_tweet_to_v2(event)
        tweets.append(tweet)
        tweet_users.update({u["id"]: u for u in authors})
        tweet_media.update({m["media_key"]: m for m in media})
    dms, dm_media = [], {}
    for event in payload.get("direct_message_events") or []:
        if not isinstance(event, dict) or event.get("type") != "message_create":
            continue
        dm, media = v1_dm_to_v2(event)
        dms.append(dm)
        dm_media.update({m["media_key"]: m for m in media})
    dm_users = {str(k): v1_user_to_v2(v) for k, v in (payload.get("users") or {}).items() if isinstance(v, dict)}
    tweet_page = (
        WebhookPage(data=tweets, includes={"users": list(tweet_users.values()), "media": list(tweet_media.values())})
        if tweets
        else None
    )
    dm_page = (
        WebhookPage(data=dms, includes={"users": list(dm_users.values()), "media": list(dm_media.values())})
        if dms
        else None
    )
    return tweet_page, dm_page
