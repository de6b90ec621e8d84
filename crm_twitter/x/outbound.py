"""The send queue worker: deliver each OutboundMessage to X exactly once.

States: ``queued → sending → sent | failed`` (``cancelled`` by an agent before sending).

Exactly once toward X:

* **One worker per message.** A worker *claims* a message before calling X: on PostgreSQL the
  row is locked with ``SELECT … FOR UPDATE SKIP LOCKED`` (a second worker skips it instead of
  waiting), and on every database the claim is a conditional ``UPDATE … WHERE status='queued'``,
  so of two workers racing only one sees "1 row updated".
* **Look before resending.** When a send may have reached X without us seeing the answer (read
  timeout, dropped connection, 5xx, a garbled response, a worker that died mid-send), the
  message is marked ``ambiguous``. The next attempt first asks X what it became, in ways X
  answers exactly (``crm_twitter.x.sent_lookup``): the post's own id when X returned one, else the
  brand's posts in the conversation the reply went into (recent search
  ``conversation_id:… from:<brand id>``), or the DM conversation with the recipient; if it is
  there, it is recorded as sent instead of being posted a second time.
* **A duplicate refusal is evidence, not a failure.** X refuses a post whose text the account
  already posted. The desk then looks in the conversation: the same words under the same post are
  recorded as this message's delivery. When they are not (yet) visible and an earlier attempt may
  have posted them, the message waits and looks again — X's search lags behind its timelines — and
  is never failed with advice to edit the text, which would post the reply twice. Only a message
  that cannot have reached X is told to personalise its words.
* **Lookups wait their own turn.** When X rate-limits a lookup (DM conversations allow 15 reads
  per 15 minutes), the ambiguous messages that need it wait for the window; the account's other
  messages go on being sent.
* **Stale claims.** A message left in ``sending`` longer than ``OUTBOUND_CLAIM_TIMEOUT_SECONDS``
  (its worker died) goes back to the queue as ambiguous.

An incident's public status update (channel ``post``, no case) goes out the same way, as a post
of its own: an ambiguous one is looked for among the brand's standalone posts since it was
written, an older post with the same words is never taken for it, and its delivery or failure is
recorded on the incident (an ``IncidentEvent`` STATUS_UPDATE) instead of a case.

Failures never crash a worker: a 429 waits for X's reset time, transient errors back off
exponentially (``OUTBOUND_BACKOFF_SECONDS`` … ``OUTBOUND_MAX_BACKOFF_SECONDS``) up to
``OUTBOUND_MAX_ATTEMPTS``, and content or authentication refusals fail at once with a reason the
agent can act on (stored on the message, a REPLY_FAILED event and a notification).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.models import (
    BrandAccount,
    CaseEvent,
    Direction,
    DirectMessage,
    IncidentEvent,
    Notification,
    OutboundMessage,
    Party,
    Tweet,
    XUser,
)
from crm_twitter.roles import Ability, users_with
from crm_twitter.services.case_inputs import ResponseArrival
from crm_twitter.services.compose import REPLY_RULE_EXPLANATION, reply_target_default
from crm_twitter.x.errors import (
    XAuthError,
    XBadRequest,
    XError,
    XMalformedResponse,
    XRateLimited,
    XTransientError,
)
from crm_twitter.x.gateway import XGateway
from crm_twitter.x.sent_lookup import (
    LOOKUP_CLOCK_SKEW,
    Delivered,
    OutOfSearchReach,
    dm_find,
    post_find_by_id,
    post_find_in_conversation,
    post_find_standalone,
)

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status

__all__ = ["Delivered", "outbound_claim", "outbound_claims_expire", "outbound_drain", "outbound_send"]


class _LookupRateLimited(Exception):
    """X rate-limited a lookup (not a send): only the messages needing that lookup wait."""

    def __init__(self, error: XRateLimited) -> None:
        self.error = error
        super().__init__(str(error))


# --- claiming ---------------------------------------------------------------------------------


def _due() -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())


def outbound_claim(*, message_id: int) -> OutboundMessage | None:
    """Claim a due queued message for this worker (status → sending, attempts + 1), or None."""
    now = timezone.now()
    with transaction.atomic():
        qs = OutboundMessage.objects.filter(pk=message_id, status=Status.QUEUED).filter(_due())
        # PostgreSQL: another worker holding the row lock is claiming it — skip it, do not wait.
        skip_locked = connection.features.has_select_for_update_skip_locked
        if skip_locked and qs.select_for_update(skip_locked=True).values_list("pk", flat=True).first() is None:
            return None
        claimed = qs.update(status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=now, updated_at=now)
    if not claimed:
        return None
    return OutboundMessage.objects.select_related("case", "incident", "brand_account", "recipient", "created_by").get(
        pk=message_id
    )


def outbound_claims_expire(*, now: dt.datetime | None = None) -> int:
    """Return messages stuck in ``sending`` (their worker died) to the queue, marked ambiguous."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=app_settings.OUTBOUND_CLAIM_TIMEOUT_SECONDS)
    return OutboundMessage.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff).update(
        status=Status.QUEUED,
        ambiguous=True,
        claimed_at=None,
        next_attempt_at=now,
        error_code="stale_claim",
        last_error="The worker sending this message stopped; X is checked before it is sent again.",
        updated_at=now,
    )


