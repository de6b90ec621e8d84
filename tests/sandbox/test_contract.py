"""Every answer of the sandbox that the desk's gateway uses, held to X's published spec.

The sandbox is the X every test and the demo run against; where it drifts from X, the desk is
tested against the wrong X. So each endpoint the sandbox serves is called over HTTP with the field
sets the gateway really sends, for a success and for the errors the gateway handles, and each
answer is checked against shapes written from X's OpenAPI specification 2.167 and documentation
(``x_api_shapes.py`` says which, and where the two disagree): status, content type (success
``application/json``, problem documents ``application/problem+json``), body schema with required
keys and problem-type addresses, and the ``x-rate-limit-*`` headers.

A new endpoint in the sandbox fails ``test_every_sandbox_endpoint_has_a_success_and_an_error_answer``
until it has its shape and its answers here.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest
import requests

from crm_twitter.sandbox.api import SandboxAPI
from crm_twitter.sandbox.state import DM_SEND, SandboxState
from crm_twitter.x.gateway import (
    DM_EVENT_FIELDS,
    DM_EXPANSIONS,
    MEDIA_FIELDS,
    TWEET_EXPANSIONS,
    TWEET_FIELDS,
    USER_FIELDS,
)
from tests.sandbox.x_api_shapes import (
    DEFS,
    JSON,
    PROBLEM_JSON,
    PROBLEMS,
    RATE_LIMIT_HEADERS,
    RESPONSES,
    SPEC,
    schema,
)

RATE_WINDOW_SECONDS = 15 * 60
TWEET_PARAMS = {
    "tweet.fields": ",".join(TWEET_FIELDS),
    "expansions": ",".join(TWEET_EXPANSIONS),
    "user.fields": ",".join(USER_FIELDS),
    "media.fields": ",".join(MEDIA_FIELDS),
}
USER_PARAMS = {"user.fields": ",".join(USER_FIELDS)}
DM_PARAMS = {
    "dm_event.fields": ",".join(DM_EVENT_FIELDS),
    "expansions": ",".join(DM_EXPANSIONS),
    "user.fields": ",".join(USER_FIELDS),
    "media.fields": ",".join(MEDIA_FIELDS),
}
NOT_ISSUED = {"Authorization": "Bearer AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI"}


class World:
    """A brand, its customers, their posts (reply, quote, retweet, long post, photos, a missing
    photo, a deleted post) and DMs — enough for every field the desk asks for to come back."""

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        state: SandboxState = sandbox.state
        self.state = state
        self.brand = state.add_brand("AcmeHelp", name="Acme Support")
        self.alice = state.add_user("alice_buys", name="Alice", followers=1200, location="Leeds")
        self.bob = state.add_user("bob")
        self.closed = state.add_user("no_dms_please", accepts_dms=False)
        self.suspended = state.add_user("gone_away", suspended=True)
        self.mention = state.customer_tweet(
            self.alice, "@AcmeHelp my parcel never came, order 40001234 😡", media=["the empty box"], missing_media=1
        )
        self.reply = state.brand_reply(self.brand, self.mention, "@alice_buys So sorry! Please DM us.")
        self.follow_up = state.customer_tweet(
            self.alice, "@AcmeHelp still waiting… https://example.com/photo #fail $ACME", in_reply_to=self.reply
        )
        self.long_post = state.customer_tweet(self.bob, "@AcmeHelp " + "the courier left it in the rain. " * 12)
        self.quote = state.customer_tweet(self.bob, "@AcmeHelp same here", quote=self.mention)
        self.retweet = state.retweet(self.bob, self.mention)
        self.deleted = state.customer_tweet(self.alice, "@AcmeHelp regret this one")
        state.delete_tweet(self.deleted)
        self.dm_in = state.customer_dm(self.alice, self.brand["id"], "Order 40001234, photo attached", media=1)
        self.dm_out = state.brand_dm(self.brand, self.alice, "Thanks, a replacement is on its way.")
        state.dm_participants_event("ParticipantsJoin", self.bob, self.brand)

    # --- requests ----------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        auth: str | dict = "user",
        params: dict | None = None,
        body: dict | None = None,
    ) -> requests.Response:
        """One HTTP request: ``auth`` is "user" (OAuth 1.0a as the brand), "app" (the issued app
        bearer token) or explicit headers."""
        kwargs: dict[str, Any] = {"params": params, "json": body}
        if auth == "user":
            kwargs["auth"] = self.sandbox.user_auth(self.brand)
        elif auth == "app":
            kwargs["headers"] = self.sandbox.app_headers
        else:
            kwargs["headers"] = auth
        return requests.request(method, self.sandbox.base_url + path, timeout=5, **kwargs)

    def reply_to(self, tweet: dict, text: str, *, auth: str = "user") -> requests.Response:
        body = {"text": text, "reply": {"in_reply_to_tweet_id": tweet["id"]}}
        return self.call("POST", "/2/tweets", auth=auth, body=body)

    def send_dm(self, user: dict, text: str) -> requests.Response:
        return self.call("POST", f"/2/dm_conversations/with/{user['id']}/messages", body={"text": text})

    def over_the_limit(self, endpoint: str, call: Callable[[], requests.Response]) -> requests.Response:
        """``call`` once more than ``endpoint`` allows in this window (its limit lowered to one)."""
        self.state.set_rate_limit(endpoint, 1)
        assert call().ok
        return call()


@dataclass(frozen=True)
class Answer:
    """One answer of the contract: what is asked, with which status and problem it must come."""

    endpoint: str
    label: str
    status: int
    request: Callable[[World], requests.Response]
    problem: str = ""  # the problem type of an error answer: "about:blank" or the name after /problems/
    partial: bool = False  # a 200 whose errors[] reports what was not found

    @property
    def outcome(self) -> str:
        return "error" if self.problem or self.partial else "success"


ME = "GET /2/users/me"
USERS = "GET /2/users"
USERS_BY = "GET /2/users/by"
BY_USERNAME = "GET /2/users/by/username/:username"
USER = "GET /2/users/:id"
MENTIONS = "GET /2/users/:id/mentions"
USER_TWEETS = "GET /2/users/:id/tweets"
TWEETS = "GET /2/tweets"
TWEET = "GET /2/tweets/:id"
SEARCH = "GET /2/tweets/search/recent"
CREATE = "POST /2/tweets"
DELETE = "DELETE /2/tweets/:id"
DM_EVENTS = "GET /2/dm_events"
DM_WITH = "GET /2/dm_conversations/with/:id/dm_events"
DM_IN = "GET /2/dm_conversations/:id/dm_events"


def _many_dms(w: World) -> requests.Response:
    for n in range(15):
        assert w.send_dm(w.alice, f"Update {n} on your order").status_code == 201
    return w.send_dm(w.alice, "one too many")


ANSWERS = [
    # users/me
    Answer(ME, "me with user context", 200, lambda w: w.call("GET", "/2/users/me", params=USER_PARAMS)),
    Answer(ME, "me with an app token", 403, lambda w: w.call("GET", "/2/users/me", auth="app"), "about:blank"),
    Answer(
        ME, "me with a token never issued", 401, lambda w: w.call("GET", "/2/users/me", auth=NOT_ISSUED), "about:blank"
    ),
    # users lookup
    Answer(
        USERS,
        "users by ids",
        200,
        lambda w: w.call(
            "GET", "/2/users", auth="app", params={"ids": f"{w.brand['id']},{w.alice['id']}", **USER_PARAMS}
        ),
    ),
    Answer(
        USERS,
        "users by ids, one unknown and one suspended",
        200,
        lambda w: w.call(
            "GET", "/2/users", auth="app", params={"ids": f"{w.alice['id']},999,{w.suspended['id']}", **USER_PARAMS}
        ),
        partial=True,
    ),
    Answer(
        USERS,
        "users without ids",
        400,
        lambda w: w.call("GET", "/2/users", auth="app", params={"ids": ""}),
        "invalid-request",
    ),
    Answer(
        USERS_BY,
        "users by usernames",
        200,
        lambda w: w.call("GET", "/2/users/by", auth="app", params={"usernames": "alice_buys,bob", **USER_PARAMS}),
    ),
    Answer(
        USERS_BY,
        "users by usernames, one unknown",
        200,
        lambda w: w.call("GET", "/2/users/by", auth="app", params={"usernames": "alice_buys,ghost"}),
        partial=True,
    ),
    Answer(
        USERS_BY,
        "more than 100 usernames",
        400,
        lambda w: w.call("GET", "/2/users/by", auth="app", params={"usernames": ",".join(f"u{n}" for n in range(101))}),
        "invalid-request",
    ),
    Answer(
        BY_USERNAME,
        "user by username",
        200,
        lambda w: w.call("GET", "/2/users/by/username/alice_buys", auth="app", params=USER_PARAMS),
    ),
    Answer(
        BY_USERNAME,
        "unknown username",
        200,
        lambda w: w.call("GET", "/2/users/by/username/nobody_here", auth="app"),
        partial=True,
    ),
    Answer(
        BY_USERNAME,
        "out of requests",
        429,
        lambda w: w.over_the_limit(BY_USERNAME, lambda: w.call("GET", "/2/users/by/username/bob", auth="app")),
        "about:blank",
    ),
    Answer(
        USER, "user by id", 200, lambda w: w.call("GET", f"/2/users/{w.alice['id']}", auth="app", params=USER_PARAMS)
    ),
    Answer(
        USER, "suspended user", 200, lambda w: w.call("GET", f"/2/users/{w.suspended['id']}", auth="app"), partial=True
    ),
    Answer(USER, "unknown user", 200, lambda w: w.call("GET", "/2/users/999", auth="app"), partial=True),
    # timelines
    Answer(
        MENTIONS,
        "mentions with the desk's fields",
        200,
        lambda w: w.call("GET", f"/2/users/{w.brand['id']}/mentions", params={"max_results": 100, **TWEET_PARAMS}),
    ),
    Answer(
        MENTIONS,
        "mentions, first of several pages",
        200,
        lambda w: w.call("GET", f"/2/users/{w.brand['id']}/mentions", params={"max_results": 5, **TWEET_PARAMS}),
    ),
    Answer(
        MENTIONS,
        "mentions with max_results below 5",
        400,
        lambda w: w.call("GET", f"/2/users/{w.brand['id']}/mentions", params={"max_results": 3}),
        "invalid-request",
    ),
    Answer(
        MENTIONS,
        "mentions with a pagination token never handed out",
        400,
        lambda w: w.call("GET", f"/2/users/{w.brand['id']}/mentions", params={"pagination_token": "garbage"}),
        "invalid-request",
    ),
    Answer(
        MENTIONS,
        "mentions with an access token never issued",
        401,
        lambda w: w.call(
            "GET",
            f"/2/users/{w.brand['id']}/mentions",
            auth=_oauth_headers(f"{w.brand['id']}-not-issued-by-x"),
        ),
        "about:blank",
    ),
    Answer(
        USER_TWEETS,
        "the brand's own posts",
        200,
        lambda w: w.call("GET", f"/2/users/{w.brand['id']}/tweets", params={"max_results": 100, **TWEET_PARAMS}),
    ),
    Answer(
        USER_TWEETS,
        "own posts with max_results above 100",
        400,
        lambda w: w.call("GET", f"/2/users/{w.brand['id']}/tweets", params={"max_results": 101}),
        "invalid-request",
    ),
    Answer(USER_TWEETS, "posts of an unknown user", 200, lambda w: w.call("GET", "/2/users/999/tweets"), partial=True),
    # post lookup and search
    Answer(
        TWEETS,
        "posts by ids",
        200,
        lambda w: w.call(
            "GET",
            "/2/tweets",
            auth="app",
            params={"ids": ",".join(t["id"] for t in (w.follow_up, w.long_post, w.quote, w.retweet)), **TWEET_PARAMS},
        ),
    ),
    Answer(
        TWEETS,
        "posts by ids, one deleted",
        200,
        lambda w: w.call(
            "GET", "/2/tweets", auth="app", params={"ids": f"{w.mention['id']},{w.deleted['id']}", **TWEET_PARAMS}
        ),
        partial=True,
    ),
    Answer(
        TWEETS,
        "posts without ids",
        400,
        lambda w: w.call("GET", "/2/tweets", auth="app", params={"ids": ""}),
        "invalid-request",
    ),
    Answer(
        TWEET,
        "post by id",
        200,
        lambda w: w.call("GET", f"/2/tweets/{w.follow_up['id']}", auth="app", params=TWEET_PARAMS),
    ),
    Answer(
        TWEET, "deleted post", 200, lambda w: w.call("GET", f"/2/tweets/{w.deleted['id']}", auth="app"), partial=True
    ),
    Answer(
        TWEET,
        "post with a bearer token never issued",
        401,
        lambda w: w.call("GET", f"/2/tweets/{w.mention['id']}", auth=NOT_ISSUED),
        "about:blank",
    ),
    Answer(
        SEARCH,
        "a conversation",
        200,
        lambda w: w.call(
            "GET",
            "/2/tweets/search/recent",
            auth="app",
            params={"query": f"conversation_id:{w.mention['id']}", "max_results": 100, **TWEET_PARAMS},
        ),
    ),
    Answer(
        SEARCH,
        "search without a query",
        400,
        lambda w: w.call("GET", "/2/tweets/search/recent", auth="app", params={"query": ""}),
        "invalid-request",
    ),
    Answer(
        SEARCH,
        "search with a next_token never handed out",
        400,
        lambda w: w.call(
            "GET", "/2/tweets/search/recent", auth="app", params={"query": "@AcmeHelp", "next_token": "x"}
        ),
        "invalid-request",
    ),
    # posting
    Answer(CREATE, "a reply to a mention", 201, lambda w: w.reply_to(w.follow_up, "@alice_buys We have re-sent it.")),
    Answer(
        CREATE,
        "a reply to someone who never engaged the brand",
        403,
        lambda w: w.reply_to(w.state.customer_tweet(w.bob, "I love my new kettle"), "@bob Great!"),
        "about:blank",
    ),
    Answer(
        CREATE,
        "the same text twice",
        403,
        lambda w: (w.reply_to(w.mention, "@alice_buys On it."), w.reply_to(w.follow_up, "@alice_buys On it."))[1],
        "about:blank",
    ),
    Answer(
        CREATE,
        "a post with two cashtags",
        403,
        lambda w: w.call("POST", "/2/tweets", body={"text": "Our suppliers $ACME and $BETA ship today"}),
        "about:blank",
    ),
    Answer(CREATE, "a reply to a deleted post", 403, lambda w: w.reply_to(w.deleted, "@alice_buys Hi!"), "about:blank"),
    Answer(CREATE, "a post over 280 characters", 400, lambda w: w.reply_to(w.mention, "您好" * 141), "invalid-request"),
    Answer(CREATE, "posting with an app token", 403, lambda w: w.reply_to(w.mention, "Hi", auth="app"), "about:blank"),
    Answer(
        DELETE,
        "deleting the brand's post",
        200,
        lambda w: w.call("DELETE", f"/2/tweets/{w.reply['id']}"),
    ),
    Answer(
        DELETE,
        "deleting someone else's post",
        403,
        lambda w: w.call("DELETE", f"/2/tweets/{w.mention['id']}"),
        "about:blank",
    ),
    Answer(
        DELETE,
        "deleting with an app token",
        403,
        lambda w: w.call("DELETE", f"/2/tweets/{w.reply['id']}", auth="app"),
        "about:blank",
    ),
    # direct messages
    Answer(DM_EVENTS, "the brand's DM events", 200, lambda w: w.call("GET", "/2/dm_events", params=DM_PARAMS)),
    Answer(
        DM_EVENTS,
        "DM events with an app token",
        403,
        lambda w: w.call("GET", "/2/dm_events", auth="app"),
        "about:blank",
    ),
    Answer(
        DM_EVENTS,
        "DM events with a pagination token never handed out",
        400,
        lambda w: w.call("GET", "/2/dm_events", params={"pagination_token": "7140dibdzzzz-garbage"}),
        "invalid-request",
    ),
    Answer(
        DM_EVENTS,
        "DM events when X is down",
        503,
        lambda w: (w.sandbox.faults.server_error(DM_EVENTS, status=503), w.call("GET", "/2/dm_events"))[1],
        "about:blank",
    ),
    Answer(
        DM_WITH,
        "the one-to-one conversation",
        200,
        lambda w: w.call("GET", f"/2/dm_conversations/with/{w.alice['id']}/dm_events", params=DM_PARAMS),
    ),
    Answer(
        DM_WITH,
        "a conversation page of 0",
        400,
        lambda w: w.call("GET", f"/2/dm_conversations/with/{w.alice['id']}/dm_events", params={"max_results": 0}),
        "invalid-request",
    ),
    Answer(
        DM_IN,
        "a conversation by id",
        200,
        lambda w: w.call("GET", f"/2/dm_conversations/{w.dm_in['dm_conversation_id']}/dm_events", params=DM_PARAMS),
    ),
    Answer(
        DM_IN,
        "a conversation by id with an app token",
        403,
        lambda w: w.call("GET", f"/2/dm_conversations/{w.dm_in['dm_conversation_id']}/dm_events", auth="app"),
        "about:blank",
    ),
    Answer(DM_SEND, "a DM", 201, lambda w: w.send_dm(w.alice, "Your replacement ships today.")),
    Answer(DM_SEND, "a DM to someone who takes none", 403, lambda w: w.send_dm(w.closed, "Hello"), "about:blank"),
    Answer(DM_SEND, "a DM to oneself", 400, lambda w: w.send_dm(w.brand, "Note to self"), "invalid-request"),
    Answer(DM_SEND, "the 16th DM in 15 minutes", 429, _many_dms, "about:blank"),
]


def _oauth_headers(access_token: str) -> dict[str, str]:
    """An OAuth 1.0a header with the issued consumer key and ``access_token`` (the sandbox checks
    which tokens it issued, not signatures)."""
    from crm_twitter.sandbox.state import SANDBOX_CONSUMER_KEY

    params = {
        "oauth_consumer_key": SANDBOX_CONSUMER_KEY,
        "oauth_token": access_token,
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_signature": "c2lnbmF0dXJl",
        "oauth_nonce": "n0nce",
        "oauth_timestamp": str(int(time.time())),
        "oauth_version": "1.0",
    }
    return {"Authorization": "OAuth " + ", ".join(f'{key}="{value}"' for key, value in params.items())}


def _media_type(response: requests.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _violations(instance: Any, shape: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema(shape))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in validator.iter_errors(instance)]


def check_answer(answer: Answer, response: requests.Response) -> list[str]:
    """Everything in ``response`` that is not as X's spec and docs say; empty when it complies."""
    found: list[str] = []
    if response.status_code != answer.status:
        found.append(f"status {response.status_code}, expected {answer.status}: {response.text[:300]}")
        return found
    body = response.json()
    if response.ok:
        if _media_type(response) != JSON:
            found.append(f"content-type {response.headers.get('content-type')!r}, expected {JSON}")
        found += _violations(body, RESPONSES[answer.endpoint][1])
        if answer.partial:
            kinds = {str(error.get("type")) for error in body.get("errors", [])}
            if kinds != {PROBLEMS + "resource-not-found"}:
                found.append(f"partial errors of types {sorted(kinds)}, expected resource-not-found")
    else:
        if _media_type(response) != PROBLEM_JSON:
            found.append(f"content-type {response.headers.get('content-type')!r}, expected {PROBLEM_JSON}")
        found += _violations(body, {"$ref": "#/$defs/ProblemDocument"})
        expected_type = answer.problem if answer.problem == "about:blank" else PROBLEMS + answer.problem
        if body.get("type") != expected_type:
            found.append(f"problem type {body.get('type')!r}, expected {expected_type!r}")
        if body.get("status", response.status_code) != response.status_code:
            found.append(f"problem status {body.get('status')} is not the HTTP status {response.status_code}")
    # X counts every authenticated request: a 401 has no bucket, and an outage answers from the edge.
    if response.status_code != 401 and response.status_code < 500:
        found += _rate_limit_violations(response)
    return found


