"""The sandbox's answer to one request: status, body and headers.

Its own module so that the media files and the X Activity API parts, which the state imports, can
answer requests without importing the request handler (which imports the state).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class Reply:
    status: int
    body: dict | bytes | None
    headers: dict[str, str] = field(default_factory=dict)  # a "content-type" here wins over JSON

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if self.body is None:
            return b""
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
