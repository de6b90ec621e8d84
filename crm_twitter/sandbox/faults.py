"""Fault injection: make the next N requests to an endpoint fail the way X (or the network) does.

Endpoints are named like the gateway names them: ``"GET /2/users/:id/mentions"``. A pattern may
leave out the method (``"/2/tweets"``), use shell wildcards (``"GET /2/dm_*"``) or be ``"*"``.

Kinds:

* ``status``      — answer with an X error body (or ``error_body``) and that status, nothing applied;
* ``rate_limit``  — 429 with ``x-rate-limit-reset`` K seconds ahead (or no reset header at all);
* ``slow``        — wait ``seconds`` before handling the request normally;
* ``timeout_after_processing`` — the request IS applied, then the connection stalls for
  ``stall`` seconds (past the client's timeout) or is closed without an answer;
* ``drop``        — the connection is closed before anything is applied;
* ``malformed``   — a 200 whose body is not JSON (optionally after applying the request).
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("status", "rate_limit", "slow", "timeout_after_processing", "drop", "malformed")


@dataclass
class Fault:
    kind: str
    endpoint: str = "*"
    times: int = 1
    status: int = 503
    reset_in: float = 60.0
    reset_header: bool = True
    seconds: float = 0.2
    stall: float | None = None
    body: str = '{"data": [{"id": "1", "text": '
    process: bool = False
    error_body: str | None = None
    content_type: str = "text/html"  # of ``error_body``
    served: int = field(default=0)

    def matches(self, endpoint: str) -> bool:
        pattern = self.endpoint.strip()
        if pattern in ("*", endpoint):
            return True
        path = endpoint.split(" ", 1)[-1]
        return fnmatch.fnmatchcase(endpoint, pattern) or fnmatch.fnmatchcase(path, pattern)


class Faults:
    """The queue of pending faults; the first matching one is consumed by each request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def inject(self, kind: str, endpoint: str = "*", *, times: int = 1, **params: Any) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(KINDS)}")
        fault = Fault(kind=kind, endpoint=endpoint, times=times, **params)
        with self._lock:
            self._faults.append(fault)
        return fault

    def server_error(self, endpoint: str = "*", *, status: int = 503, times: int = 1) -> Fault:
        return self.inject("status", endpoint, times=times, status=status)

    def error(
        self, endpoint: str = "*", *, status: int, body: str, times: int = 1, content_type: str = "text/html"
    ) -> Fault:
        """Any status with a body of your choosing (a proxy's HTML page, an odd X error …), served
        as ``content_type`` (e.g. an X error labelled the older ``application/json`` way)."""
        return self.inject("status", endpoint, times=times, status=status, error_body=body, content_type=content_type)

    def rate_limit(
        self, endpoint: str = "*", *, reset_in: float = 60, times: int = 1, reset_header: bool = True
    ) -> Fault:
        return self.inject("rate_limit", endpoint, times=times, reset_in=reset_in, reset_header=reset_header)

    def slow(self, endpoint: str = "*", *, seconds: float = 0.2, times: int = 1) -> Fault:
        return self.inject("slow", endpoint, times=times, seconds=seconds)

    def timeout_after_processing(self, endpoint: str = "*", *, times: int = 1, stall: float | None = None) -> Fault:
        """Apply the request, then stall ``stall`` seconds (None: close at once) without answering."""
        return self.inject("timeout_after_processing", endpoint, times=times, stall=stall)

    def drop_connection(self, endpoint: str = "*", *, times: int = 1) -> Fault:
        return self.inject("drop", endpoint, times=times)

    def malformed(
        self, endpoint: str = "*", *, times: int = 1, body: str | None = None, process: bool = False
    ) -> Fault:
        params: dict[str, Any] = {"process": process}
        if body is not None:
            params["body"] = body
        return self.inject("malformed", endpoint, times=times, **params)

    def take(self, endpoint: str) -> Fault | None:
        """The fault to apply to this request, if any (consumes one of its ``times``)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(endpoint):
                    fault.times -= 1
                    fault.served += 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]
