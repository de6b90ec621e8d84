"""Fixtures for the X ingest/sync tests: a brand account and X JSON builders. Ingest runs the
real workflow engine (``crm_twitter.services.case_intake``)."""

from __future__ import annotations

import datetime as dt
from itertools import count

import pytest
from django.utils import timezone

from tests.factories import BrandAccountFactory

BRAND_X_ID = "900000001"
_ids = count(1_900_000_000_000_000_000)


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
