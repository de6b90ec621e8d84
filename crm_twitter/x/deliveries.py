"""Webhook deliveries: store first, answer X, then process into the same ingest as polling.

The business rule: whatever X delivered with a valid signature is kept (a ``WebhookDelivery``
row) before X is told 200, so nothing X sent is lost to a crash, a deploy or a bug — and nothing is
silently dropped: a delivery that cannot be ingested keeps its body with an outcome and an error
the admin sees, and can be processed again once the cause is fixed.

Processing runs under the account's row lock (the same lock polling holds), so a delivery, X's
retry of it and a poll of the same message store it once. A second delivery of an ``event_uuid``
already processed is marked a duplicate and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from crm_twitter.input_decoding import InputDecodeError, json_loads_bounded
from crm_twitter.models import BrandAccount, WebhookDelivery
from crm_twitter.x.activity_events import (
    DM_EVENTS,
    POST_EVENTS,
    ActivityEvent,
    ActivityEventRejected,
    activity_event_pages,
    activity_event_parse,
    is_activity_envelope,
)
from crm_twitter.x.ingest import IngestRejected

logger = logging.getLogger(__name__)

Outcome = WebhookDelivery.Outcome
V1_EVENT_KEYS = ("tweet_create_events", "direct_message_events", "tweet_delete_events")


@dataclass(frozen=True)
class _Frame:
    """What can be read from a body before processing it (for the row's columns)."""

    format: str
    event_uuid: str = ""
    event_types: tuple[str, ...] = ()
    for_user_id: str = ""
    error: str = ""


def _clean(text: str, limit: int) -> str:
    # PostgreSQL refuses NUL in text and jsonb; a body carrying one is malformed JSON anyway.
    return text.replace("\x00", "\ufffd")[:limit]


def _frame(body: Any) -> _Frame:
    if is_activity_envelope(body):
        try:
            event = activity_event_parse(body)
        except ActivityEventRejected as exc:
            return _Frame(format=WebhookDelivery.Format.ACTIVITY, error=str(exc))
        return _Frame(
            format=WebhookDelivery.Format.ACTIVITY,
            event_uuid=_clean(event.event_uuid, 64),
            event_types=(_clean(event.event_type, 64),),
            for_user_id=_clean(event.for_user_id, 32),
        )
    if isinstance(body, dict) and "for_user_id" in body:
        kinds = tuple(key for key in body if key.endswith("_events"))
        return _Frame(
            format=WebhookDelivery.Format.ACCOUNT_ACTIVITY,
            event_types=tuple(_clean(k, 64) for k in kinds[:10]),
            for_user_id=_clean(str(body.get("for_user_id") or ""), 32),
        )
    if isinstance(body, dict) and "data" not in body:
        return _Frame(format=WebhookDelivery.Format.UNKNOWN, error="the envelope has no `data` object")
    return _Frame(format=WebhookDelivery.Format.UNKNOWN, error="not an X Activity or Account Activity envelope")


def webhook_delivery_store(*, body: bytes, signature_verified: bool, source: str = "webhook") -> WebhookDelivery:
    """Keep one verified delivery. A body that is not a JSON object is kept too, already
    ``rejected`` with the reason, so the admin sees what X (or whoever holds the secret) sent."""
    text = body.decode("utf-8", errors="backslashreplace").replace("\x00", "\ufffd")
    outcome, error, frame = Outcome.PENDING, "", _Frame(format=WebhookDelivery.Format.UNKNOWN)
    try:
        decoded = json_loads_bounded(body)
    except InputDecodeError as exc:
        outcome, error = Outcome.REJECTED, f"body is not usable JSON: {exc.message}"
    else:
        if not isinstance(decoded, dict):
            outcome, error = Outcome.REJECTED, "body is not a JSON object"
        else:
            frame = _frame(decoded)
    account_id = None
    if frame.for_user_id:
        account_id = BrandAccount.objects.filter(x_user_id=frame.for_user_id).values_list("pk", flat=True).first()
    delivery = WebhookDelivery.objects.create(
        body=text,
        body_sha256=hashlib.sha256(body).hexdigest(),
        signature_verified=signature_verified,
        source=source[:16],
        format=frame.format,
        event_uuid=frame.event_uuid,
        event_types=list(frame.event_types),
        for_user_id=frame.for_user_id,
        account_id=account_id,
        outcome=outcome,
        error=error,
    )
    if outcome == Outcome.REJECTED:
        logger.warning("crm_twitter webhook: delivery %s kept as rejected: %s", delivery.pk, error)
    return delivery


def webhook_delivery_enqueue(*, delivery: WebhookDelivery) -> bool:
    """Queue processing once the row is committed (nothing to do for a rejected body)."""
    if delivery.outcome != Outcome.PENDING:
        return False
    from django_q.tasks import async_task

    delivery_id = delivery.pk
    # robust: a broker outage must not turn X's answer into a 500 once the row is safe; the row
    # stays pending, visible in the admin, which processes it again.
    transaction.on_commit(
        lambda: async_task(
            "crm_twitter.tasks.sync.webhook_delivery_task",
            delivery_id,
            group="crm_twitter:webhook",
            task_name=f"crm_twitter:webhook-delivery:{delivery_id}",
        ),
        robust=True,
    )
    return True


# --- processing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Result:
    outcome: str
    counts: dict
    error: str = ""


def _ingest_pages(account: BrandAccount, tweet_page: Any, dm_page: Any) -> dict[str, int]:
    from crm_twitter.x.ingest import dm_events_ingest, tweets_ingest

    counts = {"tweets": 0, "dms": 0}
    if tweet_page is not None:
        counts["tweets"] = tweets_ingest(account=account, page=tweet_page).new_tweets
    if dm_page is not None:
        counts["dms"] = dm_events_ingest(account=account, page=dm_page).new_dms
    return counts


def _bill(account: BrandAccount, event: ActivityEvent, tweet_page: Any, dm_page: Any) -> None:
    """X bills XAA per event delivered; its price list has no XAA line, so each event is billed as
    the read of the resource it carries (posts, DM events), deduplicated per UTC day like every
    read — and any other event at ``PRICES["activity_event"]``."""
    from crm_twitter.x.costs import api_call_record
    from crm_twitter.x.gateway import CallRecord

    if tweet_page is not None:
        kind, ids = "post_read", tuple(str(p["id"]) for p in tweet_page.data)
    elif dm_page is not None:
        kind, ids = "dm_event_read", tuple(str(d["id"]) for d in dm_page.data)
    else:
        kind, ids = "activity_event", (event.event_uuid or "event",)
    record = CallRecord(endpoint=f"XAA {event.event_type}"[:128], status_code=200, resource_kind=kind, resource_ids=ids)
    api_call_record(account=account, record=record)


def _process_activity(delivery: WebhookDelivery, body: dict) -> _Result:
    event = activity_event_parse(body)
    if event.event_type not in POST_EVENTS | DM_EVENTS:
        logger.warning(
            "crm_twitter webhook: delivery %s has event type %r, which the desk does not handle; kept",
            delivery.pk,
            event.event_type,
        )
        return _Result(Outcome.UNHANDLED, {}, f"event type {event.event_type!r} is not handled")
    tweet_page, dm_page = activity_event_pages(event)  # validates before anything is written
    account = BrandAccount.objects.select_for_update().filter(x_user_id=event.for_user_id).first()
    if account is None:
        logger.warning("crm_twitter webhook: delivery %s is for unknown account %s", delivery.pk, event.for_user_id)
        return _Result(Outcome.IGNORED, {}, f"no brand account has X user id {event.for_user_id!r}")
    if (
        event.event_uuid
        and WebhookDelivery.objects.filter(event_uuid=event.event_uuid, outcome=Outcome.PROCESSED)
        .exclude(pk=delivery.pk)
        .exists()
    ):
        return _Result(Outcome.DUPLICATE, {})
    counts = _ingest_pages(account, tweet_page, dm_page)
    if delivery.outcome != Outcome.PROCESSED:  # processing it again (the admin) is not a new event
        _bill(account, event, tweet_page, dm_page)
    return _Result(Outcome.PROCESSED, counts)


def _process_account_activity(delivery: WebhookDelivery, body: dict) -> _Result:
    from crm_twitter.x.account_activity import webhook_deleted_tweet_ids, webhook_payload_pages

    if not any(body.get(key) for key in V1_EVENT_KEYS):
        return _Result(Outcome.IGNORED, {}, "no messages or deletions in this delivery")
    for_user_id = str(body.get("for_user_id") or "")
    account = BrandAccount.objects.select_for_update().filter(x_user_id=for_user_id).first()
    if account is None:
        logger.warning("crm_twitter webhook: delivery %s is for unknown account %s", delivery.pk, for_user_id)
        return _Result(Outcome.IGNORED, {}, f"no brand account has X user id {for_user_id!r}")
    tweet_page, dm_page = webhook_payload_pages(body)
    counts = _ingest_pages(account, tweet_page, dm_page)
    deleted = webhook_deleted_tweet_ids(body)
    if deleted:
        from crm_twitter.services.message_routing import tweets_deleted_mark

        counts["deleted"] = tweets_deleted_mark(x_ids=deleted)
    return _Result(Outcome.PROCESSED, counts)


def _process(delivery: WebhookDelivery) -> _Result:
    try:
        body = json_loads_bounded(delivery.body.encode("utf-8", errors="surrogateescape"))
    except InputDecodeError as exc:
        return _Result(Outcome.REJECTED, {}, f"body is not usable JSON: {exc.message}")
    if is_activity_envelope(body):
        return _process_activity(delivery, body)
    if isinstance(body, dict) and "for_user_id" in body:
        return _process_account_activity(delivery, body)
    return _Result(Outcome.REJECTED, {}, _frame(body).error or "not an X envelope")


def webhook_delivery_process(*, delivery_id: int, force: bool = False) -> WebhookDelivery:
    """Ingest one stored delivery; idempotent. Only ``pending`` (or, with ``force``, any) deliveries
    are processed; a rejected page leaves nothing behind, an unexpected error leaves ``failed``."""
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    if delivery.outcome != Outcome.PENDING and not force:
        return delivery
    try:
        with transaction.atomic():
            result = _process(delivery)
            _finish(delivery, result)
    except (ActivityEventRejected, IngestRejected) as exc:
        logger.warning("crm_twitter webhook: delivery %s rejected: %s", delivery.pk, exc)
        _finish(delivery, _Result(Outcome.REJECTED, {}, str(exc)))
    except Exception as exc:  # a bug or an outage must not lose the delivery: keep it as failed
        logger.exception("crm_twitter webhook: processing delivery %s failed", delivery.pk)
        _finish(delivery, _Result(Outcome.FAILED, {}, f"{type(exc).__name__}: {exc}"))
    delivery.refresh_from_db()
    return delivery


def _finish(delivery: WebhookDelivery, result: _Result) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        outcome=result.outcome,
        counts=result.counts,
        error=_clean(result.error, 2000),
        attempts=F("attempts") + 1,
        processed_at=timezone.now(),
    )


