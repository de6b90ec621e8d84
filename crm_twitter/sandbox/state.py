"""In-memory state of the fake X: users, posts, media, DM events, tokens, rate limits, counters.

Objects are stored in X's own JSON shape (every field, as X would hold it); the API layer picks
the fields a request asked for. Keys starting with ``_`` are the sandbox's bookkeeping and never
leave it. Everything is guarded by one lock: the HTTP server is threaded.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from crm_twitter.sandbox import media_files
from crm_twitter.sandbox.faults import Faults

logger = logging.getLogger(__name__)

TWITTER_EPOCH_MS = 1288834974657
RATE_WINDOW_SECONDS = 15 * 60
# A post longer than this (X Premium "long post") comes back with ``text`` cut here and the whole
# post in ``note_tweet`` (requested with tweet.fields=note_tweet), as X does.
LONG_POST_CUT = 280

# DMs a user may send per 15 minutes: X's current rate-limit table says 15 (an older migration page
# still says 200). Tests that send more in one window raise it with ``state.set_rate_limit``.
DM_SEND_LIMIT = 15
DM_SEND = "POST /2/dm_conversations/with/:id/messages"

# (requests per 15 minutes with an app bearer token, with a user context); None = not allowed.
# From X's rate-limit table (docs.x.com, "X API Rate Limits"); 24-hour caps are not modelled.
RATE_LIMITS: dict[str, tuple[int | None, int]] = {
    "GET /2/users/me": (None, 75),
    "GET /2/users": (300, 900),
    "GET /2/users/by": (300, 900),
    "GET /2/users/by/username/:username": (300, 900),
    "GET /2/users/:id": (300, 900),
    "GET /2/users/:id/mentions": (450, 300),
    "GET /2/users/:id/tweets": (10_000, 900),
    "GET /2/tweets": (3500, 5000),
    "GET /2/tweets/:id": (450, 900),
    "GET /2/tweets/search/recent": (450, 300),
    "POST /2/tweets": (None, 100),
    "DELETE /2/tweets/:id": (None, 50),
    "GET /2/dm_events": (None, 15),
    "GET /2/dm_conversations/with/:id/dm_events": (None, 15),
    "GET /2/dm_conversations/:id/dm_events": (None, 15),
    DM_SEND: (None, DM_SEND_LIMIT),
}

# Posts created through the API by self-serve (pay-per-use) apps may carry at most this many
# cashtags; X refuses more with 403 (docs.x.com, manage Posts integration guide).
SELF_SERVE_CASHTAG_LIMIT = 1

# The credentials the sandbox issues. It answers 401 to any other token, as X does to a token it
# never issued: a wrong or stale token must fail in tests, not only in production. They are fixed
# strings (access tokens derive from the user id) so a desk in another process — the demo — can
# hold working credentials without asking the sandbox.
SANDBOX_APP_BEARER_TOKEN = "sandbox-app-bearer-token"
SANDBOX_CONSUMER_KEY = "sandbox-consumer-key"
SANDBOX_ACCESS_TOKEN_SUFFIX = "-sandbox-access-token"

_MENTION = re.compile(r"(?<![\w@＠])[@＠](\w{1,15})")
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
# twitter-text's cashtag: "$" and 1-6 letters (optionally "." or "_" and 1-2 more), after a space or
# at the start, and not followed by a word character ("$5" and "US$" are not cashtags).
_CASHTAG = re.compile(r"(?:(?<=\s)|^)\$([a-z]{1,6}(?:[._][a-z]{1,2})?)(?![^\W_])", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s<>\"]+")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")


def iso(moment: float) -> str:
    """X's timestamp format: ISO 8601, milliseconds, Z."""
    stamp = dt.datetime.fromtimestamp(moment, tz=dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> float:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def guess_lang(text: str) -> str:
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _HAN.search(text):
        return "zh"
    return "en"


def cashtags(text: str) -> list[re.Match[str]]:
    """The cashtags (``$TICKER``) in ``text``, as twitter-text finds them."""
    return list(_CASHTAG.finditer(text))


def sandbox_credentials(user_id: str) -> dict[str, str]:
    """Credentials the sandbox issued for ``user_id``: the app bearer token, the app's consumer key
    and an OAuth 1.0a access token that starts with the user id and a dash, as X's do. Any sandbox
    serving a user with that id accepts them; tokens it never issued get 401."""
    return {
        "bearer_token": SANDBOX_APP_BEARER_TOKEN,
        "consumer_key": SANDBOX_CONSUMER_KEY,
        "consumer_secret": "sandbox-consumer-secret",
        "access_token": f"{user_id}{SANDBOX_ACCESS_TOKEN_SUFFIX}",
        "access_token_secret": "sandbox-access-token-secret",
    }


class SandboxState:
    """Everything the fake X knows. Test helpers at the bottom script customers and brands."""

    def __init__(self, *, base_url: str = "") -> None:
        self.lock = threading.RLock()
        self.base_url = base_url
        self.faults = Faults()
        self.clock_offset = 0.0
        self.users: dict[str, dict] = {}
        self.usernames: dict[str, str] = {}  # lower-case handle → id
        self.suspended: set[str] = set()
        self.no_dms: set[str] = set()
        self.brands: dict[str, dict] = {}  # id → {"handle","x_user_id","role","name"}
        self.tweets: dict[str, dict] = {}
        self.deleted_tweets: dict[str, dict] = {}
        self.media: dict[str, dict] = {}
        self.dm_events: list[dict] = []
        self.posts: list[dict] = []  # tweets created through POST /2/tweets
        self.request_log: list[dict] = []
        self.resources_served: Counter[str] = Counter()
        self.resource_ids_served: dict[str, list[str]] = {}
        self.revoked_tokens: set[str] = set()
        self.app_bearer_tokens: set[str] = {SANDBOX_APP_BEARER_TOKEN}  # issued app-only tokens
        self.consumer_keys: set[str] = {SANDBOX_CONSUMER_KEY}  # issued OAuth 1.0a app keys
        self.access_tokens: dict[str, str] = {}  # further OAuth 1.0a access tokens → user id
        self.user_bearer_tokens: dict[str, str] = {}  # OAuth 2.0 user tokens → user id
        self.rate_limits: dict[str, tuple[int | None, int]] = dict(RATE_LIMITS)
        self.rate_usage: dict[tuple[str, str], list[float]] = {}  # (endpoint, identity) → [reset, used]
        self.reply_rule = True  # Feb 2026: self-serve apps may reply only to posts that engaged them
        self.cashtag_limit: int | None = SELF_SERVE_CASHTAG_LIMIT  # None lifts it (Enterprise)
        self.mentions_window = 800
        self.search_days = 7
        # Seconds before a new post shows in recent search (X's index lags behind its timelines).
        self.search_index_lag = 0.0
        self.dm_days = 30
        # Pagination tokens carry this epoch; bumping it makes every token handed out so far a 400.
        self.token_epoch = 0
        self._last_id = 0
        self._keys = itertools.count(1)
        # Called with ("post" | "dm", the new object) under the lock: the X Activity API hub.
        self.listeners: list[Callable[[str, dict], None]] = []

    def _emit(self, kind: str, obj: dict) -> None:
        for listener in self.listeners:
            try:
                listener(kind, obj)
            except Exception:  # a broken listener must not break the fake X itself
                logger.exception("sandbox listener failed on a new %s", kind)

    # --- clock and ids ----------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self.clock_offset

    def advance(self, seconds: float) -> None:
        """Move the sandbox clock (rate-limit windows, created_at of new objects) forward."""
        with self.lock:
            self.clock_offset += seconds

    def next_id(self, at: float | None = None) -> str:
        """A snowflake-like id: time-based, strictly increasing in creation order."""
        with self.lock:
            moment = self.now() if at is None else at
            candidate = (max(int(moment * 1000) - TWITTER_EPOCH_MS, 0) << 22) | (next(self._keys) % 4096)
            self._last_id = max(candidate, self._last_id + 1)
            return str(self._last_id)

    def expire_pagination_tokens(self) -> None:
        """Every pagination token handed out so far is refused from now on (400 *Invalid Request*,
        as X answers a cursor it no longer accepts); new responses carry new tokens."""
        with self.lock:
            self.token_epoch += 1

    # --- lookups -----------------------------------------------------------------------------

    def user_id(self, user: Any) -> str:
        """Accept a user dict, an id or a handle (with or without @)."""
        if isinstance(user, dict):
            return str(user["id"])
        value = str(user)
        if value in self.users:
            return value
        handle = value.lstrip("@").lower()
        if handle in self.usernames:
            return self.usernames[handle]
        raise KeyError(f"unknown sandbox user {user!r}")

    def tweet_id(self, tweet: Any) -> str:
        return str(tweet["id"]) if isinstance(tweet, dict) else str(tweet)

    def accepts_dms(self, user_id: str) -> bool:
        return user_id not in self.no_dms

    # --- users ----------------------------------------------------------------------------------

    def add_user(
        self,
        handle: str,
        *,
        user_id: str | None = None,
        name: str | None = None,
        followers: int = 0,
        following: int = 0,
        verified: bool = False,
        protected: bool = False,
        suspended: bool = False,
        accepts_dms: bool = True,
        location: str = "",
        description: str = "",
        created_at: str | None = None,
        **extra: Any,
    ) -> dict:
        """Add (or replace) a user; ``extra`` keys are stored as further (unknown) fields."""
        with self.lock:
            uid = str(user_id) if user_id else self.next_id(self.now() - 3 * 365 * 86400)
            handle = handle.lstrip("@")
            user = {
                "id": uid,
                "name": name or handle,
                "username": handle,
                "created_at": created_at or iso(self.now() - 3 * 365 * 86400),
                "description": description,
                "location": location,
                "profile_image_url": f"https://pbs.twimg.com/profile_images/{uid}/avatar_normal.jpg",
                "protected": protected,
                "verified": verified,
                "public_metrics": {
                    "followers_count": followers,
                    "following_count": following,
                    "tweet_count": 0,
                    "listed_count": 0,
                    "like_count": 0,
                },
                **extra,
            }
            self.users[uid] = user
            self.usernames[handle.lower()] = uid
            if suspended:
                self.suspended.add(uid)
            if not accepts_dms:
                self.no_dms.add(uid)
            return user

    def add_brand(
        self,
        handle: str,
        *,
        user_id: str | None = None,
        role: str = "support",
        name: str | None = None,
        followers: int = 25_000,
        **kwargs: Any,
    ) -> dict:
        """A brand account the desk listens on; returns its user object."""
        with self.lock:
            user = self.add_user(handle, user_id=user_id, name=name, followers=followers, verified=True, **kwargs)
            self.brands[user["id"]] = {
                "handle": user["username"],
                "x_user_id": user["id"],
                "role": role,
                "name": user["name"],
            }
            return user

    def credentials(self, user: Any) -> dict[str, str]:
        """The credentials this sandbox issued for ``user`` (a user dict, id or handle)."""
        return sandbox_credentials(self.user_id(user))

    def suspend(self, user: Any) -> None:
        with self.lock:
            self.suspended.add(self.user_id(user))

    def revoke_token(self, token: str) -> None:
        """Any request carrying this bearer/consumer/access token now gets 401."""
        with self.lock:
            self.revoked_tokens.add(token)

    def register_user_token(self, token: str, user: Any) -> None:
        """An OAuth 2.0 user access token (sent as a bearer token) acting as ``user``."""
        with self.lock:
            self.user_bearer_tokens[token] = self.user_id(user)

    def issue_app_token(self, token: str) -> None:
        """Accept ``token`` as a further app-only bearer token (a second X app, a rotated token)."""
        with self.lock:
            self.app_bearer_tokens.add(token)

    def issue_consumer_key(self, key: str) -> None:
        """Accept ``key`` as the consumer key of a further X app (OAuth 1.0a)."""
        with self.lock:
            self.consumer_keys.add(key)

    def issue_access_token(self, token: str, user: Any) -> None:
        """Accept ``token`` as an OAuth 1.0a access token acting as ``user``."""
        with self.lock:
            self.access_tokens[token] = self.user_id(user)

    def access_token_user(self, token: str) -> str | None:
        """The user an OAuth 1.0a access token was issued to, or None if the sandbox never issued
        it (``sandbox_credentials`` for a user it serves, or ``issue_access_token``)."""
        with self.lock:
            if token in self.access_tokens:
                return self.access_tokens[token]
            user_id = token.removesuffix(SANDBOX_ACCESS_TOKEN_SUFFIX)
            if user_id != token and user_id in self.users:
                return user_id
            return None

    def set_rate_limit(self, endpoint: str, limit: int, *, app_limit: int | None = None) -> None:
        """Change one endpoint's limit per 15 minutes (per user; per app token too unless
        ``app_limit`` says otherwise) — for a test about paging or volume rather than the quota."""
        with self.lock:
            self.rate_limits[endpoint] = (app_limit if app_limit is not None else limit, limit)

    # --- media ----------------------------------------------------------------------------------

    def add_media(self, spec: Any = None, *, at: float | None = None) -> dict:
        """A photo/video object. ``spec``: None, an alt text, or a dict of media fields."""
        with self.lock:
            spec = {"alt_text": spec} if isinstance(spec, str) else dict(spec or {})
            kind = spec.pop("type", "photo")
            key = f"{3 if kind == 'photo' else 7}_{self.next_id(at)}"
            media = {
                "media_key": key,
                "type": kind,
                "width": spec.pop("width", 1200),
                "height": spec.pop("height", 900),
            }
            media.update(media_files.media_fields(self.base_url, key, kind, spec.pop("format", None)))
            if spec.get("alt_text"):
                media["alt_text"] = spec.pop("alt_text")
            media.update(spec)
            self.media[key] = media
            return media

    # --- tweets ---------------------------------------------------------------------------------

    def entities(self, text: str) -> dict:
        entities: dict[str, list] = {}
        mentions = []
        for match in _MENTION.finditer(text):
            uid = self.usernames.get(match.group(1).lower())
            if uid is None:
                continue
            mentions.append(
                {"start": match.start(), "end": match.end(), "username": self.users[uid]["username"], "id": uid}
            )
        if mentions:
            entities["mentions"] = mentions
        hashtags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _HASHTAG.finditer(text)]
        if hashtags:
            entities["hashtags"] = hashtags
        tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in cashtags(text)]
        if tags:
            entities["cashtags"] = tags
        urls = []
        for match in _URL.finditer(text):
            url = match.group(0).rstrip(".,;:!?)")
            urls.append(
                {
                    "start": match.start(),
                    "end": match.start() + len(url),
                    "url": url,
                    "expanded_url": url,
                    "display_url": url.split("://", 1)[-1][:30],
                }
            )
        if urls:
            entities["urls"] = urls
        return entities

    def tweet(
        self,
        author: Any,
        text: str,
        *,
        in_reply_to: Any = None,
        quote: Any = None,
        lang: str | None = None,
        media: Any = None,
        missing_media: int = 0,
        created_at: str | float | None = None,
        retweet_of: Any = None,
        **extra: Any,
    ) -> dict:
        """A post by ``author`` in X's full shape (conversation, reply links, entities, media).

        ``media``: a list of alt texts / media-field dicts, or a number of photos.
        ``missing_media``: attachment keys with no media object behind them (X does that).
        """
        with self.lock:
            uid = self.user_id(author)
            at = parse_iso(created_at) if isinstance(created_at, str) else (created_at or self.now())
            tid = self.next_id(at)
            tweet: dict[str, Any] = {
                "id": tid,
                "text": text,
                "author_id": uid,
                "conversation_id": tid,
                "created_at": iso(at),
                "edit_history_tweet_ids": [tid],
                "lang": lang or guess_lang(text),
                "public_metrics": {
                    "retweet_count": 0,
                    "reply_count": 0,
                    "like_count": 0,
                    "quote_count": 0,
                    "bookmark_count": 0,
                    "impression_count": 0,
                },
                "possibly_sensitive": False,
                "reply_settings": "everyone",
            }
            entities = self.entities(text)
            if len(text) > LONG_POST_CUT:
                tweet["text"] = text[:LONG_POST_CUT]
                tweet["note_tweet"] = {"text": text}
                if entities:
                    tweet["note_tweet"]["entities"] = entities
                entities = self.entities(tweet["text"])
            if entities:
                tweet["entities"] = entities
            referenced = []
            if in_reply_to is not None:
                parent_id = self.tweet_id(in_reply_to)
                parent = self.tweets.get(parent_id) or self.deleted_tweets.get(parent_id)
                if parent is None:
                    raise KeyError(f"unknown sandbox tweet {parent_id}")
                tweet["conversation_id"] = parent["conversation_id"]
                tweet["in_reply_to_user_id"] = parent["author_id"]
                referenced.append({"type": "replied_to", "id": parent_id})
                if parent_id in self.tweets:
                    parent["public_metrics"]["reply_count"] += 1
            elif entities.get("mentions") and entities["mentions"][0]["start"] == 0 and retweet_of is None:
                # A post opening with @handle is, for X, addressed to that user.
                tweet["in_reply_to_user_id"] = entities["mentions"][0]["id"]
            if quote is not None:
                quoted_id = self.tweet_id(quote)
                referenced.append({"type": "quoted", "id": quoted_id})
                if quoted_id in self.tweets:
                    self.tweets[quoted_id]["public_metrics"]["quote_count"] += 1
            if retweet_of is not None:
                original_id = self.tweet_id(retweet_of)
                referenced.append({"type": "retweeted", "id": original_id})
                if original_id in self.tweets:
                    self.tweets[original_id]["public_metrics"]["retweet_count"] += 1
            if referenced:
                tweet["referenced_tweets"] = referenced
            keys = []
            if isinstance(media, int):
                media = [None] * media
            for spec in media or []:
                keys.append(self.add_media(spec, at=at)["media_key"])
            for _ in range(missing_media):
                keys.append(f"3_{self.next_id(at)}")
            if keys:
                tweet["attachments"] = {"media_keys": keys}
            tweet.update(extra)
            self.tweets[tid] = tweet
            self.users[uid]["public_metrics"]["tweet_count"] += 1
            self._emit("post", tweet)
            return tweet

    def customer_tweet(
        self, user: Any, text: str, in_reply_to: Any = None, lang: str | None = None, media: Any = None, **kwargs: Any
    ) -> dict:
        """A customer (or anyone) posting; mention the brand in ``text`` for it to reach mentions."""
        return self.tweet(user, text, in_reply_to=in_reply_to, lang=lang, media=media, **kwargs)

    def brand_reply(self, brand: Any, in_reply_to: Any, text: str, **kwargs: Any) -> dict:
        """A reply the brand sent from X itself (not through the desk)."""
        return self.tweet(brand, text, in_reply_to=in_reply_to, **kwargs)

    def retweet(self, user: Any, tweet: Any, **kwargs: Any) -> dict:
        original = self.tweets[self.tweet_id(tweet)]
        handle = self.users[original["author_id"]]["username"]
        return self.tweet(
            user, f"RT @{handle}: {original['text']}", retweet_of=original, lang=original.get("lang"), **kwargs
        )

    def delete_tweet(self, tweet: Any) -> bool:
        """Delete a post; deleting any version of an edited post deletes the whole edit chain."""
        with self.lock:
            tid = self.tweet_id(tweet)
            found = self.tweets.get(tid)
            if found is None:
                return False
            for version in found.get("edit_history_tweet_ids") or [tid]:
                gone = self.tweets.pop(str(version), None)
                if gone is not None:
                    self.deleted_tweets[str(version)] = gone
            return True

    def edit_tweet(self, tweet: Any, text: str, **extra: Any) -> dict:
        """Edit a post as X does: a NEW post id whose ``edit_history_tweet_ids`` chains every version
        (oldest first). Timelines and search then show only the latest version; a lookup by an
        old id still returns that version, with the whole chain."""
        with self.lock:
            original = self.tweets[self.tweet_id(tweet)]
            refs = {r["type"]: r["id"] for r in original.get("referenced_tweets", [])}
            new = self.tweet(
                original["author_id"],
                text,
                in_reply_to=refs.get("replied_to"),
                quote=refs.get("quoted"),
                lang=extra.pop("lang", None),
                **extra,
            )
            new["conversation_id"] = original["conversation_id"]
            chain = [*original.get("edit_history_tweet_ids", [original["id"]]), new["id"]]
            for version in chain:
                if version in self.tweets:
                    self.tweets[version]["edit_history_tweet_ids"] = list(chain)
                    if version != new["id"]:
                        self.tweets[version]["_superseded_by"] = new["id"]
            return new

    def group_dm(self, sender: Any, participants: Iterable[Any], text: str, *, conversation_id: str = "") -> dict:
        """A message in a group DM conversation (X gives groups a single numeric conversation id)."""
        with self.lock:
            sender_id = self.user_id(sender)
            people = tuple(dict.fromkeys([sender_id, *(self.user_id(p) for p in participants)]))
            at = self.now()
            eid = self.next_id(at)
            event = {
                "id": eid,
                "event_type": "MessageCreate",
                "text": text,
                "sender_id": sender_id,
                "dm_conversation_id": conversation_id or self.next_id(at),
                "created_at": iso(at),
                "_participants": people,
                "_at": at,
            }
            self.dm_events.append(event)
            return event

    def dm_participants_event(self, kind: str, user: Any, other: Any, *, conversation_id: str = "") -> dict:
        """A non-message DM event (``ParticipantsJoin`` / ``ParticipantsLeave``)."""
        with self.lock:
            uid, oid = self.user_id(user), self.user_id(other)
            at = self.now()
            event = {
                "id": self.next_id(at),
                "event_type": kind,
                "dm_conversation_id": conversation_id or self.dm_conversation_id(uid, oid),
                "participant_ids": [uid],
                "created_at": iso(at),
                "_participants": (uid, oid),
                "_at": at,
            }
            self.dm_events.append(event)
            return event

    def mentions_of(self, user_id: str) -> list[dict]:
        """Posts mentioning ``user_id``, newest first."""
        found = [
            t
            for t in self.tweets.values()
            if t["author_id"] != user_id
            and "_superseded_by" not in t
            and any(m.get("id") == user_id for m in t.get("entities", {}).get("mentions", []))
        ]
        return sorted(found, key=lambda t: int(t["id"]), reverse=True)

    def conversation_of(self, conversation_id: str) -> list[dict]:
        return sorted(
            (t for t in self.tweets.values() if t["conversation_id"] == str(conversation_id)),
            key=lambda t: int(t["id"]),
        )

    # --- direct messages ---------------------------------------------------------------------

    @staticmethod
    def dm_conversation_id(a: str, b: str) -> str:
        low, high = sorted((str(a), str(b)), key=int)
        return f"{low}-{high}"

    def dm(
        self,
        sender: Any,
        recipient: Any,
        text: str,
        *,
        media: Any = None,
        created_at: str | float | None = None,
        quote: Any = None,
    ) -> dict:
        """A one-to-one DM event (MessageCreate) in X's shape."""
        with self.lock:
            sender_id, recipient_id = self.user_id(sender), self.user_id(recipient)
            at = parse_iso(created_at) if isinstance(created_at, str) else (created_at or self.now())
            eid = self.next_id(at)
            event: dict[str, Any] = {
                "id": eid,
                "event_type": "MessageCreate",
                "text": text,
                "sender_id": sender_id,
                "dm_conversation_id": self.dm_conversation_id(sender_id, recipient_id),
                "created_at": iso(at),
                "_participants": (sender_id, recipient_id),
                "_at": at,
            }
            if isinstance(media, int):
                media = [None] * media
            keys = [self.add_media(spec, at=at)["media_key"] for spec in media or []]
            if keys:
                event["attachments"] = {"media_keys": keys}
                media_files.dm_media_move(self, eid, keys)  # DM media: ton.twitter.com, behind OAuth
            if quote is not None:
                event["referenced_tweets"] = [{"id": self.tweet_id(quote)}]
            self.dm_events.append(event)
            self._emit("dm", event)
            return event

    def customer_dm(self, user: Any, brand_user_id: Any, text: str, **kwargs: Any) -> dict:
        return self.dm(user, brand_user_id, text, **kwargs)

    def brand_dm(self, brand: Any, user: Any, text: str, **kwargs: Any) -> dict:
        return self.dm(brand, user, text, **kwargs)

    def dm_events_of(self, user_id: str, *, with_user: str | None = None, conversation_id: str | None = None) -> list:
        since = self.now() - self.dm_days * 86400
        found = [
            e
            for e in self.dm_events
            if user_id in e["_participants"]
            and e["_at"] >= since
            and (with_user is None or with_user in e["_participants"])
            and (conversation_id is None or e["dm_conversation_id"] == conversation_id)
        ]
        return sorted(found, key=lambda e: int(e["id"]), reverse=True)

    # --- rate limits and counters ----------------------------------------------------------------

    def rate_check(self, endpoint: str, identity: str, *, user_context: bool) -> tuple[int, int, int, bool]:
        """Consume one request: (limit, remaining, reset epoch, allowed)."""
        with self.lock:
            app_limit, user_limit = self.rate_limits.get(endpoint, (900, 900))
            limit = (user_limit if user_context else app_limit) or user_limit
            now = self.now()
            usage = self.rate_usage.get((endpoint, identity))
            if usage is None or usage[0] <= now:
                usage = [now + RATE_WINDOW_SECONDS, 0]
                self.rate_usage[(endpoint, identity)] = usage
            allowed = usage[1] < limit
            if allowed:
                usage[1] += 1
            return limit, max(limit - int(usage[1]), 0), int(usage[0]), allowed

    def count_served(self, kind: str, ids: Iterable[str]) -> None:
        with self.lock:
            ids = list(ids)
            self.resources_served[kind] += len(ids)
            self.resource_ids_served.setdefault(kind, []).extend(ids)

    def log_request(self, entry: dict) -> None:
        with self.lock:
            self.request_log.append(entry)
            if len(self.request_log) > 20_000:
                del self.request_log[:10_000]

    def requests_to(self, endpoint: str) -> list[dict]:
        """Logged requests whose endpoint name is ``endpoint`` (e.g. "GET /2/users/:id/mentions")."""
        return [entry for entry in self.request_log if entry["endpoint"] == endpoint]

    def summary(self) -> dict:
        with self.lock:
            return {
                "brands": list(self.brands.values()),
                "users": len(self.users),
                "tweets": len(self.tweets),
                "deleted_tweets": len(self.deleted_tweets),
                "dm_events": len(self.dm_events),
                "posts": len(self.posts),
                "requests": len(self.request_log),
                "resources_served": dict(self.resources_served),
                "faults": self.faults.pending(),
                "clock": iso(self.now()),
            }
