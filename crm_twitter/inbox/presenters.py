"""View-models of the inbox: frozen values the views build and the templates only print.

The selectors return rows (``TimelineEntry``); this module turns them into what a page shows —
names, colours, initials, time labels, delivery states — with the pure formatters of
``display``. Templates (``templates/crm_twitter/inbox/timeline/*.html``, one per entry kind) then
need no filters chains and no lookups into models, and a host project can override each of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import get_language

from crm_twitter.dates import short_datetime
from crm_twitter.inbox.display import hue, initials, person
from crm_twitter.selectors.timeline import AUTOMATIC_TEMPLATE_STEPS, TimelineEntry
from crm_twitter.services.event_text import event_text
from crm_twitter.services.message_routing import language_normalise

# The template of each timeline entry kind (a host project overrides any of them by path).
TIMELINE_TEMPLATES = {
    "tweet": "crm_twitter/inbox/timeline/tweet.html",
    "dm": "crm_twitter/inbox/timeline/dm.html",
    "note": "crm_twitter/inbox/timeline/note.html",
    "outbound": "crm_twitter/inbox/timeline/outbound.html",
    "event": "crm_twitter/inbox/timeline/event.html",
}


@dataclass(frozen=True, slots=True)
class MediaView:
    full_url: str
    thumbnail_url: str
    alt_text: str
    is_evidence: bool
    type_label: str  # "" for a photo, else "Video", "GIF"…


@dataclass(frozen=True, slots=True)
class DeliveryView:
    """The delivery footer of a message sent from the desk (or seen on X)."""

    status: str  # sent, failed, sending, queued (or another outbound status), "" for "sent on X"
    status_label: str
    by: str  # the agent who sent it; "" for the desk itself or nobody known
    automatic: bool  # sent by the desk itself (the satisfaction survey), not by the agent
    error: str
    attempts: int
    message_pk: int | None  # the send-queue row to retry (failed only)


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One row of the case timeline, ready to print."""

    kind: str  # tweet, dm, note, outbound, event
    template: str
    anchor: str
    iso: str
    time_label: str
    outbound: bool = False  # written by the brand
    who_name: str = ""
    who_handle: str = ""
    who_url: str = ""
    hue: int = 0
    initials: str = ""
    text: str = ""
    lang: str = ""  # the text's language (a screen reader's voice), "" if unknown
    channel: str = ""  # public or dm
    depth: int = 0
    is_quote: bool = False
    reply_to_anchor: str = ""
    reply_to_handle: str = ""
    x_url: str = ""
    likes: int = 0
    retweets: int = 0
    private: bool = False
    deleted: bool = False
    media: tuple[MediaView, ...] = ()
    delivery: DeliveryView | None = None
    pending_status: str = ""  # an unsent outbound message's status
    title: str = ""  # an event's kind, as a label
    event_kind: str = ""  # … and as a code (a CSS hook: ev-<kind>)
    actor: str = ""  # who wrote the note or caused the event; "" for the system


def time_label(at, tz=None) -> str:
    """ "Nov 27, 09:52" in the current time zone."""
    if not at:
        return ""
    return short_datetime(at.astimezone(tz or timezone.get_current_timezone()))


def _media(entry: TimelineEntry) -> tuple[MediaView, ...]:
    return tuple(
        MediaView(
            full_url=m.display_url,  # the archived copy once there (X's URLs die with the tweet)
            thumbnail_url=m.thumbnail_url,
            alt_text=m.alt_text,
            is_evidence=m.is_evidence,
            type_label="" if m.type == "photo" else str(m.get_type_display()),
        )
        for m in entry.media
    )


def _delivery(entry: TimelineEntry, obj) -> DeliveryView | None:
    ob = entry.outbound
    if ob is not None:
        automatic = bool(getattr(ob, "sent_automatically", False)) or (
            getattr(ob, "template_step", None) in AUTOMATIC_TEMPLATE_STEPS
        )
        failed = ob.status == "failed"
        return DeliveryView(
            status=ob.status,
            status_label=str(ob.get_status_display()),
            by="" if automatic else person(ob.created_by),
            automatic=automatic,
            error=(ob.last_error or "") if failed else "",
            attempts=ob.attempts or 0,
            message_pk=ob.pk if failed else None,
        )
    if getattr(obj, "direction", "") == "outbound":
        return DeliveryView(
            status="sent" if obj.sent_via_desk else "",
            status_label="",
            by=person(obj.sent_by),
            automatic=False,
            error="",
            attempts=0,
            message_pk=None,
        )
    return None


