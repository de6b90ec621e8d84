"""Compose a public reply or a DM for a case, and put it in the send queue.

The inbox and the API both call these services. A message is *checked* (length by X's rules,
private data, whom it goes to), *committed* as an OutboundMessage with a REPLY_QUEUED event, and
only after the commit handed to the send task (``crm_twitter.x.outbound``), so a rolled-back
request never sends anything and a crashed worker never loses a message.

Business rules enforced here:

* Public text is at most 280 weighted characters (URLs 23, CJK and emoji 2); a DM at most
  ``DM_MAX_LENGTH`` characters. Empty text is refused.
* A public reply carrying private data (order, tracking, e-mail, phone, payment, card, address)
  is refused, naming the private part and offering the DM instead.
* A public reply containing a link is allowed but warned about: X bills it as a "post with URL",
  many times the price of a reply to a mention.
* Since February 2026 X accepts an API reply (self-serve plans) only to a post whose author
  mentioned or quoted the brand. By default we answer the customer's latest tweet in the case
  that mentions the brand; a target that does not mention it is refused with that explanation
  and the alternatives (a DM, or a reply to the customer's own mention).
* A DM goes to the case's customer; a customer X has refused DMs to is not DMed again.
* Queueing a reply is a change to the case: it takes the ``expected_version`` the author saw
  (a customer message or a colleague's action since then is refused with what changed, the
  draft kept by the inbox) and moves the version, so a colleague about to answer the same
  customer learns of it. Its later delivery does not move the version (``x.outbound``).
  Retrying or cancelling a queued message acts on that message alone and checks its status.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_twitter.conf import app_settings
from crm_twitter.models import Case, CaseEvent, IncidentEvent, OutboundMessage, ReplyTemplate, Tweet
from crm_twitter.models.choices import Direction
from crm_twitter.models.messages import Party
from crm_twitter.services.case_writes import case_lock, case_save
from crm_twitter.services.errors import ComposeRefused
from crm_twitter.services.privacy import PrivateDataFinding, private_data_find, private_data_summary
from crm_twitter.services.templates import template_chooser
from crm_twitter.services.text_length import (
    dm_text_validate,
    tweet_text_validate,
    tweet_urls,
    tweet_weighted_length,
)
from crm_twitter.x.costs import price_of

logger = logging.getLogger(__name__)

SEND_TASK = "crm_twitter.tasks.outbound.outbound_send_task"

REPLY_RULE_EXPLANATION = (
    "Since February 2026 X only accepts replies sent through the API to posts whose author mentioned or "
    "quoted the brand account."
)

_CHANNELS = {
    "public": OutboundMessage.Channel.PUBLIC_REPLY,
    "public_reply": OutboundMessage.Channel.PUBLIC_REPLY,
    "dm": OutboundMessage.Channel.DM,
}


@dataclass(frozen=True)
class ComposeVerdict:
    """What the agent sees before sending: may it go, how long it is, what it will cost, what is wrong."""

    ok: bool
    channel: str  # "public" or "dm"
    weighted_length: int
    limit: int
    findings: tuple[PrivateDataFinding, ...] = ()
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    error_code: str = ""
    estimated_cost: Decimal = Decimal("0")
    resource_kind: str = ""
    in_reply_to_tweet_id: str = ""
    suggested_template_id: int | None = None
    offer_channel: str = ""  # "dm" when the refusal can be solved by sending a DM instead
    data: dict = field(default_factory=dict)


def _channel(channel: str) -> str:
    try:
        return _CHANNELS[channel]
    except KeyError:
        raise ComposeRefused(f"Unknown channel “{channel}”: use public or dm.", code="channel", field="channel")


def _short(channel: str) -> str:
    return "dm" if channel == OutboundMessage.Channel.DM else "public"


# --- reply target -----------------------------------------------------------------------------


def tweet_mentions_brand(
    tweet: Tweet, *, brand_x_user_id: str, brand_handle: str, brand_posts: Collection[str] | None = None
) -> bool:
    """Did the author of ``tweet`` mention or quote the brand (what X requires for an API reply)?

    ``brand_posts``: the ids of the brand's posts among those quoted, read beforehand for many
    tweets (``reply_facts_many``); without it a quote is looked up here.
    """
    for mention in tweet.mentioned_user_ids or []:
        mention_id = mention.get("id") if isinstance(mention, dict) else mention
        if str(mention_id) == str(brand_x_user_id):
            return True
    if tweet.in_reply_to_user_id and str(tweet.in_reply_to_user_id) == str(brand_x_user_id):
        return True  # a reply to the brand starts with its @mention
    if brand_handle and f"@{brand_handle.lower()}" in (tweet.text or "").lower():
        return True
    if tweet.quoted_tweet_id:
        if brand_posts is not None:
            return tweet.quoted_tweet_id in brand_posts
        return Tweet.objects.filter(x_id=tweet.quoted_tweet_id, author__x_id=brand_x_user_id).exists()
    return False


# The customer's own tweets in a case (by party, or by the case's customer as author), newest first;
# the default reply target is the first of the latest ``_TARGET_SCAN`` that mentions the brand.
_CUSTOMER_TWEET = Q(direction=Direction.INBOUND, is_deleted=False) & (
    Q(party=Party.CUSTOMER) | Q(author_id=F("case__customer_x_user_id"))
)
_NEWEST_FIRST = ("-created_at", "-x_id")
_TARGET_SCAN = 50


def _first_mention(tweets: Iterable[Tweet], case: Case, brand_posts: Collection[str] | None = None) -> Tweet | None:
    account = case.brand_account
    for tweet in tweets:
        if tweet_mentions_brand(
            tweet, brand_x_user_id=account.x_user_id, brand_handle=account.handle, brand_posts=brand_posts
        ):
            return tweet
    return None


def reply_target_default(*, case: Case) -> Tweet | None:
    """The customer's latest tweet in the case that mentions the brand: the one X lets us answer."""
    tweets = Tweet.objects.filter(_CUSTOMER_TWEET, case=case).order_by(*_NEWEST_FIRST)[:_TARGET_SCAN]
    return _first_mention(tweets, case)