def _still_ours(message: OutboundMessage):
    """The row as long as this worker's claim holds (guards against a stale-claim takeover)."""
    return OutboundMessage.objects.filter(pk=message.pk, status=Status.SENDING, claimed_at=message.claimed_at)


# --- sending ----------------------------------------------------------------------------------


def outbound_send(*, message_id: int) -> OutboundMessage:
    """Send one queued message to X if it is due and no other worker has it; record the outcome."""
    message = outbound_claim(message_id=message_id)
    if message is None:
        return OutboundMessage.objects.get(pk=message_id)
    return _send_claimed(message)


def _send_claimed(message: OutboundMessage) -> OutboundMessage:
    try:
        gateway = XGateway.for_account(message.brand_account, on_call=_call_recorder(message))
        delivered = _find_on_x(gateway, message) if message.ambiguous else None
        if delivered is None:
            try:
                delivered = _deliver(gateway, message)
            except XBadRequest as exc:
                if exc.code != "duplicate" or message.channel == OutboundMessage.Channel.DM:
                    raise
                # X has these words from the brand already: find them before calling anything a failure.
                # A status update replies to nobody: an older post with its words is not its delivery,
                # only one since the message was written (after an attempt that may have got through).
                if message.channel == OutboundMessage.Channel.POST:
                    delivered = _find_on_x(gateway, message) if message.ambiguous else None
                else:
                    delivered = _find_on_x(gateway, message, any_time=True)
                if delivered is None:
                    return _duplicate_not_found(message)
            else:
                _x_id_record(message, delivered)
    except _LookupRateLimited as exc:
        return _wait_for_lookup(message, exc.error)
    except OutOfSearchReach:
        return _fail(message, code="unverifiable", reason=_unverifiable_reason(message), ambiguous=True)
    except XRateLimited as exc:
        return _requeue_after_rate_limit(message, exc)
    except XTransientError as exc:
        maybe_delivered = exc.request_sent or exc.status_code is not None
        return _retry_later(message, code=exc.code, detail=str(exc.detail or exc), maybe_delivered=maybe_delivered)
    except XMalformedResponse as exc:
        return _retry_later(message, code=exc.code, detail=str(exc.detail or exc), maybe_delivered=True)
    except XAuthError as exc:
        return _fail(message, code=exc.code, reason=_auth_reason(message, exc), account_alert=True)
    except XBadRequest as exc:
        return _fail(message, code=exc.code, reason=_bad_request_reason(message, exc))
    except XError as exc:
        return _retry_later(message, code=exc.code, detail=str(exc), maybe_delivered=True)
    except Exception as exc:  # a bug or an outage must not kill the worker nor lose the message
        logger.exception("crm_twitter: unexpected error sending outbound message %s", message.pk)
        return _retry_later(message, code="internal", detail=type(exc).__name__, maybe_delivered=True)
    return _mark_sent(message, delivered)


