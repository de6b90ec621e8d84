"""The answers of the X API v2 endpoints the desk uses, as X publishes them — JSON Schemas for the
contract test (``test_contract.py``).

Written from **X's OpenAPI 3 specification, ``info.version`` 2.167** (X API v2, August 2026; the
copy X publishes with its SDK generator, xdevplatform/xdk ``specs/openapi.json``):

* every operation answers 2xx ``application/json`` with its response schema (``GetUsersMeResponse``,
  ``GetUsersByIdsResponse``, ``GetUsersMentionsResponse``, ``SearchPostsRecentResponse``,
  ``CreatePostsResponse``, ``DeletePostsResponse``, ``GetDirectMessagesEventsResponse``,
  ``CreateDirectMessagesByParticipantIdResponse`` …): ``data``, ``errors`` (items: ``Problem``),
  ``includes`` (``Expansions``) and, for lists, ``meta``;
* and fails with ``default``: ``application/json`` → ``Error`` ``{code, message}``, or
  ``application/problem+json`` → ``Problem``, a oneOf of typed problems on
  ``https://api.x.com/2/problems/…`` with their required keys (``ResourceNotFoundProblem``:
  type, title, detail, resource_type; ``InvalidRequestProblem``: type, title, detail; …).

Where the spec is silent, X's documentation (docs.x.com): "Response Codes & Errors" (the generic
``about:blank`` problem X answers 401, 403 and 429 with; the ``x-rate-limit-*`` headers on every
answer), and the data dictionary (default fields, which a request without ``*.fields`` still
gets, so the desk relies on them: post ``id``/``text``/``edit_history_tweet_ids``, user
``id``/``name``/``username``, media ``media_key``/``type``, DM event ``id``/``event_type``).

One deliberate difference: 2.167's component schemas rename the post object's properties into
"post" words (``edit_history_post_ids``, ``referenced_posts``, ``note_post``, ``includes.posts``,
``public_metrics.repost_count``, user ``public_metrics.post_count``), while the same spec's
``tweet.fields``/``expansions`` parameter lists, the data dictionary, every recorded answer and
tweepy use the tweet words — and the desk reads those. The shapes below keep the wire (tweet)
names; each notes its 2.167 spelling.
"""

from __future__ import annotations

from typing import Any

SPEC = "X API v2 OpenAPI specification 2.167 (August 2026)"
SPEC_VERSION = "2.167"

PROBLEMS = "https://api.x.com/2/problems/"
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
RATE_LIMIT_HEADERS = ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset")

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
ID = {"type": "string", "pattern": "^[0-9]{1,19}$"}  # spec: UserId / PostId
# spec: format date-time; X writes it with milliseconds and Z (data dictionary examples).
TIMESTAMP = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"}


def _object(required: tuple[str, ...] = (), **properties: Any) -> dict:
    """An object with these properties; others are allowed, as in the spec (no
    ``additionalProperties: false`` on response objects — X adds fields without a new version)."""
    shape: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        shape["required"] = list(required)
    return shape


def _array(items: dict, *, min_items: int = 0) -> dict:
    shape: dict[str, Any] = {"type": "array", "items": items}
    if min_items:
        shape["minItems"] = min_items
    return shape


def _ref(name: str) -> dict:
    return {"$ref": f"#/$defs/{name}"}


def _problem(kind: str, *required: str, **properties: Any) -> dict:
    """A typed problem of the spec: ``type`` is exactly its address on api.x.com."""
    return _object(
        ("type", "title", "detail", *required),
        type={"const": PROBLEMS + kind},
        title=STRING,
        detail=STRING,
        status=INTEGER,
        **properties,
    )


_TAG = _object(("start", "end", "tag"), start=INTEGER, end=INTEGER, tag=STRING)
ENTITIES = _object(  # spec: PostEntities
    mentions=_array(_object(("start", "end"), start=INTEGER, end=INTEGER, username=STRING, id=ID)),
    hashtags=_array(_TAG),
    cashtags=_array(_TAG),
    urls=_array(
        _object(
            ("start", "end"),
            start=INTEGER,
            end=INTEGER,
            url=STRING,
            expanded_url=STRING,
            display_url=STRING,
            unwound_url=STRING,
            media_key=STRING,
        )
    ),
)

