"""An in-memory stand-in for ``XGateway``: the same methods, no HTTP, every call recorded.

For service tests that care about what the desk does with X's answers, not about the wire:
sending a queued reply, refusing one, retrying after a fault. Answers are scripted per method
(a value to return, or an ``XError`` to raise), in order; a method without a script answers like
an empty but healthy X (an empty page; a created post or DM with the next fake id). The HTTP
sandbox (``crm_twitter.sandbox``) stays the tool for the gateway itself and for sync, where the
payload shapes, pagination and rate-limit headers are what is tested.

    fake = FakeGateway(x_user_id="900")
    fake.script("create_reply", XBadRequest("gone", code="not_found"))
    ... the service under test calls fake.create_reply(...) and gets the refusal ...
    assert fake.calls_to("create_reply")[0].kwargs["in_reply_to_tweet_id"] == "123"

``FakeGateway.for_account`` has ``XGateway.for_account``'s signature, so a test can put the class
where the service looks the gateway up (``monkeypatch.setattr(module, "XGateway", FakeGateway)``);
the instances it hands out are the ones in ``FakeGateway.made`` — set ``FakeGateway.shared`` to
one instance to script it before the service asks for it.
"""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from crm_twitter.x.errors import XError
from crm_twitter.x.gateway import CallRecord, Page, SentDM, SentPost, text_has_url

# X's endpoint name and billing kind of each method, as XGateway reports them to ``on_call``.
_ENDPOINTS: dict[str, tuple[str, str]] = {
    "get_me": ("GET /2/users/me", "user_read"),
    "get_users": ("GET /2/users", "user_read"),
    "get_mentions": ("GET /2/users/:id/mentions", "post_read"),
    "get_user_posts": ("GET /2/users/:id/tweets", "post_read"),
    "get_tweets": ("GET /2/tweets", "post_read"),
    "search_conversation": ("GET /2/tweets/search/recent", "post_read"),
    "search_own_posts": ("GET /2/tweets/search/recent", "post_read"),
    "get_dm_events": ("GET /2/dm_events", "dm_event_read"),
    "get_dm_conversation_events": ("GET /2/dm_conversations/:id/dm_events", "dm_event_read"),
    "create_reply": ("POST /2/tweets", "reply_to_mention"),
    "create_post": ("POST /2/tweets", "post_create"),
    "send_dm": ("POST /2/dm_conversations/with/:participant_id/messages", "dm_create"),
}


@dataclass(frozen=True)
class FakeCall:
    """One call the code under test made: the method and its keyword arguments."""

    method: str
    kwargs: dict[str, Any]


