"""The errors the X gateway raises: a small, stable set that callers can branch on.

Nothing outside ``crm_twitter.x.gateway`` ever sees a tweepy or requests exception. Callers
decide by class (retry later, re-authenticate, give up) and, for content refusals, by ``code``
(a stable string, never X's wording, which changes).
"""

from __future__ import annotations

import datetime as dt


class XError(Exception):
    """Base class. ``code`` is stable and machine-readable; ``detail`` is X's own explanation."""

    default_code = "error"

    def __init__(self, detail: str = "", *, status_code: int | None = None, code: str | None = None) -> None:
        self.detail = detail
        self.status_code = status_code
        self.code = code or self.default_code
        super().__init__(f"{self.code}: {detail}" if detail else self.code)


class XRateLimited(XError):
    """429: stop calling this endpoint until ``reset_at`` (UTC)."""

    default_code = "rate_limited"

    def __init__(
        self,
        detail: str = "",
        *,
        reset_at: dt.datetime,
        status_code: int | None = 429,
        code: str | None = None,
    ) -> None:
        self.reset_at = reset_at
        super().__init__(detail, status_code=status_code, code=code)


class XAuthError(XError):
    """401, 403 for authentication/permission reasons, or a suspended account (code "suspended")."""

    default_code = "auth"


class XTransientError(XError):
    """5xx or a network failure; worth retrying later.

    ``request_sent`` is True when X may have received and applied the request (a read timeout, a
    connection dropped after sending): a create must then be checked before it is retried.
    """

    default_code = "transient"

    def __init__(
        self,
        detail: str = "",
        *,
        request_sent: bool,
        status_code: int | None = None,
        code: str | None = None,
    ) -> None:
        self.request_sent = request_sent
        super().__init__(detail, status_code=status_code, code=code)


class XBadRequest(XError):
    """X refused the content of a request (400/403/404).

    Codes: "not_found", "reply_not_allowed", "dm_not_allowed", "duplicate", "too_long", "invalid",
    "invalid_token" (a pagination token X no longer accepts), "forbidden". Retrying the same
    request will not help.
    """

    default_code = "invalid"


class XMalformedResponse(XError):
    """The response body is not JSON, or not the documented shape."""

    default_code = "malformed"