def outbound_drain(*, limit: int = 100) -> int:
    """Send up to ``limit`` due queued messages (oldest first); returns how many were sent.

    Safe to run in several workers at once: each message is claimed by exactly one of them.
    """
    outbound_claims_expire()
    due = (
        OutboundMessage.objects.filter(status=Status.QUEUED)
        .filter(_due())
        .order_by(F("next_attempt_at").asc(nulls_first=True), "created_at", "id")
        .values_list("pk", "brand_account_id")[:limit]
    )
    sent = 0
    rate_limited_accounts: set[int] = set()
    for message_id, account_id in list(due):
        if account_id in rate_limited_accounts:
            continue  # X said wait: the rest of this account's messages wait for the next drain
        try:
            message = outbound_claim(message_id=message_id)
            if message is None:
                continue  # another worker has it (or it is no longer due)
            message = _send_claimed(message)
        except Exception:  # database trouble with one message must not stop the others
            logger.exception("crm_twitter: draining outbound message %s failed", message_id)
            continue
        if message.status == Status.SENT:
            sent += 1
        elif message.error_code == "rate_limited" and message.status == Status.QUEUED:
            rate_limited_accounts.add(account_id)
    return sent


def _call_recorder(message: OutboundMessage):
    account, case_id = message.brand_account, message.case_id

    def record(call_record) -> None:
        from crm_twitter.x.costs import api_call_record

        api_call_record(account=account, record=call_record, case=message.case if case_id else None)

    return record


def _deliver(gateway: XGateway, message: OutboundMessage) -> Delivered:
    if message.channel == OutboundMessage.Channel.DM:
        if message.recipient_id is None:
            raise XBadRequest("no recipient", code="no_recipient")
        sent_dm = gateway.send_dm(participant_id=message.recipient.x_id, text=message.text)
        return Delivered(x_id=sent_dm.dm_event_id, text=message.text, conversation_id=sent_dm.dm_conversation_id)
    if message.channel == OutboundMessage.Channel.POST:  # an incident's status update: replies to nobody
        post = gateway.create_post(text=message.text)
        return Delivered(x_id=post.id, text=post.text, conversation_id=post.id)
    if not message.in_reply_to_tweet_id:
        raise XBadRequest("no tweet to reply to", code="no_reply_target")
    post = gateway.create_reply(text=message.text, in_reply_to_tweet_id=message.in_reply_to_tweet_id)
    return Delivered(x_id=post.id, text=post.text)


# --- looking on X before resending --------------------------------------------------------------


def _find_on_x(gateway: XGateway, message: OutboundMessage, *, any_time: bool = False) -> Delivered | None:
    """The post or DM this message already became on X, if an earlier attempt got through.

    ``any_time``: after X refused the words as a duplicate, the brand's reply with the same words
    to the same post counts whenever it was made (the customer has it either way).
    """
    try:
        if message.channel == OutboundMessage.Channel.DM:
            return dm_find(gateway, message)
        found = post_find_by_id(gateway, message)
        if found is None:
            since = None if any_time else message.created_at - LOOKUP_CLOCK_SKEW
            if message.channel == OutboundMessage.Channel.POST:
                found = post_find_standalone(gateway, message, since=since)
            else:
                found = post_find_in_conversation(gateway, message, since=since)
        return found
    except XRateLimited as exc:
        raise _LookupRateLimited(exc) from exc