def _reply_target(
    case: Case, in_reply_to_tweet_id: str | None, facts: ReplyFacts | None = None
) -> tuple[str, Tweet | None, ComposeRefused | None]:
    account = case.brand_account
    default = facts.reply_target if facts is not None else reply_target_default(case=case)
    if not in_reply_to_tweet_id:
        if default is None:
            refusal = ComposeRefused(
                f"There is no tweet from the customer in this case that mentions @{account.handle}, so there is "
                f"nothing X lets us reply to. {REPLY_RULE_EXPLANATION} Send a DM instead.",
                code="no_reply_target",
                field="in_reply_to_tweet_id",
            )
            refusal.offer_channel = "dm"
            return "", None, refusal
        return default.x_id, default, None
    target = Tweet.objects.filter(x_id=in_reply_to_tweet_id, case=case).select_related("author").first()
    if target is None:
        return (
            in_reply_to_tweet_id,
            None,
            ComposeRefused(
                "That tweet is not part of this case's thread; pick a tweet from the case timeline.",
                code="reply_target",
                field="in_reply_to_tweet_id",
            ),
        )
    if target.author.x_id != account.x_user_id and not tweet_mentions_brand(
        target, brand_x_user_id=account.x_user_id, brand_handle=account.handle
    ):
        alternative = (
            f" Reply to the customer's own mention instead ({default.url}), or send a DM."
            if default is not None
            else " Send a DM instead."
        )
        refusal = ComposeRefused(
            f"X will refuse this reply: the author of that tweet did not mention or quote @{account.handle}. "
            f"{REPLY_RULE_EXPLANATION}{alternative}",
            code="reply_not_allowed",
            field="in_reply_to_tweet_id",
        )
        refusal.offer_channel = "dm"
        refusal.suggested_tweet_id = default.x_id if default else ""
        return in_reply_to_tweet_id, target, refusal
    return target.x_id, target, None