def _rate_limit_violations(response: requests.Response) -> list[str]:
    found = []
    values = {}
    for name in RATE_LIMIT_HEADERS:
        raw = response.headers.get(name)
        if raw is None or not raw.isdigit():
            found.append(f"header {name} is {raw!r}, expected an integer")
        else:
            values[name] = int(raw)
    if len(values) == len(RATE_LIMIT_HEADERS):
        now = time.time()
        if values["x-rate-limit-remaining"] > values["x-rate-limit-limit"]:
            found.append(f"x-rate-limit-remaining {values['x-rate-limit-remaining']} exceeds the limit")
        if not now - 5 <= values["x-rate-limit-reset"] <= now + RATE_WINDOW_SECONDS + 5:
            found.append(f"x-rate-limit-reset {values['x-rate-limit-reset']} is not a Unix time in this window")
    return found


# --- the contract -------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda a: f"{a.endpoint} · {a.label}")
def test_the_sandbox_answers_as_xs_spec_says(sandbox, answer):
    world = World(sandbox)

    response = answer.request(world)

    assert check_answer(answer, response) == [], f"not as the {SPEC} says"


def test_every_sandbox_endpoint_has_a_success_and_an_error_answer():
    endpoints = {endpoint for _, _, endpoint, _ in SandboxAPI(SandboxState()).routes}
    covered = {(a.endpoint, a.outcome) for a in ANSWERS}

    missing = sorted(f"{e} ({o})" for e in endpoints for o in ("success", "error") if (e, o) not in covered)

    assert missing == []
    assert set(RESPONSES) == endpoints