def _x_id_record(message: OutboundMessage, delivered: Delivered) -> None:
    """Keep the id X returned at once, in its own write: if recording the outcome fails, the retry
    looks the post up by this id instead of guessing."""
    _still_ours(message).update(x_id=delivered.x_id, updated_at=timezone.now())


def _conversation_url(message: OutboundMessage) -> str:
    if message.channel == OutboundMessage.Channel.POST:  # a post of its own: look at the brand's profile
        return f"https://x.com/{message.brand_account.handle}"
    return f"https://x.com/i/web/status/{message.in_reply_to_tweet_id}"


def _duplicate_not_found(message: OutboundMessage) -> OutboundMessage:
    """X refused the words as already posted, and they are not (yet) in this conversation."""
    handle = message.brand_account.handle
    if not message.ambiguous:
        # No earlier attempt can have posted it: the words were posted elsewhere, and new ones are safe.
        return _fail(
            message,
            code="duplicate",
            reason=f"X refuses these words: @{handle} has already posted exactly this text, and X does not "
            "take the same post twice. This reply was not posted. Personalise it (for example with the "
            "customer's name or order number) and retry.",
        )
    if message.attempts >= app_settings.OUTBOUND_MAX_ATTEMPTS:
        return _fail(
            message,
            code="duplicate_unconfirmed",
            reason=f"X says @{handle} already posted these words, but they could not be found in the "
            f"conversation ({_conversation_url(message)}). An earlier attempt may have posted them: look at "
            "the conversation on X before doing anything else, and send nothing, edited or not, unless the "
            "reply is missing there.",
            ambiguous=True,
        )
    now = timezone.now()
    next_at = now + max(_backoff(message.attempts), LOOKUP_CLOCK_SKEW / 4)
    _still_ours(message).update(
        status=Status.QUEUED,
        next_attempt_at=next_at,
        claimed_at=None,
        ambiguous=True,
        error_code="duplicate_unconfirmed",
        last_error=f"X says @{handle} already posted these words; they are not visible in the conversation yet "
        f"(X's search lags). Looking again at {next_at:%H:%M:%S} UTC; nothing is posted meanwhile.",
        updated_at=now,
    )
    return OutboundMessage.objects.get(pk=message.pk)


def _unverifiable_reason(message: OutboundMessage) -> str:
    return (
        "An earlier attempt may have reached X, and the message is older than X's search reaches (7 days), "
        f"so the desk cannot check. Look at the conversation on X ({_conversation_url(message)}) and send "
        "again only if the reply is missing there."
    )


def _wait_for_lookup(message: OutboundMessage, exc: XRateLimited) -> OutboundMessage:
    """X rate-limited the lookup an ambiguous message needs: it (and the account's other ambiguous
    messages of the same channel, which need the same lookup) wait for X's reset, without using an
    attempt; every other message of the account is sent meanwhile."""
    now = timezone.now()
    reset_at = exc.reset_at if exc.reset_at and exc.reset_at > now else now + dt.timedelta(seconds=1)
    what = "DM conversation" if message.channel == OutboundMessage.Channel.DM else "search"
    fields = {
        "status": Status.QUEUED,
        "next_attempt_at": reset_at,
        "claimed_at": None,
        "error_code": "lookup_rate_limited",
        "last_error": f"Waiting for X's {what} limit (until {reset_at:%Y-%m-%d %H:%M:%S} UTC) to check whether "
        "an earlier attempt reached X; nothing is sent again before that check.",
        "updated_at": now,
    }
    with transaction.atomic():
        _still_ours(message).update(attempts=F("attempts") - 1, **fields)
        OutboundMessage.objects.filter(
            brand_account_id=message.brand_account_id, channel=message.channel, status=Status.QUEUED, ambiguous=True
        ).filter(_due()).exclude(pk=message.pk).update(**fields)
    return OutboundMessage.objects.get(pk=message.pk)


# --- outcomes -------------------------------------------------------------------------------------