def _dm_refusal(case: Case) -> ComposeRefused | None:
    recipient = case.customer_x_user
    if recipient is None:
        return ComposeRefused("This case has no X user to send a DM to.", code="no_recipient", field="channel")
    if recipient.accepts_dms is False:
        return ComposeRefused(
            f"@{recipient.handle} does not accept DMs from @{case.brand_account.handle} (X refused an earlier DM). "
            "Ask them in a public reply to open their DMs or follow the brand, then try again.",
            code="dm_not_allowed",
            field="channel",
        )
    return None


# --- what the checks read, for many cases at once -----------------------------------------------

_ORDER_PRIVATE_FIELDS = ("order_number", "tracking_number", "payment_reference")


@dataclass(frozen=True)
class ReplyFacts:
    """What checking one case's reply reads from the database, read for many cases at once by
    ``reply_facts_many``: a reply to every customer of an incident checks each case exactly like a
    single reply, without a query per case."""

    known_private_values: tuple[str, ...] = ()
    reply_target: Tweet | None = None  # the default one: the customer's latest mention of the brand
    privacy_template: ReplyTemplate | None = None  # only for a case flagged for private data in public


def _customer_private_values(case: Case) -> list[str]:
    if not case.customer_id:
        return []
    return [v for v in (case.customer.email, case.customer.phone) if v]


def reply_facts_many(cases: Sequence[Case]) -> dict[int, ReplyFacts]:
    """``ReplyFacts`` of ``cases`` (fetched with brand_account, customer and customer_x_user) in a
    fixed number of queries: their orders, their customers' latest tweets, the brand posts those
    quote, the privacy-warning templates."""
    ids = [case.pk for case in cases]
    private: dict[int, list[str]] = {pk: [] for pk in ids}
    rows = Case.orders.through.objects.filter(case_id__in=ids).values_list(
        "case_id", *(f"order__{name}" for name in _ORDER_PRIVATE_FIELDS)
    )
    for case_id, *values in rows:
        private[case_id].extend(v for v in values if v)
    tweets: dict[int, list[Tweet]] = {pk: [] for pk in ids}
    ranked = (
        Tweet.objects.filter(_CUSTOMER_TWEET, case_id__in=ids)
        .annotate(
            scan=Window(RowNumber(), partition_by=[F("case_id")], order_by=[F(n[1:]).desc() for n in _NEWEST_FIRST])
        )
        .filter(scan__lte=_TARGET_SCAN)
        .order_by("case_id", *_NEWEST_FIRST)
    )
    for tweet in ranked:
        tweets[tweet.case_id].append(tweet)
    quoted = {t.quoted_tweet_id for latest in tweets.values() for t in latest if t.quoted_tweet_id}
    authors: dict[str, set[str]] = {}
    if quoted:
        for x_id, author_x_id in Tweet.objects.filter(x_id__in=quoted).values_list("x_id", "author__x_id"):
            authors.setdefault(str(author_x_id), set()).add(x_id)
    pick_privacy = None
    facts = {}
    for case in cases:
        template = None
        if case.has_private_data_in_public:
            pick_privacy = pick_privacy or template_chooser(step=ReplyTemplate.Step.PRIVACY_WARNING, channel="public")
            template = pick_privacy(case.language)
        brand_posts = authors.get(str(case.brand_account.x_user_id), set())
        facts[case.pk] = ReplyFacts(
            known_private_values=(*private[case.pk], *_customer_private_values(case)),
            reply_target=_first_mention(tweets[case.pk], case, brand_posts),
            privacy_template=template,
        )
    return facts


# --- assessment -------------------------------------------------------------------------------


def _known_private_values(case: Case, facts: ReplyFacts | None = None) -> list[str]:
    if facts is not None:
        return list(facts.known_private_values)
    values: list[str] = []
    for order in case.orders.all():
        values.extend(v for v in (getattr(order, name) for name in _ORDER_PRIVATE_FIELDS) if v)
    return values + _customer_private_values(case)


def _price(kind: str) -> Decimal:
    """What X bills for one resource of ``kind``: the one price list, ``x.costs.price_of``."""
    return price_of(kind)


# Who a public text speaks for: a reply to one customer, or an incident's status update to everyone.
PUBLIC_REPLY = "reply"
STATUS_UPDATE = "status_update"