DEFS: dict[str, dict] = {
    # --- problems --------------------------------------------------------------------------------
    "ResourceNotFoundProblem": _problem(
        "resource-not-found", "resource_type", resource_type=STRING, resource_id=STRING, parameter=STRING, value=STRING
    ),
    "InvalidRequestProblem": _problem("invalid-request", parameter=STRING, value=STRING),
    "NotAuthorizedForResourceProblem": _problem(
        "not-authorized-for-resource", "resource_type", resource_type=STRING, resource_id=STRING, parameter=STRING
    ),
    "DisallowedResourceProblem": _problem("disallowed-resource", resource_type=STRING, resource_id=STRING),
    "ResourceUnavailableProblem": _problem("resource-unavailable", "resource_type", resource_type=STRING),
    "InternalErrorProblem": _problem("internal-error"),
    # The spec's Problem: exactly one of its typed problems (the partial errors of a 200 are these).
    "SpecProblem": {
        "oneOf": [
            _ref(name)
            for name in (
                "ResourceNotFoundProblem",
                "InvalidRequestProblem",
                "NotAuthorizedForResourceProblem",
                "DisallowedResourceProblem",
                "ResourceUnavailableProblem",
                "InternalErrorProblem",
            )
        ]
    },
    # docs "Response Codes & Errors": about:blank, a generic error — see the HTTP status.
    "GenericProblem": _object(
        ("type", "title"), type={"const": "about:blank"}, title=STRING, detail=STRING, status=INTEGER
    ),
    # A problem document (application/problem+json): a typed problem or the generic one.
    "ProblemDocument": {"anyOf": [_ref("SpecProblem"), _ref("GenericProblem")]},
    # spec: Error, the application/json failure.
    "Error": _object(("code", "message"), code=INTEGER, message=STRING),
    # --- objects (wire names; see the module docstring) -----------------------------------------
    "Tweet": _object(
        ("id", "text", "edit_history_tweet_ids"),
        id=ID,
        text=STRING,
        edit_history_tweet_ids=_array(ID, min_items=1),  # 2.167: edit_history_post_ids
        author_id=ID,
        conversation_id=ID,
        created_at=TIMESTAMP,
        in_reply_to_user_id=ID,
        lang=STRING,
        possibly_sensitive=BOOLEAN,
        reply_settings=STRING,
        referenced_tweets=_array(  # 2.167: referenced_posts (PostReferencedPosts)
            _object(("type", "id"), type={"enum": ["retweeted", "quoted", "replied_to"]}, id=ID)
        ),
        entities=ENTITIES,
        public_metrics=_object(  # 2.167: PostPublicMetrics, with repost_count for retweet_count
            ("retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count", "impression_count"),
            retweet_count=INTEGER,
            reply_count=INTEGER,
            like_count=INTEGER,
            quote_count=INTEGER,
            bookmark_count=INTEGER,
            impression_count=INTEGER,
        ),
        attachments=_object(media_keys=_array(STRING), poll_ids=_array(STRING)),
        note_tweet=_object(("text",), text=STRING, entities=ENTITIES),  # 2.167: note_post (PostNotePost)
        withheld=_object(("copyright", "country_codes"), copyright=BOOLEAN, country_codes=_array(STRING)),
    ),
    "User": _object(
        ("id", "name", "username"),
        id=ID,
        name=STRING,
        username=STRING,
        created_at=TIMESTAMP,
        description=STRING,
        location=STRING,
        profile_image_url=STRING,
        protected=BOOLEAN,
        verified=BOOLEAN,
        public_metrics=_object(  # 2.167: UserPublicMetrics, with post_count for tweet_count
            ("followers_count", "following_count", "tweet_count", "listed_count"),
            followers_count=INTEGER,
            following_count=INTEGER,
            tweet_count=INTEGER,
            listed_count=INTEGER,
            like_count=INTEGER,
            media_count=INTEGER,
        ),
    ),
    "Media": _object(
        ("media_key", "type"),
        media_key=STRING,
        type=STRING,
        url=STRING,
        preview_image_url=STRING,
        width=INTEGER,
        height=INTEGER,
        alt_text=STRING,
        duration_ms=INTEGER,
    ),
    "DmEvent": _object(
        ("id", "event_type"),
        id=ID,
        event_type={"enum": ["MessageCreate", "ParticipantsJoin", "ParticipantsLeave"]},
        text=STRING,
        sender_id=ID,
        # spec: the dm_conversation_id path parameter's pattern (one-to-one "a-b", or a group id)
        dm_conversation_id={"type": "string", "pattern": "^([0-9]{1,19}-[0-9]{1,19}|[0-9]{15,19})$"},
        created_at=TIMESTAMP,
        participant_ids=_array(ID),
        attachments=_object(media_keys=_array(STRING)),
        referenced_tweets=_array(_object(("id",), id=ID)),  # 2.167: referenced_posts
    ),
    "Includes": _object(  # spec: Expansions
        users=_array(_ref("User")),
        tweets=_array(_ref("Tweet")),  # 2.167: posts
        media=_array(_ref("Media")),
    ),
    "Errors": _array(_ref("SpecProblem")),
    "TimelineMeta": _object(result_count=INTEGER, newest_id=ID, oldest_id=ID, next_token=STRING, previous_token=STRING),
    "DmMeta": _object(result_count=INTEGER, next_token=STRING, previous_token=STRING),
}

