"""The X webhook: the real-time path (X Activity API, Account Activity v1.1) into the shared ingest.

* GET with ``crc_token``: answer X's challenge-response check with
  ``sha256=base64(HMAC-SHA256(consumer secret, crc_token))``.
* POST: verify ``x-twitter-webhooks-signature`` over the raw request bytes (never re-serialised
  JSON: X's escaping differs from Python's), refuse anything unsigned or wrongly signed with 403
  (nothing stored), keep the delivery as a ``WebhookDelivery`` row, answer 200 and process it in
  a django-q2 task (``crm_twitter.x.deliveries``). X Activity API envelopes are read by
  ``crm_twitter.x.activity_events``; v1.1 Account Activity events are converted here to the X API
  v2 shapes ``tweets_ingest`` / ``dm_events_ingest`` take, so a message delivered by the webhook
  and later by a poll is stored once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from crm_twitter.conf import app_settings
from crm_twitter.models import BrandAccount
from crm_twitter.x.account_activity import (  # noqa: F401  (v1.1 readers, also imported from here)
    WebhookPage,
    v1_dm_to_v2,
    v1_tweet_to_v2,
    v1_user_to_v2,
    webhook_deleted_tweet_ids,
    webhook_payload_pages,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


# --- signatures ----------------------------------------------------------------------------------------


def _signature(secret: str, message: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


def crc_response_token(*, crc_token: str, consumer_secret: str) -> str:
    """X's CRC answer: ``sha256=`` + base64 of HMAC-SHA256(consumer secret, crc_token)."""
    return _signature(consumer_secret, crc_token.encode("utf-8"))


def webhook_signature_valid(*, body: bytes, signature: str | None, consumer_secret: str) -> bool:
    """Constant-time check of the signature header against the raw body."""
    if not signature or not consumer_secret:
        return False
    return hmac.compare_digest(_signature(consumer_secret, body).encode(), signature.strip().encode())


# --- the view ------------------------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "POST"])
def x_webhook_view(request: HttpRequest) -> HttpResponse:
    """CRC on GET; on POST a verified delivery is stored, answered 200, and processed by a task.

    Thin: the row is written here (so nothing X sent is lost once it has its 200), everything else
    happens in ``crm_twitter.x.deliveries``.
    """
    from crm_twitter.x.deliveries import webhook_delivery_enqueue, webhook_delivery_store

    secret = app_settings.WEBHOOK_CONSUMER_SECRET
    if not secret:
        logger.error("crm_twitter webhook: WEBHOOK_CONSUMER_SECRET is not set; refusing the request")
        return HttpResponseForbidden("webhook not configured")
    if request.method == "GET":
        token = request.GET.get("crc_token", "")
        if not token:
            return HttpResponse("crc_token missing", status=400)
        return JsonResponse({"response_token": crc_response_token(crc_token=token, consumer_secret=secret)})

    limit = int(app_settings.WEBHOOK_MAX_BODY_BYTES)
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return HttpResponse("bad Content-Length", status=400, content_type="text/plain")
    if declared > limit:
        return HttpResponse(f"body larger than {limit} bytes", status=413, content_type="text/plain")
    try:
        body = request.body  # the raw bytes X signed
    except RequestDataTooBig:
        return HttpResponse("body too large", status=413, content_type="text/plain")
    if len(body) > limit:
        return HttpResponse(f"body larger than {limit} bytes", status=413, content_type="text/plain")
    if not webhook_signature_valid(body=body, signature=request.headers.get(SIGNATURE_HEADER), consumer_secret=secret):
        logger.warning("crm_twitter webhook: refused a request with a missing or wrong signature")
        return HttpResponseForbidden("bad signature")
    with transaction.atomic():
        delivery = webhook_delivery_store(body=body, signature_verified=True)
        webhook_delivery_enqueue(delivery=delivery)
    if delivery.outcome == delivery.Outcome.REJECTED:
        # Kept for the admin, but X (or whoever signed it) is told plainly that it was unusable.
        return HttpResponse(delivery.error, status=400, content_type="text/plain")
    return HttpResponse(status=200)


def webhook_payload_enqueue(*, payload: dict) -> bool:
    """Queue a decoded v1.1 delivery for ingest (after commit), without keeping a row: for callers
    that hold a payload, not a request (the view stores every delivery through
    ``crm_twitter.x.deliveries``). Deliveries without messages or deletions are not queued."""
    if not (
        payload.get("tweet_create_events") or payload.get("direct_message_events") or payload.get("tweet_delete_events")
    ):
        return False
    from django_q.tasks import async_task

    transaction.on_commit(
        lambda: async_task("crm_twitter.tasks.sync.webhook_event_task", payload, group="crm_twitter:webhook")
    )
    return True


def webhook_payload_ingest(*, payload: dict) -> dict[str, int]:
    """Ingest one verified delivery for the account it is for; returns counts of new rows."""
    from crm_twitter.x.ingest import dm_events_ingest, tweets_ingest

    for_user_id = str(payload.get("for_user_id") or "")
    account = BrandAccount.objects.filter(x_user_id=for_user_id).first()
    if account is None:
        logger.warning("crm_twitter webhook: delivery for unknown account %s ignored", for_user_id)
        return {"tweets": 0, "dms": 0}
    tweet_page, dm_page = webhook_payload_pages(payload)
    counts = {"tweets": 0, "dms": 0}
    # The same lock as polling: a delivery racing a poll of the same account stores rows once.
    with transaction.atomic():
        locked = BrandAccount.objects.select_for_update().get(pk=account.pk)
        if tweet_page is not None:
            counts["tweets"] = tweets_ingest(account=locked, page=tweet_page).new_tweets
        if dm_page is not None:
            counts["dms"] = dm_events_ingest(account=locked, page=dm_page).new_dms
        deleted = webhook_deleted_tweet_ids(payload)
        if deleted:
            from crm_twitter.services.message_routing import tweets_deleted_mark

            counts["deleted"] = tweets_deleted_mark(x_ids=deleted)
    return counts