@dataclass(frozen=True)
class PublicTextChecks:
    """The checks every public post gets before it goes out: X's weighted length, the privacy
    guard, and what X bills for it (a link makes any post a "post with URL")."""

    weighted_length: int
    limit: int
    findings: tuple[PrivateDataFinding, ...]
    refusal: ComposeRefused | None  # empty or too long, else private data; None when it may go
    warnings: tuple[str, ...]
    resource_kind: str
    estimated_cost: Decimal


def public_text_checks(text: str, *, known: Iterable[str], base_kind: str, speaks_as: str) -> PublicTextChecks:
    """Check a public text: a customer reply (``speaks_as=PUBLIC_REPLY``, from ``reply_preview``
    and ``reply_compose``) or an incident's status update (``STATUS_UPDATE``, from
    ``incidents.incident_status_update_preview``). The one place a new check of a public post
    goes; ``base_kind`` is what X bills the post without a link."""
    refusal: ComposeRefused | None = None
    try:
        length = tweet_text_validate(text)  # weighs the text once (X's parser is the costly part)
    except ComposeRefused as exc:
        refusal, length = exc, tweet_weighted_length(text)
    findings = tuple(private_data_find(text, known=list(known)))
    if findings and refusal is None:
        summary = private_data_summary(findings)
        if speaks_as == STATUS_UPDATE:
            refusal = ComposeRefused(
                _(
                    "This public post contains private data: %(summary)s. Everyone would see it. Remove it before "
                    "posting."
                )
                % {"summary": summary},
                code="private_data",
                field="text",
            )
        else:
            refusal = ComposeRefused(
                f"This public reply contains private data: {summary}. Posting it would "
                "expose the customer. Remove it, or send this message by DM instead.",
                code="private_data",
                field="text",
            )
            refusal.offer_channel = "dm"
        refusal.findings = findings
    warnings: list[str] = []
    resource_kind = base_kind
    urls = tweet_urls(text)
    if urls:
        resource_kind = "post_with_url"
        prices = {"url": urls[0], "url_price": _price("post_with_url"), "price": _price(base_kind)}
        if speaks_as == STATUS_UPDATE:
            warnings.append(
                _(
                    "This post contains a link (%(url)s). X bills a post with a URL at $%(url_price)s instead of "
                    "$%(price)s."
                )
                % prices
            )
        else:
            warnings.append(
                "This public reply contains a link ({url}). X bills a post with a URL at "
                "${url_price} instead of ${price} — consider sending the link by DM.".format(**prices)
            )
    return PublicTextChecks(
        weighted_length=length,
        limit=app_settings.TWEET_MAX_WEIGHTED_LENGTH,
        findings=findings,
        refusal=refusal,
        warnings=tuple(warnings),
        resource_kind=resource_kind,
        estimated_cost=_price(resource_kind),
    )


def _assess(
    *, case: Case, channel: str, text: str, in_reply_to_tweet_id: str | None, facts: ReplyFacts | None = None
) -> tuple[ComposeVerdict, ComposeRefused | None]:
    """Check a draft; return the verdict and the first refusal (None when it may be sent)."""
    text = text or ""
    warnings: list[str] = []
    findings: tuple[PrivateDataFinding, ...] = ()
    refusal: ComposeRefused | None = None
    target_id = ""
    suggested_template_id = None

    if channel == OutboundMessage.Channel.DM:
        limit = app_settings.DM_MAX_LENGTH
        length = len(text)
        try:
            dm_text_validate(text)
        except ComposeRefused as exc:
            refusal = exc
        refusal = refusal or _dm_refusal(case)
        resource_kind = "dm_create"
    else:
        target_id, target, target_refusal = _reply_target(case, in_reply_to_tweet_id, facts)
        checks = public_text_checks(
            text,
            known=_known_private_values(case, facts),
            base_kind="reply_to_mention" if target is not None else "post_create",
            speaks_as=PUBLIC_REPLY,
        )
        limit, length, findings = checks.limit, checks.weighted_length, checks.findings
        refusal = checks.refusal or target_refusal
        warnings.extend(checks.warnings)
        resource_kind = checks.resource_kind
    if case.has_private_data_in_public:
        template = (
            facts.privacy_template
            if facts is not None
            else template_chooser(step=ReplyTemplate.Step.PRIVACY_WARNING, channel="public")(case.language)
        )
        if template is not None:
            suggested_template_id = template.pk
            warnings.append(
                f"The customer posted private data publicly: consider the “{template.name}” template asking them "
                "to delete it and continue by DM."
            )
    if refusal is not None:  # every refusal carries the same extras, so callers need no getattr
        for name, default in (("offer_channel", ""), ("findings", findings), ("suggested_tweet_id", "")):
            if not hasattr(refusal, name):
                setattr(refusal, name, default)
    verdict = ComposeVerdict(
        ok=refusal is None,
        channel=_short(channel),
        weighted_length=length,
        limit=limit,
        findings=findings,
        warnings=tuple(warnings),
        errors=(refusal.message,) if refusal else (),
        error_code=refusal.code if refusal else "",
        estimated_cost=_price(resource_kind),
        resource_kind=resource_kind,
        in_reply_to_tweet_id=target_id,
        suggested_template_id=suggested_template_id,
        offer_channel=getattr(refusal, "offer_channel", "") if refusal else "",
    )
    return verdict, refusal


