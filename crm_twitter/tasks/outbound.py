"""django-q2 tasks for the send queue: thin wrappers around ``crm_twitter.x.outbound``."""

from __future__ import annotations

from crm_twitter.models import OutboundMessage
from crm_twitter.tasks.rows import unless_gone
from crm_twitter.x.outbound import outbound_drain, outbound_send


def outbound_send_task(message_id: int) -> str:
    """Send one message (enqueued by compose after commit); "gone" if it was deleted meanwhile."""
    return unless_gone(
        OutboundMessage,
        message_id,
        lambda: outbound_send(message_id=message_id).status,
        task="outbound_send_task",
        gone="gone",
    )


def outbound_drain_task(limit: int = 100) -> int:
    """Send what is due: retries after a backoff or a rate-limit reset, and anything never enqueued."""
    return outbound_drain(limit=limit)