@dataclass
class FakeGateway:
    """``XGateway``'s interface in memory. Not thread-safe, like the real one."""

    x_user_id: str = ""
    on_call: Callable[[CallRecord], None] | None = None
    calls: list[FakeCall] = field(default_factory=list)
    _scripts: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    _ids: Any = field(default_factory=lambda: itertools.count(1_990_000_000_000_000_001))

    made: ClassVar[list[FakeGateway]] = []
    shared: ClassVar[FakeGateway | None] = None

    @classmethod
    def for_account(cls, account: Any, *, on_call: Callable[[CallRecord], None] | None = None) -> FakeGateway:
        """``XGateway.for_account``'s stand-in: ``shared`` when set, else a new fake for the account."""
        gateway = cls.shared if cls.shared is not None else cls(x_user_id=str(getattr(account, "x_user_id", "")))
        gateway.on_call = on_call
        cls.made.append(gateway)
        return gateway

    @classmethod
    def reset(cls) -> None:
        """Forget the instances handed out and the shared one (call between tests)."""
        cls.made = []
        cls.shared = None

    # --- scripting and inspecting ---------------------------------------------------------------

    def script(self, method: str, *answers: Any) -> FakeGateway:
        """Queue answers for ``method``: each call takes the next one (an exception is raised)."""
        if method not in _ENDPOINTS:
            raise ValueError(f"XGateway has no method {method!r}")
        self._scripts[method].extend(answers)
        return self

    def calls_to(self, method: str) -> list[FakeCall]:
        return [call for call in self.calls if call.method == method]

    def _answer(self, method: str, kwargs: dict[str, Any], default: Callable[[], Any]) -> Any:
        self.calls.append(FakeCall(method, dict(kwargs)))
        answer = self._scripts[method].popleft() if self._scripts[method] else None
        endpoint, kind = _ENDPOINTS[method]
        if method in ("create_reply", "create_post") and text_has_url(kwargs["text"]):
            kind = "post_with_url"  # billed as XGateway bills it
        if isinstance(answer, BaseException):
            status = answer.status_code if isinstance(answer, XError) else None
            self._record(endpoint, status, kind, error=str(answer))
            raise answer
        result = default() if answer is None else answer
        self._record(endpoint, 200 if endpoint.startswith("GET") else 201, kind, ids=_ids_of(result))
        return result

    def _record(self, endpoint: str, status: int | None, kind: str, *, ids=(), error: str = "") -> None:
        if self.on_call is not None:
            self.on_call(
                CallRecord(endpoint=endpoint, status_code=status, resource_kind=kind, resource_ids=ids, error=error)
            )

    def _next_id(self) -> str:
        return str(next(self._ids))

    # --- XGateway's methods -----------------------------------------------------------------------

    def get_me(self) -> dict:
        return self._answer("get_me", {}, lambda: {"id": self.x_user_id, "username": "brand", "name": "Brand"})

    def get_users(self, ids: Sequence[str]) -> Page:
        return self._answer("get_users", {"ids": list(ids)}, _empty_page)

    def get_mentions(self, user_id: str, **kwargs: Any) -> Page:
        return self._answer("get_mentions", {"user_id": user_id, **kwargs}, _empty_page)

    def get_user_posts(self, user_id: str, **kwargs: Any) -> Page:
        return self._answer("get_user_posts", {"user_id": user_id, **kwargs}, _empty_page)

    def get_tweets(self, ids: Sequence[str]) -> Page:
        return self._answer("get_tweets", {"ids": list(ids)}, _empty_page)

    def search_conversation(self, *args: Any, **kwargs: Any) -> Page:
        return self._answer("search_conversation", {"args": list(args), **kwargs}, _empty_page)

    def search_own_posts(self, *args: Any, **kwargs: Any) -> Page:
        return self._answer("search_own_posts", {"args": list(args), **kwargs}, _empty_page)

    def get_dm_events(self, *, pagination_token: str | None = None, max_results: int = 100) -> Page:
        kwargs = {"pagination_token": pagination_token, "max_results": max_results}
        return self._answer("get_dm_events", kwargs, _empty_page)

    def get_dm_conversation_events(self, *args: Any, **kwargs: Any) -> Page:
        return self._answer("get_dm_conversation_events", {"args": list(args), **kwargs}, _empty_page)

    def create_reply(self, *, text: str, in_reply_to_tweet_id: str) -> SentPost:
        kwargs = {"text": text, "in_reply_to_tweet_id": str(in_reply_to_tweet_id)}
        return self._answer("create_reply", kwargs, lambda: SentPost(id=self._next_id(), text=text))

    def create_post(self, *, text: str) -> SentPost:
        return self._answer("create_post", {"text": text}, lambda: SentPost(id=self._next_id(), text=text))

    def send_dm(self, *, participant_id: str, text: str) -> SentDM:
        ids = sorted([self.x_user_id or "0", str(participant_id)])
        return self._answer(
            "send_dm",
            {"participant_id": str(participant_id), "text": text},
            lambda: SentDM(dm_event_id=self._next_id(), dm_conversation_id="-".join(ids)),
        )


def _empty_page() -> Page:
    return Page(data=[], meta={"result_count": 0})


def _ids_of(result: Any) -> tuple[str, ...]:
    if isinstance(result, SentPost):
        return (result.id,)
    if isinstance(result, SentDM):
        return (result.dm_event_id,)
    if isinstance(result, Page):
        return tuple(str(item.get("id")) for item in result.data if isinstance(item, dict) and item.get("id"))
    return ()