def reply_preview(
    *,
    case: Case,
    channel: str,
    text: str,
    in_reply_to_tweet_id: str | None = None,
    facts: ReplyFacts | None = None,
) -> ComposeVerdict:
    """Check a draft without queueing it (what the compose box shows as the agent types).

    ``facts``: what the checks read, from ``reply_facts_many`` when many cases are checked at once.
    """
    try:
        normalized = _channel(channel)
    except ComposeRefused as exc:
        return ComposeVerdict(
            ok=False, channel=channel, weighted_length=0, limit=0, errors=(exc.message,), error_code=exc.code
        )
    verdict, _refusal = _assess(
        case=case, channel=normalized, text=text, in_reply_to_tweet_id=in_reply_to_tweet_id, facts=facts
    )
    return verdict


# --- queueing ---------------------------------------------------------------------------------


def _enqueue_send(message_id: int) -> None:
    """Hand the message to a worker after commit; if the broker is down the drain schedule sends it."""

    def enqueue() -> None:
        try:
            from django_q.tasks import async_task

            async_task(SEND_TASK, message_id)
        except Exception:  # the message is committed; crm_twitter:outbound-drain picks it up
            logger.exception("crm_twitter: could not enqueue outbound message %s; the drain will send it", message_id)

    transaction.on_commit(enqueue)


def _queued_event(*, message: OutboundMessage, actor, message_text: str, **data) -> CaseEvent:
    """The REPLY_QUEUED audit row (``version`` in ``data`` when the queueing moved the case version)."""
    return CaseEvent.objects.create(
        case_id=message.case_id,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=CaseEvent.Kind.REPLY_QUEUED,
        message=message_text,
        data={
            "outbound_id": message.pk,
            "channel": message.channel,
            "in_reply_to_tweet_id": message.in_reply_to_tweet_id,
            **data,
        },
        created_at=timezone.now(),
    )


def reply_compose(
    *,
    case: Case,
    actor,
    channel: str,
    text: str,
    in_reply_to_tweet_id: str | None = None,
    template: ReplyTemplate | None = None,
    expected_version: int | None = None,
    facts: ReplyFacts | None = None,
) -> OutboundMessage:
    """Check and queue a public reply or a DM; the send task runs after the transaction commits.

    Raises ComposeRefused (with ``code``, and ``offer_channel="dm"`` / ``findings`` when a DM
    would solve it) when the message must not go out as written, and StaleCase when the case
    moved past ``expected_version`` while the author was writing. ``facts`` as for ``reply_preview``.
    """
    normalized = _channel(channel)
    text = (text or "").strip()
    verdict, refusal = _assess(
        case=case, channel=normalized, text=text, in_reply_to_tweet_id=in_reply_to_tweet_id, facts=facts
    )
    if refusal is not None:
        raise refusal
    with transaction.atomic():
        case = case_lock(case, expected_version=expected_version, actor=actor)
        message = OutboundMessage.objects.create(
            case=case,
            brand_account_id=case.brand_account_id,
            channel=normalized,
            text=text,
            in_reply_to_tweet_id=verdict.in_reply_to_tweet_id
            if normalized == OutboundMessage.Channel.PUBLIC_REPLY
            else "",
            recipient_id=case.customer_x_user_id if normalized == OutboundMessage.Channel.DM else None,
            template=template,
            created_by=actor if getattr(actor, "pk", None) else None,
            status=OutboundMessage.Status.QUEUED,
        )
        case_save(case, [])
        label = "DM" if normalized == OutboundMessage.Channel.DM else "Public reply"
        _queued_event(
            message=message,
            actor=actor,
            message_text=f"{label} queued for sending.",
            warnings=list(verdict.warnings),
            estimated_cost=str(verdict.estimated_cost),
            template_id=template.pk if template else None,
            version=case.version,
        )
        _enqueue_send(message.pk)
    return message