def _brand_x_user(account: BrandAccount) -> XUser:
    user, _created_now = XUser.objects.get_or_create(
        x_id=account.x_user_id, defaults={"handle": account.handle, "name": account.display_name}
    )
    return user


def _store_tweet(message: OutboundMessage, delivered: Delivered, at: dt.datetime) -> Tweet:
    replied = Tweet.objects.filter(x_id=message.in_reply_to_tweet_id).select_related("author").first()
    conversation_id = delivered.conversation_id or (
        (replied.conversation_id or replied.x_id) if replied else message.in_reply_to_tweet_id
    )
    tweet, created = Tweet.objects.get_or_create(
        x_id=delivered.x_id,
        defaults={
            "brand_account_id": message.brand_account_id,
            "author": _brand_x_user(message.brand_account),
            "case_id": message.case_id,
            "direction": Direction.OUTBOUND,
            "party": Party.BRAND,
            "kind": Tweet.Kind.REPLY,
            "text": delivered.text or message.text,
            "lang": message.case.language or "",
            "conversation_id": conversation_id,
            "in_reply_to_tweet_id": message.in_reply_to_tweet_id,
            "in_reply_to_user_id": replied.author.x_id if replied else "",
            "created_at": at,
            "sent_via_desk": True,
            "sent_by_id": message.created_by_id,
            "raw": delivered.raw,
        },
    )
    if not created:  # ingest got there first: claim it for the desk and the case
        Tweet.objects.filter(pk=tweet.pk).update(
            sent_via_desk=True, sent_by_id=message.created_by_id, case_id=tweet.case_id or message.case_id
        )
    return tweet


def _store_dm(message: OutboundMessage, delivered: Delivered, at: dt.datetime) -> DirectMessage:
    conversation_id = delivered.conversation_id or "-".join(
        sorted([message.brand_account.x_user_id, message.recipient.x_id])
    )
    dm, created = DirectMessage.objects.get_or_create(
        x_event_id=delivered.x_id,
        defaults={
            "dm_conversation_id": conversation_id,
            "brand_account_id": message.brand_account_id,
            "sender": _brand_x_user(message.brand_account),
            "recipient_id": message.recipient_id,
            "case_id": message.case_id,
            "direction": Direction.OUTBOUND,
            "text": delivered.text or message.text,
            "created_at": at,
            "sent_via_desk": True,
            "sent_by_id": message.created_by_id,
            "raw": delivered.raw,
        },
    )
    if not created:
        DirectMessage.objects.filter(pk=dm.pk).update(
            sent_via_desk=True, sent_by_id=message.created_by_id, case_id=dm.case_id or message.case_id
        )
    return dm


def _mark_sent(message: OutboundMessage, delivered: Delivered) -> OutboundMessage:
    now = timezone.now()
    is_dm = message.channel == OutboundMessage.Channel.DM
    with transaction.atomic():
        updated = _still_ours(message).update(
            status=Status.SENT,
            x_id=delivered.x_id,
            sent_at=now,
            claimed_at=None,
            next_attempt_at=None,
            last_error="",
            error_code="",
            updated_at=now,
        )
        if not updated:  # our claim expired and another worker took over; it will find this post
            logger.warning("crm_twitter: outbound %s sent as %s after losing its claim", message.pk, delivered.x_id)
            return OutboundMessage.objects.get(pk=message.pk)
        if message.case_id is None:  # an incident's status update: no case to tell, the incident is
            _status_update_sent(message, delivered, now)
            message.refresh_from_db()
            return message
        stored = _store_dm(message, delivered, now) if is_dm else _store_tweet(message, delivered, now)
        data = {
            "outbound_id": message.pk,
            "x_id": delivered.x_id,
            "channel": message.channel,
            "in_reply_to_tweet_id": message.in_reply_to_tweet_id,
            "text": message.text,
            "found_on_x": delivered.found_on_x,
            "attempts": message.attempts,
            ("direct_message_id" if is_dm else "tweet_id"): stored.pk,
        }
        _response_record(message, at=now, data=data)
    message.refresh_from_db()
    return message