def _message(entry: TimelineEntry, people: dict, case_lang: str, tz) -> TimelineItem:
    obj = entry.obj
    tweet = entry.kind == "tweet"
    author = obj.author if tweet else obj.sender
    key = (entry.kind, author.pk if author else None)
    who = people.get(key)
    if who is None:
        handle = author.handle if author else ""
        name = (author.name if author else "") or handle
        who = people[key] = (name, handle, author.profile_url if author and tweet else "", hue(handle), initials(name))
    name, handle, url, colour, letters = who
    outbound = obj.direction == "outbound"
    extra = {}
    if tweet:
        metrics = obj.public_metrics if isinstance(obj.public_metrics, dict) else {}
        parent = entry.reply_to
        extra = {
            "depth": entry.depth,
            "is_quote": obj.kind == "quote",
            "reply_to_anchor": f"tweet-{parent.pk}" if parent else "",
            "reply_to_handle": (parent.author.handle if parent and parent.author else "") if parent else "",
            "x_url": obj.url,
            "likes": int(metrics.get("like_count") or 0),
            "retweets": int(metrics.get("retweet_count") or 0),
            "private": bool(obj.contains_private_data),
            "deleted": bool(obj.is_deleted),
        }
    return TimelineItem(
        kind=entry.kind,
        template=TIMELINE_TEMPLATES[entry.kind],
        anchor=entry.anchor,
        iso=entry.iso,
        time_label=time_label(entry.at, tz),
        outbound=outbound,
        who_name=name,
        who_handle=handle,
        who_url=url,
        hue=colour,
        initials=letters,
        text=obj.text or "",
        lang=language_normalise(obj.lang) or case_lang,
        channel="public" if tweet else "dm",
        media=_media(entry),
        delivery=_delivery(entry, obj) if (entry.outbound or outbound) else None,
        **extra,
    )


def timeline_present(timeline: Sequence[TimelineEntry], *, case) -> list[TimelineItem]:
    """The case timeline as view-models (oldest first), one per entry."""
    tz = timezone.get_current_timezone()
    # Messages X could not label (emoji, links, "und") are read in the case's language.
    case_lang = language_normalise(case.language)
    people: dict = {}
    items: list[TimelineItem] = []
    for entry in timeline:
        kind = entry.kind
        if kind in ("tweet", "dm"):
            items.append(_message(entry, people, case_lang, tz))
            continue
        obj = entry.obj
        common = {
            "kind": kind,
            "template": TIMELINE_TEMPLATES.get(kind, TIMELINE_TEMPLATES["event"]),
            "anchor": entry.anchor,
            "iso": entry.iso,
            "time_label": time_label(entry.at, tz),
        }
        if kind == "outbound":
            items.append(
                TimelineItem(
                    **common,
                    outbound=True,
                    who_handle=case.brand_account.handle,
                    text=obj.text or "",
                    lang=case_lang,
                    channel="dm" if obj.channel == "dm" else "public",
                    delivery=_delivery(entry, obj),
                    pending_status=obj.status,
                )
            )
        elif kind == "note":
            items.append(TimelineItem(**common, text=obj.message, actor=person(obj.actor)))
        else:
            items.append(
                TimelineItem(
                    **common,
                    title=str(obj.get_kind_display()),
                    event_kind=obj.kind,
                    text=event_text(obj.kind, obj.message, obj.data),
                    actor=person(obj.actor),
                )
            )
    return items


def timeline_cache_key(timeline: Sequence[TimelineEntry], *, user, can_act: bool) -> str:
    """What the drawn timeline depends on, digested: the fragment cache's key.

    Each entry's identity, text, time, delivery state and media (an agent marks evidence), plus
    who looks (a retry form carries their CSRF token; only actors get one), in which language and
    time zone. Computed from the selector's rows, so a cache hit builds no view-model at all.
    """
    parts: list = [get_language(), str(timezone.get_current_timezone()), getattr(user, "pk", None), can_act]
    for entry in timeline:
        obj, ob = entry.obj, entry.outbound
        parts.append(
            (
                entry.kind,
                obj.pk,
                entry.iso,
                getattr(obj, "text", None) or getattr(obj, "message", ""),
                getattr(obj, "is_deleted", False),
                getattr(obj, "contains_private_data", False),
                (ob.pk, ob.status, ob.attempts, ob.last_error) if ob is not None else None,
                tuple((m.pk, m.is_evidence) for m in entry.media) if entry.media else (),
            )
        )
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
