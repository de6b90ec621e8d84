"""The X Activity API stream: real time for desks that cannot expose a webhook URL.

``GET /2/activity/stream`` carries the same events as the webhook, one JSON object per line, on a
connection the desk opens. Each line goes the webhook's way — kept as a ``WebhookDelivery``
(``source="stream"``; nothing to verify, the connection itself is authenticated), then processed
by the same idempotent ingest — so the stream, the webhook, replays and polling store a message
once. The connection drops sooner or later: it is opened again at once after a clean end, and
after a failure with exponential backoff (1 s doubling to ``max_backoff``, with jitter), reset by
the first event that arrives.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from crm_twitter.x.deliveries import webhook_delivery_process, webhook_delivery_store
from crm_twitter.x.errors import XAuthError, XError
from crm_twitter.x.gateway import XGateway

logger = logging.getLogger(__name__)

STREAM = "/2/activity/stream"
KEEP_ALIVE_GRACE_SECONDS = 30.0  # X sends keep-alives; this long without a byte means a dead connection.


@dataclass(frozen=True)
class StreamResult:
    events: int
    connections: int
    outcomes: dict[str, int]


def activity_stream_consume(
    *,
    gateway: Callable[[], XGateway],
    max_events: int | None = None,
    stop: threading.Event | None = None,
    backoff: float = 1.0,
    max_backoff: float = 60.0,
    read_timeout: float = KEEP_ALIVE_GRACE_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> StreamResult:
    """Read the stream into cases until ``stop`` is set or ``max_events`` lines were processed.

    A refused authentication stops at once (reconnecting would not help); every other failure
    reconnects with backoff.
    """
    stop = stop or threading.Event()
    events = connections = 0
    outcomes: dict[str, int] = {}
    delay = backoff
    while not stop.is_set() and (max_events is None or events < max_events):
        connections += 1
        before = events
        try:
            for line in gateway().stream_lines(STREAM, read_timeout=read_timeout):
                delivery = webhook_delivery_store(body=line, signature_verified=False, source="stream")
                delivery = webhook_delivery_process(delivery_id=delivery.pk)
                outcomes[delivery.outcome] = outcomes.get(delivery.outcome, 0) + 1
                events += 1
                delay = backoff
                if stop.is_set() or (max_events is not None and events >= max_events):
                    break
            else:
                logger.info("crm_twitter stream: the connection ended; reconnecting")
                if events == before:  # ended without an event: do not hammer X
                    sleep(min(delay, max_backoff))
                    delay = min(delay * 2, max_backoff)
                continue
        except XAuthError:
            logger.error("crm_twitter stream: X refused the credentials; stopping")
            raise
        except XError as exc:
            wait = min(delay, max_backoff) * (1 + random.random() / 4)
            logger.warning("crm_twitter stream: %s; reconnecting in %.1f s", exc, wait)
            sleep(wait)
            delay = min(delay * 2, max_backoff)
    return StreamResult(events=events, connections=connections, outcomes=outcomes)
