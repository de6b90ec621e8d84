"""Inputs handed to the case services in bulk by ingest (and one at a time by everything else).

They are plain frozen dataclasses so ingest can build thousands of them in memory and the
workflow engine can apply its rules set-wise, with a fixed number of queries per batch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Channel = Literal["public", "dm"]


@dataclass(frozen=True)
class CaseOpenSpec:
    """A new case to open for a customer's first message."""

    customer_id: int
    brand_account_id: int
    opened_at: dt.datetime
    customer_x_user_id: int | None = None
    language: str = ""
    text: str = ""  # the first message: used for category suggestion, risk words and priority
    channel: Channel = "public"
    reach: int = 0  # followers of the author
    engagement: int = 0  # likes + retweets + replies + quotes on the first message
    conversation_id: str = ""
    mentions_executive: bool = False
    contains_private_data: bool = False
    reopened_from_id: int | None = None


@dataclass(frozen=True)
class MessageArrival:
    """An inbound customer message that joined an existing case."""

    case_id: int
    at: dt.datetime
    channel: Channel
    text: str = ""
    is_public_nudge: bool = False  # a public tweet while the case was in DM
    mentions_executive: bool = False
    contains_private_data: bool = False
    engagement: int = 0


@dataclass(frozen=True)
class ResponseArrival:
    """An outbound brand message (sent by the desk, or by an agent from X itself)."""

    case_id: int
    at: dt.datetime
    channel: Channel
    actor_id: int | None = None
    data: dict = field(default_factory=dict)