def webhook_deliveries_reprocess(*, delivery_ids: Iterable[int]) -> dict[str, int]:
    """Process stored deliveries again (the admin's action): ingest is idempotent, so a delivery
    already processed adds nothing; a rejected or failed one is tried with today's code."""
    outcomes: dict[str, int] = {}
    for delivery_id in delivery_ids:
        delivery = webhook_delivery_process(delivery_id=delivery_id, force=True)
        outcomes[delivery.outcome] = outcomes.get(delivery.outcome, 0) + 1
    return outcomes


# A delivery waits this long for its own task before the catch-up takes it (the task was lost:
# broker down when the view enqueued it, worker restarted mid-task).
CATCH_UP_AFTER = dt.timedelta(minutes=2)
# A failed delivery (an outage or a bug, not bad input) is tried again this many times in all,
# a little later each time; after that it waits for a person (the admin's "process again").
CATCH_UP_MAX_ATTEMPTS = 5


def webhook_deliveries_catch_up(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Process what the webhook stored but nothing processed: ``pending`` rows whose task never ran
    and ``failed`` rows, each retried with a backoff that doubles per attempt. Ingest is idempotent,
    so a delivery that a slow task is processing at the same moment is stored once all the same."""
    now = now or timezone.now()
    stale_pending = Q(outcome=Outcome.PENDING, received_at__lte=now - CATCH_UP_AFTER)
    retryable = Q()
    for attempts in range(1, CATCH_UP_MAX_ATTEMPTS):
        wait = CATCH_UP_AFTER * (2 ** (attempts - 1))
        retryable |= Q(outcome=Outcome.FAILED, attempts=attempts, processed_at__lte=now - wait)
    due = list(
        WebhookDelivery.objects.filter(stale_pending | retryable)
        .order_by("received_at", "pk")
        .values_list("pk", "outcome")[:limit]
    )
    outcomes: dict[str, int] = {}
    for delivery_id, outcome in due:
        # A pending row is processed only if still pending (its own late task may have done it).
        delivery = webhook_delivery_process(delivery_id=delivery_id, force=outcome == Outcome.FAILED)
        outcomes[delivery.outcome] = outcomes.get(delivery.outcome, 0) + 1
    return outcomes
