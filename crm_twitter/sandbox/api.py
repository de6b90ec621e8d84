"""The fake X API v2: routes, authentication, rate limits, fields/expansions, X's error shapes.

Transport-free: ``SandboxAPI.handle`` takes a parsed request and returns a ``Reply``; the HTTP
server (``server.py``) adds faults and the socket. Shapes follow X's published OpenAPI
specification (2.167) and documentation, and the recorded responses in tweepy's cassettes:
``data``/``includes``/``meta``/``errors``, ids as strings, ``created_at`` like
``2026-02-01T10:00:00.000Z``. Errors are problem documents (RFC 7807) served as
``application/problem+json`` with ``type`` addresses on ``https://api.x.com/2/problems/``, as X
documents them now (answers recorded in 2022–24 still show ``api.twitter.com``; the gateway accepts
both). ``tests/sandbox/test_contract.py`` holds every answer to the spec's shapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from twitter_text import extract_urls, parse_tweet

from crm_twitter.sandbox.replies import Reply
from crm_twitter.sandbox.state import SandboxState, cashtags, parse_iso

PROBLEMS = "https://api.x.com/2/problems/"
JSON = "application/json; charset=utf-8"
# X's spec: a failed request answers either {code, message} as application/json or a problem
# document (type, title, detail) as application/problem+json; v2 answers the latter.
PROBLEM_JSON = "application/problem+json"
MAX_TWEET_WEIGHT = 280
MAX_DM_LENGTH = 10_000


@dataclass(frozen=True)
class Auth:
    identity: str  # rate-limit bucket: "app:<token>" or "user:<id>"
    user_id: str | None  # None for app-only bearer tokens

    @property
    def user_context(self) -> bool:
        return self.user_id is not None


@dataclass(frozen=True)
class Route:
    method: str
    endpoint: str
    params: dict[str, str]
    handler: Callable[..., Reply]


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> Reply:
    """A problem document (RFC 7807) as X sends it, labelled ``application/problem+json``."""
    return Reply(
        status,
        {"title": title, "detail": detail, "type": kind, "status": status},
        {"content-type": PROBLEM_JSON},
    )


def unauthorized() -> Reply:
    return problem(401, "Unauthorized", "Unauthorized")


def too_many_requests() -> Reply:
    return problem(429, "Too Many Requests", "Too Many Requests")


def server_error(status: int) -> Reply:
    titles = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
    title = titles.get(status, "Server Error")
    return problem(status, title, title)


def invalid(parameter: str, value: Any, message: str) -> Reply:
    return Reply(
        400,
        {
            "errors": [{"parameters": {parameter: [str(value)]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": PROBLEMS + "invalid-request",
        },
        {"content-type": PROBLEM_JSON},
    )


def unsupported_auth() -> Reply:
    """An app-only token on a user-context endpoint. X's docs name no problem type for it (the
    spec's problem types and the docs' error-type table have none; older answers used an
    ``unsupported-authentication`` type that is no longer listed): a 403 ("valid authentication,
    no permission for this action") with the generic ``about:blank`` type, X's wording kept in
    ``detail``."""
    return problem(
        403,
        "Forbidden",
        "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported "
        "authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
    )


def not_found_error(resource_type: str, resource_id: str, parameter: str) -> dict:
    return {
        "value": resource_id,
        "detail": f"Could not find {resource_type} with {parameter}: [{resource_id}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": resource_id,
        "type": PROBLEMS + "resource-not-found",
    }


def suspended_error(user_id: str, parameter: str) -> dict:
    return {
        "value": user_id,
        "detail": f"User has been suspended: [{user_id}].",
        "title": "Forbidden",
        "resource_type": "user",
        "parameter": parameter,
        "resource_id": user_id,
        "type": PROBLEMS + "resource-not-found",
    }


def _token_prefix(epoch: int) -> str:
    return "7140dibd" if epoch == 0 else f"7140e{epoch}d"


def encode_token(item_id: str, epoch: int = 0) -> str:
    """An opaque cursor like X's (lower-case base 36), pointing just past ``item_id``.

    It names a position, not an offset, so it stays valid across runs while newer items arrive
    (as a stored X token does) — until ``SandboxState.expire_pagination_tokens`` moves ``epoch``.
    """
    value, digits = int(item_id), "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while value:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    return _token_prefix(epoch) + (out or "0")


def decode_token(token: str, epoch: int = 0) -> int | None:
    """The id a token points past, or None for a garbage token or one of an earlier epoch."""
    prefix = _token_prefix(epoch)
    if not token.startswith(prefix):
        return None
    try:
        return int(token[len(prefix) :], 36)
    except ValueError:
        return None


def _csv(query: dict[str, str], name: str) -> list[str]:
    return [part for part in (query.get(name) or "").split(",") if part]


def _oauth_params(header: str) -> dict[str, str]:
    return {key: unquote(value) for key, value in re.findall(r'(\w+)="([^"]*)"', header)}


class SandboxAPI:
    """Routes and handlers over one ``SandboxState``."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.routes: list[tuple[str, re.Pattern[str], str, Callable[..., Reply]]] = [
            ("GET", re.compile(r"^/2/users/me$"), "GET /2/users/me", self.users_me),
            ("GET", re.compile(r"^/2/users$"), "GET /2/users", self.users_lookup),
            ("GET", re.compile(r"^/2/users/by$"), "GET /2/users/by", self.users_by_usernames),
            (
                "GET",
                re.compile(r"^/2/users/by/username/(?P<username>\w+)$"),
                "GET /2/users/by/username/:username",
                self.user_by_username,
            ),
            ("GET", re.compile(r"^/2/users/(?P<id>\d+)$"), "GET /2/users/:id", self.user_by_id),
            ("GET", re.compile(r"^/2/users/(?P<id>\d+)/mentions$"), "GET /2/users/:id/mentions", self.mentions),
            ("GET", re.compile(r"^/2/users/(?P<id>\d+)/tweets$"), "GET /2/users/:id/tweets", self.user_tweets),
            ("GET", re.compile(r"^/2/tweets$"), "GET /2/tweets", self.tweets_lookup),
            ("GET", re.compile(r"^/2/tweets/search/recent$"), "GET /2/tweets/search/recent", self.search_recent),
            ("GET", re.compile(r"^/2/tweets/(?P<id>\d+)$"), "GET /2/tweets/:id", self.tweet_by_id),
            ("POST", re.compile(r"^/2/tweets$"), "POST /2/tweets", self.tweet_create),
            ("DELETE", re.compile(r"^/2/tweets/(?P<id>\d+)$"), "DELETE /2/tweets/:id", self.tweet_delete),
            ("GET", re.compile(r"^/2/dm_events$"), "GET /2/dm_events", self.dm_events),
            (
                "GET",
                re.compile(r"^/2/dm_conversations/with/(?P<id>\d+)/dm_events$"),
                "GET /2/dm_conversations/with/:id/dm_events",
                self.dm_events_with,
            ),
            (
                "GET",
                re.compile(r"^/2/dm_conversations/(?P<id>\d+-\d+|\d+)/dm_events$"),
                "GET /2/dm_conversations/:id/dm_events",
                self.dm_events_in,
            ),
            (
                "POST",
                re.compile(r"^/2/dm_conversations/with/(?P<id>\d+)/messages$"),
                "POST /2/dm_conversations/with/:id/messages",
                self.dm_create,
            ),
        ]

    # --- plumbing ---------------------------------------------------------------------------------

    def resolve(self, method: str, path: str) -> Route | None:
        for route_method, pattern, endpoint, handler in self.routes:
            match = pattern.match(path)
            if match and route_method == method:
                return Route(method, endpoint, match.groupdict(), handler)
        return None

    def authenticate(self, headers: Any) -> Auth | None:
        """Who is calling: an app bearer token, an OAuth 2.0 user token, or OAuth 1.0a user context.

        Only tokens the sandbox issued count (see ``sandbox_credentials`` and the ``issue_*`` and
        ``register_user_token`` helpers of the state); anything else — a typo, another app's
        token, a revoked one — is None, which the server answers with 401 as X does.
        """
        header = (headers.get("Authorization") or "").strip()
        state = self.state
        if header.startswith("Bearer "):
            token = header[7:].strip()
            if not token or token in state.revoked_tokens:
                return None
            user_id = state.user_bearer_tokens.get(token)
            if user_id:
                return Auth(identity=f"user:{user_id}", user_id=user_id)
            if token in state.app_bearer_tokens:
                return Auth(identity="app:" + token[-12:], user_id=None)
            return None
        if header.startswith("OAuth "):
            params = _oauth_params(header)
            needed = ("oauth_consumer_key", "oauth_token", "oauth_signature", "oauth_nonce", "oauth_timestamp")
            if not all(params.get(name) for name in needed):
                return None
            consumer_key, token = params["oauth_consumer_key"], params["oauth_token"]
            if consumer_key in state.revoked_tokens or token in state.revoked_tokens:
                return None
            if consumer_key not in state.consumer_keys:
                return None
            user_id = state.access_token_user(token)
            if user_id is None:
                return None
            return Auth(identity=f"user:{user_id}", user_id=user_id)
        return None

    def handle(self, route: Route, auth: Auth, query: dict[str, str], body: bytes) -> Reply:
        """Rate-limit, then run the handler; every answer carries the rate-limit headers."""
        state = self.state
        limit, remaining, reset, allowed = state.rate_check(
            route.endpoint, auth.identity, user_context=auth.user_context
        )
        headers = {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(reset),
        }
        if auth.user_context:
            headers["x-access-level"] = "read-write-directmessages"
        if not allowed:
            reply = too_many_requests()
        else:
            with state.lock:
                if auth.user_id and auth.user_id in state.suspended:
                    reply = problem(
                        403, "Forbidden", "Your account is suspended and is not permitted to access this feature."
                    )
                else:
                    reply = route.handler(auth=auth, query=query, body=body, **route.params)
        reply.headers.update(headers)
        return reply

    # --- rendering --------------------------------------------------------------------------------

    @staticmethod
    def _pick(obj: dict, defaults: tuple[str, ...], fields: list[str]) -> dict:
        out = {name: obj[name] for name in defaults if name in obj}
        for name in fields:
            if name in obj and not name.startswith("_"):
                out[name] = obj[name]
        return out

    def render_user(self, user: dict, query: dict[str, str]) -> dict:
        return self._pick(user, ("id", "name", "username"), _csv(query, "user.fields"))

    def render_tweet(self, tweet: dict, query: dict[str, str]) -> dict:
        return self._pick(tweet, ("id", "text", "edit_history_tweet_ids"), _csv(query, "tweet.fields"))

    def render_media(self, media: dict, query: dict[str, str]) -> dict:
        return self._pick(media, ("media_key", "type"), _csv(query, "media.fields"))

    def render_dm(self, event: dict, query: dict[str, str]) -> dict:
        return self._pick(event, ("id", "event_type", "text"), _csv(query, "dm_event.fields"))

    def _users_include(self, user_ids: list[tuple[str, str]], query: dict[str, str]) -> tuple[list, list]:
        users, errors, seen = [], [], set()
        for user_id, parameter in user_ids:
            if user_id in seen:
                continue
            seen.add(user_id)
            if user_id in self.state.suspended:
                errors.append(suspended_error(user_id, parameter))
            elif user_id in self.state.users:
                users.append(self.render_user(self.state.users[user_id], query))
            else:
                errors.append(not_found_error("user", user_id, parameter))
        return users, errors

    def _media_include(self, keys: list[str], query: dict[str, str]) -> list[dict]:
        # A media key with no media object behind it is silently absent, as on X.
        found = dict.fromkeys(keys)
        return [self.render_media(self.state.media[k], query) for k in found if k in self.state.media]

    def tweets_body(
        self, tweets: list[dict], query: dict[str, str], *, errors: list | None = None, meta: dict | None = None
    ) -> dict:
        """``data`` + ``includes`` (as the expansions asked) + ``errors`` + ``meta``."""
        expansions = set(_csv(query, "expansions"))
        user_refs: list[tuple[str, str]] = []
        media_keys: list[str] = []
        included_tweets: list[dict] = []
        errors = list(errors or [])
        seen_refs: set[str] = set()
        for tweet in tweets:
            if "author_id" in expansions:
                user_refs.append((tweet["author_id"], "author_id"))
            if "in_reply_to_user_id" in expansions and tweet.get("in_reply_to_user_id"):
                user_refs.append((tweet["in_reply_to_user_id"], "in_reply_to_user_id"))
            if "entities.mentions.username" in expansions:
                for mention in tweet.get("entities", {}).get("mentions", []):
                    if mention.get("id"):
                        user_refs.append((mention["id"], "entities.mentions.username"))
            if "attachments.media_keys" in expansions:
                media_keys.extend(tweet.get("attachments", {}).get("media_keys", []))
            if "referenced_tweets.id" in expansions:
                for ref in tweet.get("referenced_tweets", []):
                    if ref["id"] in seen_refs:
                        continue
                    seen_refs.add(ref["id"])
                    referenced = self.state.tweets.get(ref["id"])
                    if referenced is None:
                        errors.append(not_found_error("tweet", ref["id"], "referenced_tweets.id"))
                        continue
                    included_tweets.append(self.render_tweet(referenced, query))
                    if "referenced_tweets.id.author_id" in expansions:
                        user_refs.append((referenced["author_id"], "referenced_tweets.id.author_id"))
        users, user_errors = self._users_include(user_refs, query)
        errors.extend(user_errors)
        body: dict[str, Any] = {}
        if tweets:
            body["data"] = [self.render_tweet(t, query) for t in tweets]
        includes: dict[str, list] = {}
        if users:
            includes["users"] = users
        media = self._media_include(media_keys, query)
        if media:
            includes["media"] = media
        if included_tweets:
            includes["tweets"] = included_tweets
        if includes:
            body["includes"] = includes
        if errors:
            body["errors"] = errors
        if meta is not None:
            body["meta"] = meta
        return body

    def _count_tweets(self, tweets: list[dict], auth: Auth, *, owned: bool | None = None) -> None:
        if owned is not None:
            self.state.count_served("owned_read" if owned else "post_read", [t["id"] for t in tweets])
            return
        mine = [t["id"] for t in tweets if self._is_owned(t["author_id"], auth)]
        other = [t["id"] for t in tweets if not self._is_owned(t["author_id"], auth)]
        if mine:
            self.state.count_served("owned_read", mine)
        if other:
            self.state.count_served("post_read", other)

    def _is_owned(self, author_id: str, auth: Auth) -> bool:
        if auth.user_id:
            return author_id == auth.user_id
        return author_id in self.state.brands

    # --- pagination -------------------------------------------------------------------------------

    def _paginate(
        self,
        items: list[dict],
        query: dict[str, str],
        *,
        lowest: int,
        highest: int,
        default: int,
        cursor_param: str = "pagination_token",
        ids_meta: bool = True,
    ) -> tuple[list, dict] | Reply:
        raw = query.get("max_results")
        try:
            size = int(raw) if raw is not None else default
        except ValueError:
            return invalid("max_results", raw, f"The `max_results` query parameter value [{raw}] is not valid")
        if not lowest <= size <= highest:
            return invalid(
                "max_results",
                raw,
                f"The `max_results` query parameter value [{raw}] is not between {lowest} and {highest}",
            )
        for name in ("since_id", "until_id"):
            value = query.get(name)
            if value is not None and not value.isdigit():
                return invalid(name, value, f"The `{name}` query parameter value [{value}] is not valid")
        if query.get("since_id"):
            items = [i for i in items if int(i["id"]) > int(query["since_id"])]
        if query.get("until_id"):
            items = [i for i in items if int(i["id"]) < int(query["until_id"])]
        if query.get("start_time"):
            start = parse_iso(query["start_time"])
            items = [i for i in items if parse_iso(i["created_at"]) >= start]
        if query.get("end_time"):
            end = parse_iso(query["end_time"])
            items = [i for i in items if parse_iso(i["created_at"]) <= end]
        token = query.get(cursor_param)
        if token:
            below = decode_token(token, self.state.token_epoch)
            if below is None:
                return invalid(
                    cursor_param, token, f"The `{cursor_param}` query parameter value [{token}] is not valid"
                )
            items = [i for i in items if int(i["id"]) < below]
        page = items[:size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page and ids_meta:
            meta["newest_id"] = page[0]["id"]
            meta["oldest_id"] = page[-1]["id"]
        if len(items) > size:
            meta["next_token"] = encode_token(page[-1]["id"], self.state.token_epoch)
        if token and not ids_meta and page:
            meta["previous_token"] = encode_token(str(int(page[0]["id"]) + 1), self.state.token_epoch)
        return page, meta

    # --- users --------------------------------------------------------------------------------------

    def users_me(self, *, auth: Auth, query: dict, body: bytes) -> Reply:
        if not auth.user_context:
            return unsupported_auth()
        user = self.state.users[auth.user_id]
        self.state.count_served("user_read", [user["id"]])
        return Reply(200, {"data": self.render_user(user, query)})

    def _users_list(self, ids_or_names: list[str], query: dict, *, by: str) -> Reply:
        if not ids_or_names:
            return invalid(by, "", f"The `{by}` query parameter can not be empty")
        if len(ids_or_names) > 100:
            return invalid(
                by,
                ",".join(ids_or_names),
                f"The number of values in the `{by}` query parameter "
                f"list [{len(ids_or_names)}] is not between 1 and 100",
            )
        data, errors = [], []
        for value in ids_or_names:
            uid = value if by == "ids" else self.state.usernames.get(value.lower())
            if uid in self.state.suspended:
                errors.append(suspended_error(uid, by))
            elif uid is None or uid not in self.state.users:
                kind = "ids" if by == "ids" else "usernames"
                errors.append(not_found_error("user", value, kind))
            else:
                data.append(self.render_user(self.state.users[uid], query))
        self.state.count_served("user_read", [u["id"] for u in data])
        body: dict[str, Any] = {}
        if data:
            body["data"] = data
        if errors:
            body["errors"] = errors
        return Reply(200, body)

    def users_lookup(self, *, auth: Auth, query: dict, body: bytes) -> Reply:
        return self._users_list(_csv(query, "ids"), query, by="ids")

    def users_by_usernames(self, *, auth: Auth, query: dict, body: bytes) -> Reply:
        return self._users_list(_csv(query, "usernames"), query, by="usernames")

    def _user_single(self, uid: str | None, value: str, parameter: str, query: dict) -> Reply:
        if uid in self.state.suspended:
            return Reply(200, {"errors": [suspended_error(uid, parameter)]})
        if uid is None or uid not in self.state.users:
            return Reply(200, {"errors": [not_found_error("user", value, parameter)]})
        self.state.count_served("user_read", [uid])
        return Reply(200, {"data": self.render_user(self.state.users[uid], query)})

    def user_by_username(self, *, auth: Auth, query: dict, body: bytes, username: str) -> Reply:
        return self._user_single(self.state.usernames.get(username.lower()), username, "username", query)

    def user_by_id(self, *, auth: Auth, query: dict, body: bytes, id: str) -> Reply:
        return self._user_single(id, id, "id", query)

    # --- timelines --------------------------------------------------------------------------------

    def mentions(self, *, auth: Auth, query: dict, body: bytes, id: str) -> Reply:
        if id not in self.state.users:
            return Reply(200, {"errors": [not_found_error("user", id, "id")]})
        items = self.state.mentions_of(id)[: self.state.mentions_window]
        result = self._paginate(items, query, lowest=5, highest=100, default=10)
        if isinstance(result, Reply):
            return result
        page, meta = result
        self._count_tweets(page, auth, owned=True)
        return Reply(200, self.tweets_body(page, query, meta=meta))

    def user_tweets(self, *, auth: Auth, query: dict, body: bytes, id: str) -> Reply:
        if id not in self.state.users:
            return Reply(200, {"errors": [not_found_error("user", id, "id")]})
        exclude = set(_csv(query, "exclude"))
        items = []
        for tweet in self.state.tweets.values():
            if tweet["author_id"] != id or "_superseded_by" in tweet:
                continue
            kinds = {ref["type"] for ref in tweet.get("referenced_tweets", [])}
            if ("retweets" in exclude and "retweeted" in kinds) or ("replies" in exclude and "replied_to" in kinds):
                continue
            items.append(tweet)
        items.sort(key=lambda t: int(t["id"]), reverse=True)
        result = self._paginate(items[:3200], query, lowest=5, highest=100, default=10)
        if isinstance(result, Reply):
            return result
        page, meta = result
        self._count_tweets(page, auth, owned=self._is_owned(id, auth))
        return Reply(200, self.tweets_body(page, query, meta=meta))

    # --- tweet lookup and search --------------------------------------------------------------------

    def tweets_lookup(self, *, auth: Auth, query: dict, body: bytes) -> Reply:
        ids = _csv(query, "ids")
        if not ids:
            return invalid("ids", "", "The `ids` query parameter can not be empty")
        if len(ids) > 100:
            return invalid(
                "ids",
                ",".join(ids),
                f"The number of values in the `ids` query parameter list [{len(ids)}] is not between 1 and 100",
            )
        found, errors = [], []
        for tid in ids:
            tweet = self.state.tweets.get(tid)
            if tweet is None:
                errors.append(not_found_error("tweet", tid, "ids"))
            else:
                found.append(tweet)
        self._count_tweets(found, auth)
        return Reply(200, self.tweets_body(found, query, errors=errors))

    def tweet_by_id(self, *, auth: Auth, query: dict, body: bytes, id: str) -> Reply:
        tweet = self.state.tweets.get(id)
        if tweet is None:
            return Reply(200, {"errors": [not_found_error("tweet", id, "id")]})
        self._count_tweets([tweet], auth)
        body_out = self.tweets_body([tweet], query)
        body_out["data"] = body_out["data"][0]
        return Reply(200, body_out)

    def search_recent(self, *, auth: Auth, query: dict, body: bytes) -> Reply:
        text = query.get("query", "")
        if not text.strip():
            return invalid("query", text, "The `query` query parameter can not be empty")
        predicates = self._search_predicates(text)
        if isinstance(predicates, Reply):
            return predicates
        now = self.state.now()
        since = now - self.state.search_days * 86400
        lag = self.state.search_index_lag  # X's search sees a new post only after a while
        items = [
            t
            for t in self.state.tweets.values()
            if since <= parse_iso(t["created_at"])
            and not (lag and parse_iso(t["created_at"]) > now - lag)
            and "_superseded_by" not in t
            and all(p(t) for p in predicates)
        ]
        items.sort(key=lambda t: int(t["id"]), reverse=True)
        result = self._paginate(items, query, lowest=10, highest=100, default=10, cursor_param="next_token")
        if isinstance(result, Reply):
            return result
        page, meta = result
        self._count_tweets(page, auth)
        return Reply(200, self.tweets_body(page, query, meta=meta))

    def _search_predicates(self, text: str) -> list[Callable[[dict], bool]] | Reply:
        predicates: list[Callable[[dict], bool]] = []
        for raw in re.findall(r'-?"[^"]*"|\S+', text):
            negate = raw.startswith("-")
            term = raw[1:] if negate else raw
            key, _, value = term.partition(":")
            if term.upper() == "OR":
                return invalid("query", text, "The sandbox supports AND queries only (no OR)")
            if value and key == "conversation_id":
                check = (lambda v: lambda t: t["conversation_id"] == v)(value)
            elif value and key == "from":
                # X takes a username or a numeric user id (stable across renames) after from:.
                check = (
                    lambda v: (
                        lambda t: (
                            t["author_id"] == v
                            or self.state.users.get(t["author_id"], {}).get("username", "").lower() == v
                        )
                    )
                )(value.lstrip("@").lower())
            elif value and key == "to":
                uid = self.state.usernames.get(value.lstrip("@").lower())
                check = (lambda v: lambda t: t.get("in_reply_to_user_id") == v)(uid)
            elif value and key == "is":
                kind = {"retweet": "retweeted", "reply": "replied_to", "quote": "quoted"}.get(value)
                if kind is None:
                    return invalid("query", text, f"Unsupported operator is:{value}")
                check = (lambda k: lambda t: any(r["type"] == k for r in t.get("referenced_tweets", [])))(kind)
            elif value and key in ("lang", "has", "url"):
                check = (lambda v: lambda t: t.get("lang") == v)(value) if key == "lang" else (lambda t: True)
            elif term.startswith("@"):
                handle = term[1:].lower()
                check = (
                    lambda h: (
                        lambda t: any(m["username"].lower() == h for m in t.get("entities", {}).get("mentions", []))
                    )
                )(handle)
            else:
                word = term.strip('"').lower()
                check = (lambda w: lambda t: w in t["text"].lower())(word)
            predicates.append((lambda c: lambda t: not c(t))(check) if negate else check)
        return predicates

    # --- posting ------------------------------------------------------------------------------------

    @staticmethod
    def _json(body: bytes) -> dict | None:
        try:
            value = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def _engaged(self, parent: dict, me: str) -> bool:
        """Did the author of ``parent`` mention or quote ``me`` (X's Feb 2026 reply rule)?"""
        if parent["author_id"] == me or parent.get("in_reply_to_user_id") == me:
            return True
        if any(m.get("id") == me for m in parent.get("entities", {}).get("mentions", [])):
            return True
        for ref in parent.get("referenced_tweets", []):
            quoted = self.state.tweets.get(ref["id"])
            if ref["type"] == "quoted" and quoted is not None and quoted["author_id"] == me:
                return True
        return False

    def tweet_create(self, *, auth: Auth, query: dict, body: bytes) -> Reply:
        if not auth.user_context:
            return unsupported_auth()
        payload = self._json(body)
        if payload is None:
            return problem(400, "Invalid Request", "Request body is not valid JSON.", PROBLEMS + "invalid-request")
        text = payload.get("text")
        if not isinstance(text, str) or not text.strip():
            return invalid("text", text, "The `text` field is required and can not be empty")
        if parse_tweet(text).weightedLength > MAX_TWEET_WEIGHT:
            return invalid("text", text[:40], "Your post text is too long.")
        limit = self.state.cashtag_limit
        if limit is not None and len(cashtags(text)) > limit:
            return problem(
                403,
                "Forbidden",
                f"Posts created via the API are limited to a maximum of {limit} cashtag per post.",
            )
        me = auth.user_id
        reply = payload.get("reply") or {}
        parent_id = str(reply.get("in_reply_to_tweet_id") or "")
        parent = None
        if parent_id:
            parent = self.state.tweets.get(parent_id)
            if parent is None or parent["author_id"] in self.state.suspended:
                return problem(
                    403, "Forbidden", "You attempted to reply to a Tweet that is deleted or not visible to you."
                )
            if self.state.reply_rule and not self._engaged(parent, me):
                return problem(
                    403,
                    "Forbidden",
                    "Reply to this conversation is not allowed because you have not been mentioned or otherwise "
                    "engaged by the author of the post you are replying to.",
                )
        if any(t["author_id"] == me and t["text"] == text for t in self.state.tweets.values()):
            return problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
        quote_id = payload.get("quote_tweet_id")
        tweet = self.state.tweet(me, text, in_reply_to=parent_id or None, quote=quote_id or None)
        self.state.posts.append(tweet)
        if extract_urls(text):
            kind = "post_with_url"
        elif parent is not None:
            kind = "reply_to_mention"
        else:
            kind = "post_create"
        self.state.count_served(kind, [tweet["id"]])
        return Reply(
            201,
            {
                "data": {
                    "id": tweet["id"],
                    "text": tweet["text"],
                    "edit_history_tweet_ids": tweet["edit_history_tweet_ids"],
                }
            },
        )

    def tweet_delete(self, *, auth: Auth, query: dict, body: bytes, id: str) -> Reply:
        if not auth.user_context:
            return unsupported_auth()
        tweet = self.state.tweets.get(id)
        if tweet is None:
            return Reply(200, {"data": {"deleted": False}})
        if tweet["author_id"] != auth.user_id:
            return problem(403, "Forbidden", "You are not allowed to delete this Tweet.")
        self.state.delete_tweet(id)
        return Reply(200, {"data": {"deleted": True}})

    # --- direct messages ----------------------------------------------------------------------------

    def dm_body(self, events: list[dict], query: dict, meta: dict) -> dict:
        expansions = set(_csv(query, "expansions"))
        user_refs: list[tuple[str, str]] = []
        media_keys: list[str] = []
        for event in events:
            if "sender_id" in expansions and event.get("sender_id"):
                user_refs.append((event["sender_id"], "sender_id"))
            if "participant_ids" in expansions:
                user_refs.extend((p, "participant_ids") for p in event.get("participant_ids", []))
            if "attachments.media_keys" in expansions:
                media_keys.extend(event.get("attachments", {}).get("media_keys", []))
        users, errors = self._users_include(user_refs, query)
        body: dict[str, Any] = {}
        if events:
            body["data"] = [self.render_dm(e, query) for e in events]
        includes: dict[str, list] = {}
        if users:
            includes["users"] = users
        media = self._media_include(media_keys, query)
        if media:
            includes["media"] = media
        if includes:
            body["includes"] = includes
        if errors:
            body["errors"] = errors
        body["meta"] = meta
        return body

    def _dm_list(self, events: list[dict], auth: Auth, query: dict) -> Reply:
        types = set(_csv(query, "event_types"))
        if types:
            events = [e for e in events if e["event_type"] in types]
        result = self._paginate(events, query, lowest=1, highest=100, default=100, ids_meta=False)
        if isinstance(result, Reply):
            return result
        page, meta = result
        self.state.count_served("dm_event_read", [e["id"] for e in page])
        return Reply(200, self.dm_body(page, query, meta))

    def dm_events(self, *, auth: Auth, query: dict, body: bytes) -> Reply:
        if not auth.user_context:
            return unsupported_auth()
        return self._dm_list(self.state.dm_events_of(auth.user_id), auth, query)

    def dm_events_with(self, *, auth: Auth, query: dict, body: bytes, id: str) -> Reply:
        if not auth.user_context:
            return unsupported_auth()
        return self._dm_list(self.state.dm_events_of(auth.user_id, with_user=id), auth, query)

    def dm_events_in(self, *, auth: Auth, query: dict, body: bytes, id: str) -> Reply:
        if not auth.user_context:
            return unsupported_auth()
        return self._dm_list(self.state.dm_events_of(auth.user_id, conversation_id=id), auth, query)

    def dm_create(self, *, auth: Auth, query: dict, body: bytes, id: str) -> Reply:
        if not auth.user_context:
            return unsupported_auth()
        payload = self._json(body)
        if payload is None:
            return problem(400, "Invalid Request", "Request body is not valid JSON.", PROBLEMS + "invalid-request")
        text = payload.get("text")
        if not payload.get("attachments") and (not isinstance(text, str) or not text.strip()):
            return invalid("text", text, "The `text` field is required when no attachment is given")
        if isinstance(text, str) and len(text) > MAX_DM_LENGTH:
            return invalid("text", text[:40], f"The `text` field is longer than {MAX_DM_LENGTH} characters")
        me = auth.user_id
        if id == me:
            return invalid("participant_id", id, "You cannot send a direct message to yourself")
        if id not in self.state.users:
            return invalid("participant_id", id, f"The `participant_id` value [{id}] does not match a user")
        if id in self.state.suspended or not self.state.accepts_dms(id):
            return problem(403, "Forbidden", "You cannot send messages to this user.")
        event = self.state.dm(me, id, text or "")
        self.state.count_served("dm_create", [event["id"]])
        return Reply(201, {"data": {"dm_conversation_id": event["dm_conversation_id"], "dm_event_id": event["id"]}})