def _status_update_sent(message: OutboundMessage, delivered: Delivered, at: dt.datetime) -> None:
    """Store the brand's post (no case) and record the delivery on the incident."""
    tweet, created = Tweet.objects.get_or_create(
        x_id=delivered.x_id,
        defaults={
            "brand_account_id": message.brand_account_id,
            "author": _brand_x_user(message.brand_account),
            "case_id": None,
            "direction": Direction.OUTBOUND,
            "party": Party.BRAND,
            "kind": Tweet.Kind.ORIGINAL,
            "text": delivered.text or message.text,
            "conversation_id": delivered.conversation_id or delivered.x_id,
            "created_at": at,
            "sent_via_desk": True,
            "sent_by_id": message.created_by_id,
            "raw": delivered.raw,
        },
    )
    if not created:  # ingest got there first: claim it for the desk
        Tweet.objects.filter(pk=tweet.pk).update(sent_via_desk=True, sent_by_id=message.created_by_id)
    IncidentEvent.objects.create(
        incident_id=message.incident_id,
        actor_id=message.created_by_id,
        kind=IncidentEvent.Kind.STATUS_UPDATE,
        message="Public status update posted.",
        data={
            "outbound_id": message.pk,
            "state": "sent",
            "x_id": delivered.x_id,
            "tweet_id": tweet.pk,
            "url": f"https://x.com/{message.brand_account.handle}/status/{delivered.x_id}",
            "found_on_x": delivered.found_on_x,
            "attempts": message.attempts,
        },
        created_at=at,
    )


def _response_record(message: OutboundMessage, *, at: dt.datetime, data: dict) -> None:
    """Tell the workflow engine (first response time, acknowledged / in_dm, SLA, REPLY_SENT event).

    ``outbound_id`` in ``data`` marks it as the delivery of a message the desk queued: bookkeeping
    that leaves ``Case.version`` alone, so its author's next action is not refused as stale.
    """
    channel = "dm" if message.channel == OutboundMessage.Channel.DM else "public"
    try:
        from crm_twitter.services.case_intake import case_response_recorded

        with transaction.atomic():  # a savepoint: a workflow rule refusing must not unsend the message
            case_response_recorded(
                response=ResponseArrival(
                    case_id=message.case_id, at=at, channel=channel, actor_id=message.created_by_id, data=data
                )
            )
    except Exception:
        logger.exception("crm_twitter: recording the response of outbound %s failed", message.pk)
        label = "DM" if channel == "dm" else "Public reply"
        CaseEvent.objects.create(
            case_id=message.case_id,
            actor_id=message.created_by_id,
            kind=CaseEvent.Kind.REPLY_SENT,
            message=f"{label} sent.",
            data=data,
            created_at=at,
        )


def _backoff(attempts: int) -> dt.timedelta:
    base = app_settings.OUTBOUND_BACKOFF_SECONDS
    seconds = min(app_settings.OUTBOUND_MAX_BACKOFF_SECONDS, base * (2 ** max(0, attempts - 1)))
    return dt.timedelta(seconds=seconds)


# Channels that share one of X's rate limits (posts and replies are both POST /2/tweets).
_SHARED_LIMIT = {
    OutboundMessage.Channel.PUBLIC_REPLY: (OutboundMessage.Channel.PUBLIC_REPLY, OutboundMessage.Channel.POST),
    OutboundMessage.Channel.POST: (OutboundMessage.Channel.PUBLIC_REPLY, OutboundMessage.Channel.POST),
    OutboundMessage.Channel.DM: (OutboundMessage.Channel.DM,),
}