def test_the_shapes_are_valid_json_schemas():
    for _, shape in RESPONSES.values():
        jsonschema.Draft202012Validator.check_schema(schema(shape))

    assert DEFS["ResourceNotFoundProblem"]["properties"]["type"] == {"const": PROBLEMS + "resource-not-found"}


# --- the contract bites: what the sandbox used to answer is refused --------------------------------


def test_a_not_found_error_on_the_old_host_breaks_the_contract(sandbox):
    world = World(sandbox)
    response = world.call("GET", f"/2/tweets/{world.deleted['id']}", auth="app")
    old = copy.deepcopy(response.json())
    old["errors"][0]["type"] = "https://api.twitter.com/2/problems/resource-not-found"

    assert _violations(response.json(), RESPONSES[TWEET][1]) == []
    assert _violations(old, RESPONSES[TWEET][1]) != []


def test_a_problem_labelled_application_json_breaks_the_contract(sandbox):
    world = World(sandbox)
    answer = next(a for a in ANSWERS if a.label == "users without ids")
    response = answer.request(world)
    response.headers["content-type"] = "application/json; charset=utf-8"

    assert any("content-type" in finding for finding in check_answer(answer, response))


def test_the_retired_unsupported_authentication_type_breaks_the_contract():
    old = {
        "title": "Unsupported Authentication",
        "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.",
        "type": PROBLEMS + "unsupported-authentication",
        "status": 403,
    }

    assert _violations(old, {"$ref": "#/$defs/ProblemDocument"}) != []
