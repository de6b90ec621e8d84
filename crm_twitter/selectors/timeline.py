"""A case's timeline: tweets (threaded), DMs, notes, events and unsent messages, oldest first, in a
fixed number of queries whatever the size of the case. Rows only: the inbox's view-models
(``crm_twitter.inbox.presenters``) decide how they look.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.utils import timezone

from crm_twitter.models import (
    Case,
    CaseEvent,
    DirectMessage,
    Media,
    OutboundMessage,
    ReplyTemplate,
    Tweet,
    XUser,
)

# Timeline noise: these events repeat what the message rows already show.
TIMELINE_HIDDEN_EVENTS = (
    CaseEvent.Kind.MESSAGE_RECEIVED,
    CaseEvent.Kind.REPLY_QUEUED,
    CaseEvent.Kind.REPLY_SENT,
)


@dataclass
class TimelineEntry:
    """One row of the case timeline. ``kind``: tweet, dm, note, event or outbound."""

    kind: str
    at: dt.datetime
    obj: Any
    outbound: OutboundMessage | None = None  # the send-queue row behind a message sent from the desk
    reply_to: Tweet | None = None  # the tweet this one answers, when it is in the case
    depth: int = 0
    media: list[Media] = field(default_factory=list)  # the message's media, already fetched

    @property
    def is_inbound(self) -> bool:
        return getattr(self.obj, "direction", "") == "inbound"

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.obj.pk}"

    @property
    def iso(self) -> str:
        return self.at.isoformat() if self.at else ""


# The message columns the inbox timeline prints (``display_only``): decoding the rest (metrics
# of engagement, mention lists, conversation ids…) for 200 messages costs ~5 ms a page.
TIMELINE_TWEET_COLUMNS = (
    "id",
    "x_id",
    "author_id",
    "direction",
    "kind",
    "text",
    "lang",
    "in_reply_to_tweet_id",
    "public_metrics",
    "contains_private_data",
    "is_deleted",
    "created_at",
    "sent_via_desk",
    "sent_by_id",
)


TIMELINE_DM_COLUMNS = (
    "id",
    "x_event_id",
    "sender_id",
    "recipient_id",
    "direction",
    "text",
    "lang",
    "created_at",
    "sent_via_desk",
    "sent_by_id",
)


# Messages the desk sends by itself (after a resolution), though an agent's action set them off:
# the timeline says "automatic message" instead of naming the agent as their author.
AUTOMATIC_TEMPLATE_STEPS = (ReplyTemplate.Step.SATISFACTION,)


def case_timeline(*, case: Case, display_only: bool = False) -> list[TimelineEntry]:
    """Tweets (threaded), DMs, notes, events and unsent/failed outbound messages, oldest first.

    Seven queries whatever the size of the case: tweets, DMs, the media of both, events,
    outbound messages, and the X users and desk users behind them (once per person).
    ``display_only`` loads only the message columns the inbox prints (the API serialises them
    all); reading another column of such a message costs a query.
    """
    # X's raw payloads are kept for audits, not shown: leave them in the database.
    # No joins: a case has a handful of distinct people behind hundreds of messages, so the X users
    # and desk users come once each (two small queries below) instead of one model instance per row.
    tweets_qs = Tweet.objects.filter(case=case)
    dms_qs = DirectMessage.objects.filter(case=case)
    if display_only:
        tweets_qs, dms_qs = tweets_qs.only(*TIMELINE_TWEET_COLUMNS), dms_qs.only(*TIMELINE_DM_COLUMNS)
    else:
        tweets_qs, dms_qs = tweets_qs.defer("raw"), dms_qs.defer("raw")
    tweets, dms = list(tweets_qs), list(dms_qs)
    # Media of both kinds in one query, grouped here and stored as each message's prefetched
    # ``media`` (so ``message.media.all()`` in templates/serializers costs nothing). Django's
    # prefetch_related does the same with two queries and a manager per message.
    media_of: dict[tuple[str, int], list[Media]] = {}
    if tweets or dms:
        # Joined through the case, not ``IN (<every message id>)``: Django spends ~2 ms turning
        # 200 ids into parameters, PostgreSQL reads the same index entries either way.
        media = Media.objects.defer("raw").order_by()
        found = media.filter(tweet__case=case).union(media.filter(direct_message__case=case), all=True)
        for item in sorted(found, key=lambda m: m.pk):
            key = ("tweet", item.tweet_id) if item.tweet_id else ("dm", item.direct_message_id)
            media_of.setdefault(key, []).append(item)
    empty = Media.objects.none()
    for kind, messages in (("tweet", tweets), ("dm", dms)):
        for message in messages:
            message._prefetched_objects_cache = {"media": _fetched(empty, media_of.get((kind, message.pk), []))}
    events = list(CaseEvent.objects.filter(case=case).exclude(kind__in=TIMELINE_HIDDEN_EVENTS))
    outbound = list(
        OutboundMessage.objects.filter(case=case).annotate(
            sent_automatically=ExpressionWrapper(
                Q(template__step__in=AUTOMATIC_TEMPLATE_STEPS), output_field=BooleanField()
            ),
            # Which step of the flow each message was (the composer's next suggestion follows it).
            template_step=F("template__step"),
        )
    )
    _attach_people(tweets, dms, events, outbound)
    outbound_by_xid = {o.x_id: o for o in outbound if o.x_id}
    by_xid = {t.x_id: t for t in tweets}

    entries: list[TimelineEntry] = []
    depth_of: dict[str, int] = {}
    for tweet in tweets:
        parent = by_xid.get(tweet.in_reply_to_tweet_id) if tweet.in_reply_to_tweet_id else None
        depth = min(depth_of.get(parent.x_id, 0) + 1, 3) if parent else 0
        depth_of[tweet.x_id] = depth
        entries.append(
            TimelineEntry(
                "tweet",
                tweet.created_at,
                tweet,
                outbound=outbound_by_xid.get(tweet.x_id),
                reply_to=parent,
                depth=depth,
                media=media_of.get(("tweet", tweet.pk), []),
            )
        )
    for dm in dms:
        entries.append(
            TimelineEntry(
                "dm",
                dm.created_at,
                dm,
                outbound=outbound_by_xid.get(dm.x_event_id),
                media=media_of.get(("dm", dm.pk), []),
            )
        )
    shown_xids = set(by_xid) | {dm.x_event_id for dm in dms}
    for message in outbound:
        # A sent message shows as its tweet/DM; the rest (queued, sending, failed) show as drafts.
        if message.status == OutboundMessage.Status.SENT and message.x_id in shown_xids:
            continue
        entries.append(TimelineEntry("outbound", message.created_at, message, outbound=message))
    for event in events:
        entries.append(TimelineEntry("note" if event.kind == CaseEvent.Kind.NOTE else "event", event.created_at, event))
    entries.sort(key=lambda e: (e.at or timezone.now(), e.kind != "tweet"))
    return entries


def _fetched(template: QuerySet, rows: list) -> QuerySet:
    """A copy of ``template`` that already holds ``rows`` (what prefetch_related stores).

    Copies the queryset's attributes instead of cloning it: ``none()`` per message built a new
    query and WHERE tree each time, ~10 ms over a 200-message case. The query object is shared,
    which is safe because a QuerySet never mutates its query in place (filters clone it first).
    """
    qs = object.__new__(type(template))
    qs.__dict__.update(template.__dict__)
    qs._result_cache, qs._prefetch_done = rows, True
    return qs


def _attach_people(tweets: list, dms: list, events: list, outbound: list) -> None:
    """Set each row's author/sender/recipient/sent_by/actor/created_by from one query per model."""
    from django.contrib.auth import get_user_model

    x_links = [(Tweet, "author", tweets), (DirectMessage, "sender", dms), (DirectMessage, "recipient", dms)]
    user_links = [
        (Tweet, "sent_by", tweets),
        (DirectMessage, "sent_by", dms),
        (CaseEvent, "actor", events),
        (OutboundMessage, "created_by", outbound),
    ]
    for model, links in ((XUser, x_links), (get_user_model(), user_links)):
        ids = {getattr(row, f"{name}_id") for _model, name, rows in links for row in rows} - {None}
        if model is XUser:
            found = model.objects.defer("raw", "description").in_bulk(ids) if ids else {}
        else:
            found = model.objects.in_bulk(ids) if ids else {}
        for row_model, name, rows in links:
            field = row_model._meta.get_field(name)
            for row in rows:
                field.set_cached_value(row, found.get(getattr(row, field.attname)))