def outbound_retry(*, message: OutboundMessage, actor, text: str | None = None) -> OutboundMessage:
    """Put a failed message back in the queue, optionally with edited text (checked again).

    A message that may already have reached X keeps its ``ambiguous`` mark, so the sender looks on
    X before posting again (also for the previous wording, kept in the event).
    """
    if message.status != OutboundMessage.Status.FAILED:
        raise ComposeRefused(
            f"Only a failed message can be retried; this one is {message.get_status_display().lower()}.",
            code="not_failed",
            field="status",
        )
    if message.case_id is None:
        raise ComposeRefused(
            "An incident's status update is not retried here: post a new one from the incident's page.",
            code="incident_status_update",
            field="status",
        )
    new_text = (text if text is not None else message.text).strip()
    case = message.case
    in_reply_to = message.in_reply_to_tweet_id or None
    _verdict, refusal = _assess(case=case, channel=message.channel, text=new_text, in_reply_to_tweet_id=in_reply_to)
    if refusal is not None:
        raise refusal
    previous_text = message.text
    with transaction.atomic():
        updated = OutboundMessage.objects.filter(pk=message.pk, status=OutboundMessage.Status.FAILED).update(
            status=OutboundMessage.Status.QUEUED,
            text=new_text,
            attempts=0,
            next_attempt_at=None,
            claimed_at=None,
            last_error="",
            error_code="",
            updated_at=timezone.now(),
        )
        if not updated:
            raise ComposeRefused("This message changed meanwhile; reload and try again.", code="stale", field="status")
        message.refresh_from_db()
        extra = {"retry": True}
        if new_text != previous_text:
            extra["previous_text"] = previous_text
        _queued_event(
            message=message,
            actor=actor,
            message_text="Failed message edited and queued again."
            if new_text != previous_text
            else "Failed message queued again.",
            **extra,
        )
        _enqueue_send(message.pk)
    return message


def outbound_cancel(*, message: OutboundMessage, actor) -> OutboundMessage:
    """Withdraw a queued or failed message. One already being sent (or sent) cannot be withdrawn."""
    with transaction.atomic():
        updated = OutboundMessage.objects.filter(
            pk=message.pk, status__in=[OutboundMessage.Status.QUEUED, OutboundMessage.Status.FAILED]
        ).update(status=OutboundMessage.Status.CANCELLED, next_attempt_at=None, updated_at=timezone.now())
        message.refresh_from_db()
        if not updated:
            raise ComposeRefused(
                f"This message is {message.get_status_display().lower()} and can no longer be cancelled.",
                code="not_cancellable",
                field="status",
            )
        if message.case_id is None:  # an incident's status update: the incident's history says so
            IncidentEvent.objects.create(
                incident_id=message.incident_id,
                actor=actor if getattr(actor, "pk", None) else None,
                kind=IncidentEvent.Kind.STATUS_UPDATE,
                message="Public status update cancelled before sending.",
                data={"outbound_id": message.pk, "state": "cancelled"},
                created_at=timezone.now(),
            )
            return message
        CaseEvent.objects.create(
            case_id=message.case_id,
            actor=actor if getattr(actor, "pk", None) else None,
            kind=CaseEvent.Kind.UPDATED,
            message="Queued message cancelled before sending.",
            data={"outbound_id": message.pk, "channel": message.channel, "cancelled": True},
            created_at=timezone.now(),
        )
    return message