def _requeue_after_rate_limit(message: OutboundMessage, exc: XRateLimited) -> OutboundMessage:
    """429: X did not take the request. Wait for its reset time; the wait does not use up an attempt.

    The account's other queued messages under the same limit wait too: each also has its own send
    task (enqueued by compose), and without the hold every one of them would spend a refused
    request on X before learning what this one already knows.
    """
    now = timezone.now()
    reset_at = exc.reset_at if exc.reset_at and exc.reset_at > now else now + dt.timedelta(seconds=1)
    waiting = f"X rate limit reached; the next try is after {reset_at:%Y-%m-%d %H:%M:%S} UTC."
    _still_ours(message).update(
        status=Status.QUEUED,
        attempts=F("attempts") - 1,
        next_attempt_at=reset_at,
        claimed_at=None,
        error_code="rate_limited",
        last_error=waiting,
        updated_at=now,
    )
    held = (
        OutboundMessage.objects.filter(
            brand_account_id=message.brand_account_id,
            channel__in=_SHARED_LIMIT.get(message.channel, (message.channel,)),
            status=Status.QUEUED,
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=reset_at))
        .exclude(pk=message.pk)
    )
    # A message already waiting for another reason (a backoff, a check on X) keeps that reason.
    held.filter(error_code__in=("", "rate_limited")).update(
        next_attempt_at=reset_at, error_code="rate_limited", last_error=waiting, updated_at=now
    )
    held.update(next_attempt_at=reset_at, updated_at=now)
    return OutboundMessage.objects.get(pk=message.pk)


def _retry_later(message: OutboundMessage, *, code: str, detail: str, maybe_delivered: bool) -> OutboundMessage:
    ambiguous = message.ambiguous or maybe_delivered
    if message.attempts >= app_settings.OUTBOUND_MAX_ATTEMPTS:
        reason = f"X could not be reached after {message.attempts} attempts ({detail})."
        if ambiguous:
            reason += " It may have reached X: X is asked again before a retry sends anything."
        return _fail(message, code=code or "transient", reason=reason, ambiguous=ambiguous)
    now = timezone.now()
    next_at = now + _backoff(message.attempts)
    _still_ours(message).update(
        status=Status.QUEUED,
        next_attempt_at=next_at,
        claimed_at=None,
        ambiguous=ambiguous,
        error_code=code or "transient",
        last_error=f"X did not answer properly ({detail}); retrying at {next_at:%H:%M:%S} UTC.",
        updated_at=now,
    )
    return OutboundMessage.objects.get(pk=message.pk)


def _auth_reason(message: OutboundMessage, exc: XAuthError) -> str:
    handle = message.brand_account.handle
    if exc.code == "suspended":
        return f"X says @{handle} is suspended: nothing can be sent from it until X lifts the suspension."
    return (
        f"X refused the credentials of @{handle} ({exc.detail or exc.code}). An admin must reconnect the "
        "account; nothing is sent from it until then."
    )


def _own_mention(message: OutboundMessage) -> str:
    """ " (https://x.com/i/web/status/…)" for the customer's latest mention of the brand, if any."""
    target = reply_target_default(case=message.case)
    if target is None or target.x_id == message.in_reply_to_tweet_id:
        return ""
    return f" ({target.url})"


def _bad_request_reason(message: OutboundMessage, exc: XBadRequest) -> str:
    handle = message.brand_account.handle
    customer = message.recipient.handle if message.recipient_id else "the customer"
    reasons = {
        "not_found": "X says the tweet being replied to no longer exists (deleted, or no longer visible). "
        "Reply to another tweet of the case or send a DM.",
        "reply_not_allowed": f"X refused the reply. {REPLY_RULE_EXPLANATION} The tweet being answered does not "
        f"mention @{handle}: send a DM, or reply to the customer's own mention instead{_own_mention(message)}.",
        "dm_not_allowed": f"X refused the DM: @{customer} does not accept DMs from @{handle}. Ask them in a public "
        "reply to open their DMs or follow the brand.",
        "too_long": "X says the text is too long. Shorten it and retry.",
        "no_reply_target": "There is no tweet to reply to. Pick a customer tweet that mentions the brand, or send "
        "a DM.",
        "no_recipient": "The case has no X user to send the DM to.",
    }
    return reasons.get(exc.code) or f"X refused the message ({exc.detail or exc.code})."