# The gateway refuses a 2xx with none of these (X documents "data and/or errors"; a list always
# carries meta), so a contract answer must have one.
_SOME_CONTENT = {"anyOf": [{"required": ["data"]}, {"required": ["errors"]}, {"required": ["meta"]}]}


def _single(item: str) -> dict:
    return {**_object(data=_ref(item), errors=_ref("Errors"), includes=_ref("Includes")), **_SOME_CONTENT}


def _listing(item: str, meta: str | None = None) -> dict:
    shape = _object(data=_array(_ref(item)), errors=_ref("Errors"), includes=_ref("Includes"))
    if meta:
        shape["properties"]["meta"] = _ref(meta)
    return {**shape, **_SOME_CONTENT}


def _created(required: tuple[str, ...], **properties: Any) -> dict:
    return _object(("data",), data=_object(required, **properties), errors=_ref("Errors"))


# Endpoint (as the gateway names it) → the 2.167 response schema it answers with, and its shape.
RESPONSES: dict[str, tuple[str, dict]] = {
    "GET /2/users/me": ("GetUsersMeResponse", _single("User")),
    "GET /2/users": ("GetUsersByIdsResponse", _listing("User")),
    "GET /2/users/by": ("GetUsersByUsernamesResponse", _listing("User")),
    "GET /2/users/by/username/:username": ("GetUsersByUsernameResponse", _single("User")),
    "GET /2/users/:id": ("GetUsersByIdResponse", _single("User")),
    "GET /2/users/:id/mentions": ("GetUsersMentionsResponse", _listing("Tweet", "TimelineMeta")),
    "GET /2/users/:id/tweets": ("GetUsersPostsResponse", _listing("Tweet", "TimelineMeta")),
    "GET /2/tweets": ("posts lookup by ids", _listing("Tweet")),
    "GET /2/tweets/:id": ("post lookup by id", _single("Tweet")),
    "GET /2/tweets/search/recent": ("SearchPostsRecentResponse", _listing("Tweet", "TimelineMeta")),
    "POST /2/tweets": (
        "CreatePostsResponse",
        _created(("id", "text"), id=ID, text=STRING, edit_history_tweet_ids=_array(ID)),
    ),
    "DELETE /2/tweets/:id": ("DeletePostsResponse", _created(("deleted",), deleted=BOOLEAN)),
    "GET /2/dm_events": ("GetDirectMessagesEventsResponse", _listing("DmEvent", "DmMeta")),
    "GET /2/dm_conversations/with/:id/dm_events": (
        "GetDirectMessagesEventsByParticipantIdResponse",
        _listing("DmEvent", "DmMeta"),
    ),
    "GET /2/dm_conversations/:id/dm_events": (
        "GetDirectMessagesEventsByConversationIdResponse",
        _listing("DmEvent", "DmMeta"),
    ),
    "POST /2/dm_conversations/with/:id/messages": (
        "CreateDirectMessagesByParticipantIdResponse",
        _created(
            ("dm_conversation_id", "dm_event_id"),
            dm_conversation_id=DEFS["DmEvent"]["properties"]["dm_conversation_id"],
            dm_event_id=ID,
        ),
    ),
}


def schema(shape: dict) -> dict:
    """``shape`` as a standalone JSON Schema (draft 2020-12) with every definition it refers to."""
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": DEFS, **shape}
