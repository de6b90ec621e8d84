"""The one door to X: tweepy's v2 ``Client`` behind our own dataclasses and exceptions.

Everything that talks to X goes through ``XGateway``. It is the only module importing tweepy, so
an SDK change or a move to X's own client touches one file. It

* sends every request to ``CRM_TWITTER["API_BASE_URL"]`` (X, or the sandbox) — tweepy hard-codes
  its host, so ``_ConfigurableHostClient`` re-implements ``BaseClient.request`` with ours, keeping
  tweepy's authentication (app bearer token, or OAuth 1.0a user context);
* never sleeps on a rate limit (tweepy's ``wait_on_rate_limit`` can block a worker forever when
  the reset header is missing): a 429 becomes ``XRateLimited`` with the reset time;
* reads the ``x-rate-limit-*`` headers of every response;
* hands a ``CallRecord`` to ``on_call`` after every request, failed or not, so the cost governor
  sees every call (endpoint, resources returned or created, rate-limit state).

Raw X JSON is returned untouched (``Page.data`` etc.) so ingest can keep unknown fields.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests
import tweepy
from tweepy.errors import HTTPException, TooManyRequests
from twitter_text import extract_urls

from crm_twitter.conf import app_settings
from crm_twitter.x.errors import (
    XAuthError,
    XBadRequest,
    XError,
    XMalformedResponse,
    XRateLimited,
    XTransientError,
)

if TYPE_CHECKING:
    from crm_twitter.models import BrandAccount

logger = logging.getLogger(__name__)

TWEET_FIELDS = [
    "id",
    "text",
    "author_id",
    "conversation_id",
    "created_at",
    "in_reply_to_user_id",
    "referenced_tweets",
    "entities",
    "public_metrics",
    "lang",
    "attachments",
    "edit_history_tweet_ids",
    "note_tweet",  # long posts: ``text`` is cut at ~280 characters, the whole post is in note_tweet.text
    "withheld",  # content withheld in some countries: kept in raw so an agent knows why it may not show
]
TWEET_EXPANSIONS = [
    "author_id",
    "attachments.media_keys",
    "referenced_tweets.id",
    "in_reply_to_user_id",
    "entities.mentions.username",
]
USER_FIELDS = [
    "id",
    "name",
    "username",
    "public_metrics",
    "verified",
    "protected",
    "location",
    "description",
    "profile_image_url",
    "created_at",
]
MEDIA_FIELDS = ["media_key", "type", "url", "preview_image_url", "width", "height", "alt_text", "variants"]
DM_EVENT_FIELDS = [
    "id",
    "event_type",
    "text",
    "sender_id",
    "participant_ids",
    "dm_conversation_id",
    "created_at",
    "attachments",
    "referenced_tweets",
]
DM_EXPANSIONS = ["sender_id", "attachments.media_keys", "participant_ids"]

LOOKUP_BATCH = 100  # X's limit of ids per users/tweets lookup request.
DEFAULT_RATE_LIMIT_WAIT = dt.timedelta(minutes=15)  # X's rate-limit window, when no reset header says better.

# Route → endpoint name: ids (and DM conversation ids "1-2") become ":id" so calls group by endpoint.
_ROUTE_ID = re.compile(r"^\d+(?:-\d+)?$")
_USERNAME_ROUTE = re.compile(r"^/2/users/by/username/[^/]+")


@dataclass(frozen=True)
class RateLimit:
    limit: int | None = None
    remaining: int | None = None
    reset_at: dt.datetime | None = None

    @classmethod
    def from_headers(cls, headers: Any) -> RateLimit:
        if headers is None:
            return cls()

        def as_int(name: str) -> int | None:
            value = headers.get(name)
            try:
                return int(value) if value is not None else None
            except (TypeError, ValueError):
                return None

        reset = as_int("x-rate-limit-reset")
        reset_at = dt.datetime.fromtimestamp(reset, tz=dt.UTC) if reset is not None else None
        return cls(limit=as_int("x-rate-limit-limit"), remaining=as_int("x-rate-limit-remaining"), reset_at=reset_at)


@dataclass(frozen=True)
class Page:
    """One response of a list endpoint, as X sent it (raw JSON parts)."""

    data: list[dict]
    includes: dict[str, list[dict]] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    rate_limit: RateLimit = field(default_factory=RateLimit)

    @property
    def next_token(self) -> str | None:
        return self.meta.get("next_token") or None


@dataclass(frozen=True)
class CallRecord:
    """What one request to X did; handed to ``on_call`` after every request (success or error)."""

    endpoint: str  # "GET /2/users/:id/mentions"
    status_code: int | None
    resource_kind: str  # a key of PRICES
    resource_ids: tuple[str, ...] = ()
    rate_limit: RateLimit = field(default_factory=RateLimit)
    duration_ms: int = 0
    error: str = ""


@dataclass(frozen=True)
class SentPost:
    id: str
    text: str


@dataclass(frozen=True)
class SentDM:
    dm_event_id: str
    dm_conversation_id: str


def endpoint_name(method: str, route: str) -> str:
    """``("GET", "/2/users/42/mentions")`` → ``"GET /2/users/:id/mentions"``."""
    route = _USERNAME_ROUTE.sub("/2/users/by/username/:username", route)
    version, _, rest = route.lstrip("/").partition("/")
    parts = [":id" if _ROUTE_ID.match(part) else part for part in rest.split("/")]
    return f"{method.upper()} /{version}/{'/'.join(parts)}"


def text_has_url(text: str) -> bool:
    """Whether X would see a link in ``text`` (and bill the post at the URL price)."""
    return bool(extract_urls(text or ""))


class _ConfigurableHostClient(tweepy.Client):
    """tweepy's v2 client sending to our host, with a timeout, never sleeping on 429.

    ``BaseClient.request`` hard-codes ``https://api.twitter.com`` and logs headers (the bearer
    token) at debug level; this re-implementation keeps its authentication and its exceptions,
    and logs neither secrets nor bodies.
    """

    def __init__(self, *, host: str, timeout: float, **credentials: str | None) -> None:
        super().__init__(**credentials, return_type=requests.Response, wait_on_rate_limit=False)
        self.host = host.rstrip("/")
        self.timeout = timeout

    def request(self, method, route, params=None, json=None, user_auth=False):
        headers = {"User-Agent": self.user_agent}
        auth = None
        if user_auth:
            auth = tweepy.OAuth1UserHandler(
                self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret
            ).apply_auth()
        else:
            headers["Authorization"] = f"Bearer {self.bearer_token}"
        logger.debug("X request %s %s", method, route)
        with self.session.request(
            method,
            self.host + route,
            params=params,
            json=json,
            headers=headers,
            auth=auth,
            timeout=self.timeout,
        ) as response:
            status = response.status_code
            if 200 <= status < 300:
                return response
            raise _tweepy_error(response)


def _tweepy_error(response: requests.Response) -> HTTPException:
    """The exception tweepy raises for this status. tweepy parses the body itself and crashes on a
    body that is not an X error object (a proxy's error page, a list…): hand it a safe one."""
    status = response.status_code
    body = _json_body(response)
    reset = response.headers.get("x-rate-limit-reset", "")
    error_class = _TWEEPY_ERRORS.get(status, tweepy.TwitterServerError if status >= 500 else HTTPException)
    extra = {"reset_time": int(reset) if reset.isdigit() else None} if status == 429 else {}
    try:
        return error_class(response, response_json=dict(body), **extra)
    except (TypeError, AttributeError, KeyError):
        return error_class(response, response_json={}, **extra)


_TWEEPY_ERRORS: dict[int, type[HTTPException]] = {
    400: tweepy.BadRequest,
    401: tweepy.Unauthorized,
    403: tweepy.Forbidden,
    404: tweepy.NotFound,
    429: TooManyRequests,
}


def _json_body(response: requests.Response | None) -> dict:
    """The JSON object of an error answer, or ``{}``.

    Read by content, never by label: X's spec serves problem documents as
    ``application/problem+json`` while older answers (and some proxies) say ``application/json``,
    and a gateway's HTML error page is neither — so parse whatever came and keep only an object.
    """
    if response is None:
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# Where X's problem ``type`` addresses live. X documents ``api.x.com`` now; answers recorded in
# 2022–24 (and possibly older edges of X) say ``api.twitter.com``. Both mean the same problem.
PROBLEM_TYPE_PREFIXES = ("https://api.x.com/2/problems/", "https://api.twitter.com/2/problems/")


def problem_type(value: object) -> str:
    """The short name of an X problem ``type`` (``"resource-not-found"``), whichever host it is
    on; ``"about:blank"`` for X's generic problem; ``""`` for anything else.

    Compare problem types through this, never as whole addresses: X moved them from
    api.twitter.com to api.x.com, and a full-address comparison silently misses one of the two.
    """
    text = str(value or "").strip()
    if text == "about:blank":
        return text
    for prefix in PROBLEM_TYPE_PREFIXES:
        if text.startswith(prefix):
            return text.removeprefix(prefix).strip("/")
    return ""


def _problem_text(body: dict) -> tuple[str, str]:
    """(detail, type) of an X error body: problem+json at the top, or the first ``errors`` entry."""
    detail = str(body.get("detail") or body.get("title") or "")
    kind = str(body.get("type") or "")
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        detail = str(first.get("message") or first.get("detail") or detail)
        kind = kind or str(first.get("type") or "")
    return detail, kind


# Query parameters carrying a page cursor: X answers 400 when one is garbage or no longer valid.
_CURSOR_PARAMETERS = frozenset({"pagination_token", "next_token"})


def _invalid_parameters(body: dict) -> set[str]:
    """The request parameters X names in a 400's ``errors[].parameters``."""
    names: set[str] = set()
    errors = body.get("errors")
    for error in errors if isinstance(errors, list) else []:
        parameters = error.get("parameters") if isinstance(error, dict) else None
        if isinstance(parameters, dict):
            names.update(str(name) for name in parameters)
    return names


def _content_code(*, status: int, detail: str, kind: str, endpoint: str, body: dict | None = None) -> str:
    if status == 400 and _invalid_parameters(body or {}) & _CURSOR_PARAMETERS:
        # A stored page cursor X no longer accepts: the caller restarts its walk from the newest page.
        return "invalid_token"
    text = detail.lower()
    if "duplicate" in text:
        return "duplicate"
    if "too long" in text:
        return "too_long"
    if "not been mentioned" in text or "reply to this conversation is not allowed" in text:
        return "reply_not_allowed"
    if "deleted or not visible" in text or status == 404 or problem_type(kind) == "resource-not-found":
        return "not_found"
    if endpoint.endswith("/messages") and status == 403:
        return "dm_not_allowed"
    if status == 403:
        return "forbidden"
    return "invalid"


# 403 problem types that mean "these credentials may not do this" rather than "not this content".
_AUTH_PROBLEMS = frozenset({"unsupported-authentication", "client-forbidden", "not-authorized-for-resource"})


def _translate_http_error(exc: HTTPException, endpoint: str) -> XError:
    response = exc.response
    status = response.status_code if response is not None else None
    body = _json_body(response)
    detail, kind = _problem_text(body)
    detail = detail or (response.reason if response is not None else "") or "HTTP error"
    if isinstance(exc, TooManyRequests) or status == 429:
        reset_at = RateLimit.from_headers(response.headers if response is not None else None).reset_at
        if reset_at is None:
            reset_at = dt.datetime.now(dt.UTC) + DEFAULT_RATE_LIMIT_WAIT
        return XRateLimited(detail, reset_at=reset_at, status_code=429)
    if status is not None and status >= 500:
        return XTransientError(detail, request_sent=True, status_code=status, code="server_error")
    if status == 401:
        return XAuthError(detail, status_code=401, code="auth")
    if status == 403:
        lowered = detail.lower()
        if "suspended" in lowered and "user has been suspended" not in lowered:
            return XAuthError(detail, status_code=403, code="suspended")
        if problem_type(kind) in _AUTH_PROBLEMS or (
            "oauth" in lowered or "authenticat" in lowered or "not permitted to perform this action" in lowered
        ):
            return XAuthError(detail, status_code=403, code="auth")
    return XBadRequest(
        detail,
        status_code=status,
        code=_content_code(status=status or 0, detail=detail, kind=kind, endpoint=endpoint, body=body),
    )


def _translate_network_error(exc: requests.RequestException) -> XTransientError:
    """Connection failures before sending cannot have reached X; anything later may have."""
    if isinstance(exc, requests.ConnectTimeout):
        return XTransientError(f"connect timeout: {exc}", request_sent=False, code="connect_timeout")
    if isinstance(exc, requests.ReadTimeout):
        return XTransientError(f"read timeout: {exc}", request_sent=True, code="timeout")
    if isinstance(exc, requests.ConnectionError):
        text = str(exc)
        never_connected = any(
            marker in text
            for marker in ("NewConnectionError", "Failed to establish", "Connection refused", "NameResolution")
        )
        if never_connected:
            return XTransientError(f"cannot connect: {exc}", request_sent=False, code="connect_error")
        return XTransientError(f"connection lost: {exc}", request_sent=True, code="connection_lost")
    return XTransientError(f"request failed: {exc}", request_sent=False, code="request_error")


def _owned_split(items: list[dict], owner_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    owned = tuple(str(t["id"]) for t in items if owner_id and str(t.get("author_id", "")) == owner_id)
    other = tuple(str(t["id"]) for t in items if not (owner_id and str(t.get("author_id", "")) == owner_id))
    return owned, other


class XGateway:
    """Calls X (or the sandbox) for one brand account. Not thread-safe: one per worker/task."""

    def __init__(
        self,
        *,
        credentials: dict[str, str],
        x_user_id: str = "",
        base_url: str | None = None,
        timeout: float | None = None,
        on_call: Callable[[CallRecord], None] | None = None,
    ) -> None:
        creds = {k: (v or None) for k, v in (credentials or {}).items()}
        self.x_user_id = str(x_user_id or "")
        self.on_call = on_call
        self._has_bearer = bool(creds.get("bearer_token"))
        self._has_user_context = all(
            creds.get(k) for k in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
        )
        self._client = _ConfigurableHostClient(
            host=base_url or app_settings.API_BASE_URL,
            timeout=float(timeout if timeout is not None else app_settings.HTTP_TIMEOUT_SECONDS),
            bearer_token=creds.get("bearer_token"),
            consumer_key=creds.get("consumer_key"),
            consumer_secret=creds.get("consumer_secret"),
            access_token=creds.get("access_token"),
            access_token_secret=creds.get("access_token_secret"),
        )

    @classmethod
    def for_account(cls, account: BrandAccount, *, on_call: Callable[[CallRecord], None] | None = None) -> XGateway:
        """A gateway with the account's stored credentials; calls are recorded on the account."""
        if on_call is None:

            def on_call(record: CallRecord) -> None:
                from crm_twitter.x.costs import api_call_record

                api_call_record(account=account, record=record)

        return cls(credentials=account.get_credentials(), x_user_id=account.x_user_id, on_call=on_call)

    # --- authentication choice ----------------------------------------------------------------

    def _user_auth(self) -> bool:
        """User-context calls (mentions, own posts, DMs, posting): OAuth 1.0a when we have it,
        otherwise the bearer token, which then must be an OAuth 2.0 user token."""
        if self._has_user_context:
            return True
        if self._has_bearer:
            return False
        raise XAuthError("no X credentials configured for this account", code="auth")

    def _app_auth(self) -> bool:
        """App reads (users, tweets, search): the bearer token when present."""
        if self._has_bearer:
            return False
        if self._has_user_context:
            return True
        raise XAuthError("no X credentials configured for this account", code="auth")

    # --- the request core --------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        route: str,
        call: Callable[[], Any],
        classify: Callable[[dict], list[tuple[str, tuple[str, ...]]]],
        *,
        kind_on_error: str,
    ) -> tuple[dict, RateLimit]:
        """Run one tweepy call; record it; return (JSON body, rate limit) or raise our error."""
        endpoint = endpoint_name(method, route)
        started = time.monotonic()
        status: int | None = None
        rate_limit = RateLimit()
        try:
            try:
                response = call()
            except HTTPException as exc:
                if exc.response is not None:
                    status = exc.response.status_code
                    rate_limit = RateLimit.from_headers(exc.response.headers)
                raise _translate_http_error(exc, endpoint) from exc
            except requests.RequestException as exc:
                raise _translate_network_error(exc) from exc
            status = response.status_code
            rate_limit = RateLimit.from_headers(response.headers)
            try:
                body = response.json()
            except ValueError:
                raise XMalformedResponse(f"response is not JSON ({len(response.content)} bytes)", status_code=status)
            if not isinstance(body, dict):
                raise XMalformedResponse("response JSON is not an object", status_code=status)
            records = classify(body)
        except XError as exc:
            self._record(
                CallRecord(
                    endpoint=endpoint,
                    status_code=status if status is not None else exc.status_code,
                    resource_kind=kind_on_error,
                    rate_limit=rate_limit,
                    duration_ms=int((time.monotonic() - started) * 1000),
                    error=f"{type(exc).__name__}: {exc}"[:1000],
                )
            )
            raise
        duration = int((time.monotonic() - started) * 1000)
        for index, (kind, ids) in enumerate(records):
            self._record(
                CallRecord(
                    endpoint=endpoint,
                    status_code=status,
                    resource_kind=kind,
                    resource_ids=ids,
                    rate_limit=rate_limit,
                    duration_ms=duration if index == 0 else 0,
                )
            )
        return body, rate_limit

    def _record(self, record: CallRecord) -> None:
        if self.on_call is None:
            return
        try:
            self.on_call(record)
        except Exception:
            # Recording is bookkeeping: it must never turn a successful call to X into a failure.
            logger.exception("recording X call %s failed", record.endpoint)

    def request_json(
        self,
        method: str,
        route: str,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        user_context: bool = False,
        resource_kind: str = "activity_manage",
    ) -> dict:
        """An X endpoint tweepy has no method for (X Activity API, v2 webhooks): plain HTTP to the
        configured host with tweepy's authentication (the app's bearer token, or the account's user
        context), our exceptions and a call record. Management calls bill no resources."""
        user_auth = self._user_auth() if user_context else self._app_auth()
        body, _ = self._call(
            method,
            route,
            lambda: self._client.request(method, route, params=params, json=json, user_auth=user_auth),
            lambda body: [(resource_kind, ())],
            kind_on_error=resource_kind,
        )
        return body

    def stream_lines(self, route: str, *, read_timeout: float) -> Iterator[bytes]:
        """The non-empty lines of a long-lived streaming endpoint (``GET /2/activity/stream``),
        with the app's bearer token, until the connection ends. ``read_timeout`` bounds the wait
        for each line (X sends keep-alive newlines), so a silent, half-dead connection ends too.
        Errors are ours: a refused connection is an ``XError``, a broken one ``XTransientError``."""
        user_auth = self._app_auth()
        client = self._client
        headers = {"User-Agent": client.user_agent}
        auth = None
        if user_auth:
            auth = tweepy.OAuth1UserHandler(
                client.consumer_key, client.consumer_secret, client.access_token, client.access_token_secret
            ).apply_auth()
        else:
            headers["Authorization"] = f"Bearer {client.bearer_token}"
        try:
            with client.session.get(
                client.host + route,
                headers=headers,
                auth=auth,
                stream=True,
                timeout=(client.timeout, read_timeout),
            ) as response:
                if not 200 <= response.status_code < 300:
                    raise _translate_http_error(_tweepy_error(response), endpoint_name("GET", route))
                # Byte by byte: a bigger chunk would wait for more bytes than a quiet stream sends.
                for line in response.iter_lines(chunk_size=1):
                    if line and line.strip():
                        yield line
        except requests.RequestException as exc:
            raise _translate_network_error(exc) from exc

    # --- response shapes ---------------------------------------------------------------------------

    @staticmethod
    def _page(body: dict, rate_limit: RateLimit) -> Page:
        data = body.get("data", [])
        includes = body.get("includes", {})
        meta = body.get("meta", {})
        errors = body.get("errors", [])
        return Page(data=data, includes=includes, meta=meta, errors=errors, rate_limit=rate_limit)

    @staticmethod
    def _check_list(body: dict, *, needs: Sequence[str] = ("id",)) -> list[dict]:
        """The documented list shape, or XMalformedResponse (ingest must never see half a page)."""
        data = body.get("data", [])
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise XMalformedResponse("`data` is not a list of objects")
        for item in data:
            missing = [name for name in needs if name not in item]
            if missing:
                raise XMalformedResponse(f"item without {', '.join(missing)}: {str(item)[:200]}")
        includes = body.get("includes", {})
        if not isinstance(includes, dict) or not all(isinstance(v, list) for v in includes.values()):
            raise XMalformedResponse("`includes` is not an object of lists")
        if not isinstance(body.get("meta", {}), dict):
            raise XMalformedResponse("`meta` is not an object")
        if not isinstance(body.get("errors", []), list):
            raise XMalformedResponse("`errors` is not a list")
        if "data" not in body and "errors" not in body and "meta" not in body:
            raise XMalformedResponse("response has neither data, meta nor errors")
        return data

    def _tweets_classifier(self, *, all_owned: bool = False) -> Callable[[dict], list[tuple[str, tuple[str, ...]]]]:
        def classify(body: dict) -> list[tuple[str, tuple[str, ...]]]:
            data = self._check_list(body, needs=("id", "text"))
            if all_owned:
                return [("owned_read", tuple(str(t["id"]) for t in data))]
            owned, other = _owned_split(data, self.x_user_id)
            records = [("post_read", other)] if other or not owned else []
            if owned:
                records.append(("owned_read", owned))
            return records

        return classify

    def _list_classifier(self, kind: str, needs: Sequence[str] = ("id",)) -> Callable[[dict], list]:
        def classify(body: dict) -> list[tuple[str, tuple[str, ...]]]:
            data = self._check_list(body, needs=needs)
            return [(kind, tuple(str(item["id"]) for item in data))]

        return classify

    @staticmethod
    def _merge(pages: list[Page]) -> Page:
        if len(pages) == 1:
            return pages[0]
        data: list[dict] = []
        includes: dict[str, list[dict]] = {}
        errors: list[dict] = []
        for page in pages:
            data.extend(page.data)
            errors.extend(page.errors)
            for key, items in page.includes.items():
                includes.setdefault(key, []).extend(items)
        meta = {"result_count": len(data)}
        return Page(data=data, includes=includes, meta=meta, errors=errors, rate_limit=pages[-1].rate_limit)

    # --- users -------------------------------------------------------------------------------------

    def get_me(self) -> dict:
        """The authenticated user (checks the credentials; fills ``x_user_id`` when unknown)."""
        user_auth = self._user_auth()

        def classify(body: dict) -> list[tuple[str, tuple[str, ...]]]:
            data = body.get("data")
            if not isinstance(data, dict) or "id" not in data or "username" not in data:
                raise XMalformedResponse("users/me: `data` is not a user object")
            return [("user_read", (str(data["id"]),))]

        body, _ = self._call(
            "GET",
            "/2/users/me",
            lambda: self._client.get_me(user_auth=user_auth, user_fields=USER_FIELDS),
            classify,
            kind_on_error="user_read",
        )
        me = body["data"]
        if not self.x_user_id:
            self.x_user_id = str(me["id"])
        return me

    def get_users(self, ids: Sequence[str]) -> Page:
        """Profiles of the given users (followers, verified, location…), 100 ids per request."""
        ids = [str(i) for i in dict.fromkeys(ids) if i]
        if not ids:
            return Page(data=[], meta={"result_count": 0})
        user_auth = self._app_auth()
        pages = []
        for start in range(0, len(ids), LOOKUP_BATCH):
            batch = ids[start : start + LOOKUP_BATCH]
            body, rate_limit = self._call(
                "GET",
                "/2/users",
                lambda batch=batch: self._client.get_users(ids=batch, user_auth=user_auth, user_fields=USER_FIELDS),
                self._list_classifier("user_read", needs=("id", "username")),
                kind_on_error="user_read",
            )
            pages.append(self._page(body, rate_limit))
        return self._merge(pages)

    # --- tweets ------------------------------------------------------------------------------------

    def _tweet_params(self) -> dict[str, Any]:
        return {
            "tweet_fields": TWEET_FIELDS,
            "expansions": TWEET_EXPANSIONS,
            "user_fields": USER_FIELDS,
            "media_fields": MEDIA_FIELDS,
        }

    def get_mentions(
        self, user_id: str, *, since_id: str | None = None, pagination_token: str | None = None, max_results: int = 100
    ) -> Page:
        """One page of the mentions timeline, newest first (X reaches only the latest 800)."""
        return self._user_timeline(
            "mentions",
            user_id,
            owned=True,
            since_id=since_id,
            pagination_token=pagination_token,
            max_results=max_results,
        )

    def get_user_posts(
        self, user_id: str, *, since_id: str | None = None, pagination_token: str | None = None, max_results: int = 100
    ) -> Page:
        """One page of a user's posts, newest first (the brand's own: replies sent from X itself)."""
        owned = bool(self.x_user_id) and str(user_id) == self.x_user_id
        return self._user_timeline(
            "tweets",
            user_id,
            owned=owned,
            since_id=since_id,
            pagination_token=pagination_token,
            max_results=max_results,
        )

    def _user_timeline(
        self,
        timeline: str,
        user_id: str,
        *,
        owned: bool,
        since_id: str | None,
        pagination_token: str | None,
        max_results: int,
    ) -> Page:
        """``/2/users/:id/mentions`` or ``/2/users/:id/tweets``; reads of the account's own
        timeline are billed as owned reads."""
        user_auth = self._user_auth()
        fetch = self._client.get_users_mentions if timeline == "mentions" else self._client.get_users_tweets
        body, rate_limit = self._call(
            "GET",
            f"/2/users/{user_id}/{timeline}",
            lambda: fetch(
                user_id,
                user_auth=user_auth,
                since_id=since_id or None,
                pagination_token=pagination_token or None,
                max_results=max_results,
                **self._tweet_params(),
            ),
            self._tweets_classifier(all_owned=owned),
            kind_on_error="owned_read" if owned else "post_read",
        )
        return self._page(body, rate_limit)

    def get_tweets(self, ids: Sequence[str]) -> Page:
        """Posts by id (e.g. the parent of a reply), 100 ids per request; missing ones are in
        ``errors`` (resource-not-found), never an exception."""
        ids = [str(i) for i in dict.fromkeys(ids) if i]
        if not ids:
            return Page(data=[], meta={"result_count": 0})
        user_auth = self._app_auth()
        pages = []
        for start in range(0, len(ids), LOOKUP_BATCH):
            batch = ids[start : start + LOOKUP_BATCH]
            body, rate_limit = self._call(
                "GET",
                "/2/tweets",
                lambda batch=batch: self._client.get_tweets(batch, user_auth=user_auth, **self._tweet_params()),
                self._tweets_classifier(),
                kind_on_error="post_read",
            )
            pages.append(self._page(body, rate_limit))
        return self._merge(pages)

    def search_conversation(
        self,
        conversation_id: str,
        *,
        since_id: str | None = None,
        pagination_token: str | None = None,
        from_user_id: str = "",
        start_time: dt.datetime | None = None,
    ) -> Page:
        """One page of the posts of a conversation (recent search: the last 7 days only).

        ``from_user_id`` narrows it to one author's posts (``from:`` takes X's numeric id, which a
        rename does not change): the brand's own replies in a thread, however busy the account.
        """
        user_auth = self._app_auth()
        query = f"conversation_id:{conversation_id}"
        if from_user_id:
            query += f" from:{from_user_id}"
        body, rate_limit = self._call(
            "GET",
            "/2/tweets/search/recent",
            lambda: self._client.search_recent_tweets(
                query,
                user_auth=user_auth,
                since_id=since_id or None,
                start_time=start_time,
                next_token=pagination_token or None,
                max_results=100,
                **self._tweet_params(),
            ),
            self._tweets_classifier(),
            kind_on_error="post_read",
        )
        return self._page(body, rate_limit)

    def search_own_posts(
        self, from_user_id: str, *, start_time: dt.datetime | None = None, pagination_token: str | None = None
    ) -> Page:
        """One page of an account's own standalone posts (no replies, no retweets) from ``start_time``
        on (recent search, the last 7 days): where an incident's status update is looked for."""
        user_auth = self._app_auth()
        query = f"from:{from_user_id} -is:reply -is:retweet"
        body, rate_limit = self._call(
            "GET",
            "/2/tweets/search/recent",
            lambda: self._client.search_recent_tweets(
                query,
                user_auth=user_auth,
                start_time=start_time,
                next_token=pagination_token or None,
                max_results=100,
                **self._tweet_params(),
            ),
            self._tweets_classifier(),
            kind_on_error="post_read",
        )
        return self._page(body, rate_limit)

    # --- direct messages ---------------------------------------------------------------------------

    def _dm_params(self) -> dict[str, Any]:
        return {
            "dm_event_fields": DM_EVENT_FIELDS,
            "expansions": DM_EXPANSIONS,
            "user_fields": USER_FIELDS,
            "media_fields": MEDIA_FIELDS,
        }

    def get_dm_events(self, *, pagination_token: str | None = None, max_results: int = 100) -> Page:
        """One page of the account's DM events, newest first (30 days back; no since_id)."""
        user_auth = self._user_auth()
        body, rate_limit = self._call(
            "GET",
            "/2/dm_events",
            lambda: self._client.get_direct_message_events(
                user_auth=user_auth,
                pagination_token=pagination_token or None,
                max_results=max_results,
                **self._dm_params(),
            ),
            self._list_classifier("dm_event_read", needs=("id", "event_type")),
            kind_on_error="dm_event_read",
        )
        return self._page(body, rate_limit)

    def get_dm_conversation_events(
        self, participant_id: str, *, pagination_token: str | None = None, max_results: int = 100
    ) -> Page:
        """One page of the one-to-one conversation with ``participant_id``, newest first."""
        user_auth = self._user_auth()
        body, rate_limit = self._call(
            "GET",
            f"/2/dm_conversations/with/{participant_id}/dm_events",
            lambda: self._client.get_direct_message_events(
                participant_id=participant_id,
                user_auth=user_auth,
                pagination_token=pagination_token or None,
                max_results=max_results,
                **self._dm_params(),
            ),
            self._list_classifier("dm_event_read", needs=("id", "event_type")),
            kind_on_error="dm_event_read",
        )
        return self._page(body, rate_limit)

    # --- writes ------------------------------------------------------------------------------------

    def _create_tweet(self, *, text: str, in_reply_to_tweet_id: str | None, kind: str) -> SentPost:
        user_auth = self._user_auth()

        def classify(body: dict) -> list[tuple[str, tuple[str, ...]]]:
            data = body.get("data")
            if not isinstance(data, dict) or "id" not in data:
                raise XMalformedResponse("POST /2/tweets: `data` has no id")
            return [(kind, (str(data["id"]),))]

        body, _ = self._call(
            "POST",
            "/2/tweets",
            lambda: self._client.create_tweet(
                text=text, in_reply_to_tweet_id=in_reply_to_tweet_id, user_auth=user_auth
            ),
            classify,
            kind_on_error=kind,
        )
        data = body["data"]
        return SentPost(id=str(data["id"]), text=str(data.get("text", text)))

    def create_reply(self, *, text: str, in_reply_to_tweet_id: str) -> SentPost:
        """A public reply. Since Feb 2026 X lets self-serve API apps reply only to posts whose author
        mentioned or quoted the account, so a successful reply is billed as a reply to a mention."""
        kind = "post_with_url" if text_has_url(text) else "reply_to_mention"
        return self._create_tweet(text=text, in_reply_to_tweet_id=str(in_reply_to_tweet_id), kind=kind)

    def create_post(self, *, text: str) -> SentPost:
        kind = "post_with_url" if text_has_url(text) else "post_create"
        return self._create_tweet(text=text, in_reply_to_tweet_id=None, kind=kind)

    def send_dm(self, *, participant_id: str, text: str) -> SentDM:
        """A DM in the one-to-one conversation with ``participant_id``."""
        user_auth = self._user_auth()

        def classify(body: dict) -> list[tuple[str, tuple[str, ...]]]:
            data = body.get("data")
            if not isinstance(data, dict) or "dm_event_id" not in data or "dm_conversation_id" not in data:
                raise XMalformedResponse("POST dm: `data` lacks dm_event_id/dm_conversation_id")
            return [("dm_create", (str(data["dm_event_id"]),))]

        body, _ = self._call(
            "POST",
            f"/2/dm_conversations/with/{participant_id}/messages",
            lambda: self._client.create_direct_message(participant_id=participant_id, text=text, user_auth=user_auth),
            classify,
            kind_on_error="dm_create",
        )
        data = body["data"]
        return SentDM(dm_event_id=str(data["dm_event_id"]), dm_conversation_id=str(data["dm_conversation_id"]))

    # --- media files ---------------------------------------------------------------------------------

    def media_opener(self) -> Callable[[requests.Session, str, tuple[float, float]], requests.Response]:
        """How the media archive opens a DM attachment: X serves DM media (``ton.twitter.com``) only
        to a participant, signed with the account's OAuth 1.0a user context (or its OAuth 2.0 user
        token). The archive supplies the session (its guarded one) and reads the streamed answer."""
        client = self._client
        user_context = self._has_user_context
        if not user_context and not self._has_bearer:
            raise XAuthError("no X credentials configured for this account", code="auth")

        def open_media(session: requests.Session, url: str, timeout: tuple[float, float]) -> requests.Response:
            headers = {"User-Agent": client.user_agent}
            auth = None
            if user_context:
                auth = tweepy.OAuth1UserHandler(
                    client.consumer_key, client.consumer_secret, client.access_token, client.access_token_secret
                ).apply_auth()
            else:
                headers["Authorization"] = f"Bearer {client.bearer_token}"
            return session.get(url, headers=headers, auth=auth, stream=True, allow_redirects=False, timeout=timeout)

        return open_media