def _fail(
    message: OutboundMessage, *, code: str, reason: str, ambiguous: bool | None = None, account_alert: bool = False
) -> OutboundMessage:
    """Stop trying: store the reason, write REPLY_FAILED, tell the author (and admins on auth trouble)."""
    now = timezone.now()
    from crm_twitter.services.notifications import notification_send

    with transaction.atomic():
        updates = {
            "status": Status.FAILED,
            "error_code": (code or "failed")[:32],
            "last_error": reason,
            "claimed_at": None,
            "next_attempt_at": None,
            "updated_at": now,
        }
        if ambiguous is not None:
            updates["ambiguous"] = ambiguous
        if not _still_ours(message).update(**updates):
            return OutboundMessage.objects.get(pk=message.pk)
        if code == "dm_not_allowed" and message.recipient_id:
            XUser.objects.filter(pk=message.recipient_id).update(accepts_dms=False)
        if message.case_id is None:  # an incident's status update: the incident records it, its author is told
            _status_update_failed(message, code=code, reason=reason, at=now)
            if account_alert:
                _account_alert(message, code=code, reason=reason)
            return OutboundMessage.objects.get(pk=message.pk)
        label = "DM" if message.channel == OutboundMessage.Channel.DM else "Public reply"
        CaseEvent.objects.create(
            case_id=message.case_id,
            actor=None,
            kind=CaseEvent.Kind.REPLY_FAILED,
            message=f"{label} not sent: {reason}",
            data={"outbound_id": message.pk, "code": code, "attempts": message.attempts, "channel": message.channel},
            created_at=now,
        )
        case = message.case
        recipients = [uid for uid in (message.created_by_id, case.assignee_id) if uid]
        notification_send(
            users=recipients,
            case=case,
            kind=Notification.Kind.SEND_FAILED,
            message=f"{label} on {case} failed: {reason}"[:500],
        )
        if account_alert:
            _account_alert(message, code=code, reason=reason)
    return OutboundMessage.objects.get(pk=message.pk)


def _status_update_failed(message: OutboundMessage, *, code: str, reason: str, at: dt.datetime) -> None:
    from crm_twitter.services.notifications import notification_send

    IncidentEvent.objects.create(
        incident_id=message.incident_id,
        actor=None,
        kind=IncidentEvent.Kind.STATUS_UPDATE,
        message=f"Public status update not posted: {reason}"[:2000],
        data={"outbound_id": message.pk, "state": "failed", "code": code, "attempts": message.attempts},
        created_at=at,
    )
    if message.created_by_id:
        notification_send(
            users=[message.created_by_id],
            case=None,
            kind=Notification.Kind.SEND_FAILED,
            message=f"Status update of incident #{message.incident_id} failed: {reason}"[:500],
        )


def _account_alert(message: OutboundMessage, *, code: str, reason: str) -> None:
    """Auth failure / suspension: mark the account and alert supervisors once (not per message)."""
    from crm_twitter.services.notifications import notification_send

    marked = (
        BrandAccount.objects.filter(pk=message.brand_account_id)
        .exclude(sync_health=BrandAccount.SyncHealth.AUTH_FAILED)
        .update(sync_health=BrandAccount.SyncHealth.AUTH_FAILED, sync_message=reason[:1000])
    )
    if not marked:
        return
    users = users_with(Ability.SYNC_ALERTS)
    notification_send(
        users=list(users.values_list("pk", flat=True)),
        case=message.case,
        kind=Notification.Kind.SYNC_ALERT,
        message=f"@{message.brand_account.handle}: {reason}"[:500],
    )
