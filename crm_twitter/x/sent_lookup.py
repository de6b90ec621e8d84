"""What an ambiguous send became on X, asked in ways X answers exactly.

A send is *ambiguous* when it may have reached X without us seeing the answer (a read timeout, a
dropped connection, a 5xx, a worker that died after posting). Before anything is sent again the
desk asks X, in this order:

* **the reply's own id**, when X returned it before the desk could record the outcome: one lookup
  by id (``GET /2/tweets``; for a DM, the event id in the conversation);
* **the conversation it replied into**, for a public reply: recent search
  ``conversation_id:<thread> from:<brand id>`` returns the brand's own posts in that one thread,
  however many thousand posts the account made elsewhere (reading the brand's timeline, as the
  desk did before, missed a reply behind 300 busier posts and posted it twice);
* **the DM conversation with the recipient**, for a DM, newest first back to the message's time.

X's recent search reaches 7 days back and shows a new post only after a short delay, so "not
found" is an answer only for a message that cannot have reached X; the caller decides what
follows (see ``crm_twitter.x.outbound``).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crm_twitter.models import CaseEvent, OutboundMessage, Tweet
from crm_twitter.x.gateway import XGateway

LOOKUP_CLOCK_SKEW = dt.timedelta(minutes=2)  # X's clock vs ours when comparing created_at
SEARCH_REACH = dt.timedelta(days=7)  # how far back X's recent search goes
SEARCH_MARGIN = dt.timedelta(minutes=5)  # keep start_time safely inside that reach
LOOKUP_PAGES = 10  # pages of 100 read in one thread before giving up (a thread rarely has one)


@dataclass(frozen=True)
class Delivered:
    """What X has for a message we sent (or found already there)."""

    x_id: str
    text: str
    conversation_id: str = ""
    found_on_x: bool = False
    raw: dict = field(default_factory=dict)


class OutOfSearchReach(Exception):
    """The message is older than X's recent search reaches: X cannot say whether it is there."""


# --- comparing texts ----------------------------------------------------------------------------

_URL = re.compile(r"https?://\S+")
_LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")
_SPACE = re.compile(r"\s+")


def normalized(text: str) -> str:
    """Text as comparable across X's rewriting (t.co links, &amp; escapes, reply mentions)."""
    text = unicodedata.normalize("NFC", html.unescape(text or ""))
    text = _URL.sub("<url>", text)
    text = _LEADING_MENTIONS.sub("", text.strip())
    return _SPACE.sub(" ", text).strip()


def texts_sent(message: OutboundMessage) -> set[str]:
    """This message's text, and earlier wordings (an edited retry) that may have reached X."""
    texts = {normalized(message.text)}
    previous = CaseEvent.objects.filter(
        case_id=message.case_id, kind=CaseEvent.Kind.REPLY_QUEUED, data__outbound_id=message.pk
    ).values_list("data", flat=True)
    for data in previous:
        if isinstance(data, dict) and data.get("previous_text"):
            texts.add(normalized(data["previous_text"]))
    return texts


def _full_text(item: dict) -> str:
    note = item.get("note_tweet")
    if isinstance(note, dict) and note.get("text"):
        return str(note["text"])
    return str(item.get("text", ""))


def _created(item: dict) -> dt.datetime | None:
    value = item.get("created_at")
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed


def _taken_by_other(x_id: str, message: OutboundMessage) -> bool:
    return OutboundMessage.objects.filter(x_id=x_id).exclude(pk=message.pk).exists()


def _replied_to(item: dict) -> set[str]:
    return {str(ref.get("id")) for ref in item.get("referenced_tweets") or [] if ref.get("type") == "replied_to"}


# --- public replies --------------------------------------------------------------------------------


def conversation_of(message: OutboundMessage) -> str:
    """The thread the reply went into: the replied-to post's conversation (it is its own when it
    started the thread)."""
    replied = Tweet.objects.filter(x_id=message.in_reply_to_tweet_id).values_list("conversation_id", flat=True).first()
    return replied or message.in_reply_to_tweet_id


def post_find_by_id(gateway: XGateway, message: OutboundMessage) -> Delivered | None:
    """The post X returned the id of (``message.x_id``), if it is still on X and the brand's."""
    if not message.x_id:
        return None
    page = gateway.get_tweets([message.x_id])
    for item in page.data:
        if str(item.get("id")) == message.x_id and str(item.get("author_id", "")) == message.brand_account.x_user_id:
            return Delivered(
                x_id=message.x_id,
                text=_full_text(item) or message.text,
                conversation_id=str(item.get("conversation_id", "")),
                found_on_x=True,
                raw=item,
            )
    return None


def post_find_in_conversation(
    gateway: XGateway, message: OutboundMessage, *, since: dt.datetime | None
) -> Delivered | None:
    """The brand's reply with this message's words to the same post, in the thread it replied into.

    ``since``: only posts made from then on count (an ambiguous send's own post is not older than
    the message); ``None`` accepts any post X's search still reaches.
    """
    if not message.in_reply_to_tweet_id:
        return None  # nothing was replied to: the send itself is refused, nothing to find
    now = timezone.now()
    reach = now - SEARCH_REACH + SEARCH_MARGIN
    if since is not None and message.created_at < reach:
        raise OutOfSearchReach(message.pk)
    start_time = max(since, reach) if since is not None else None
    texts = texts_sent(message)
    token = None
    for _page_number in range(LOOKUP_PAGES):
        page = gateway.search_conversation(
            conversation_of(message),
            from_user_id=message.brand_account.x_user_id,
            start_time=start_time,
            pagination_token=token,
        )
        for item in page.data:
            created = _created(item)
            if since is not None and created is not None and created < since:
                continue
            if str(message.in_reply_to_tweet_id) not in _replied_to(item):
                continue
            if normalized(_full_text(item)) not in texts or _taken_by_other(str(item["id"]), message):
                continue
            return Delivered(
                x_id=str(item["id"]),
                text=_full_text(item) or message.text,
                conversation_id=str(item.get("conversation_id", "")),
                found_on_x=True,
                raw=item,
            )
        token = page.next_token
        if not token:
            break
    return None


def post_find_standalone(gateway: XGateway, message: OutboundMessage, *, since: dt.datetime | None) -> Delivered | None:
    """An incident's status update (a post replying to nobody): the brand's own standalone post with
    these words, made from ``since`` on (``None``: any the search still reaches)."""
    now = timezone.now()
    reach = now - SEARCH_REACH + SEARCH_MARGIN
    if since is not None and message.created_at < reach:
        raise OutOfSearchReach(message.pk)
    start_time = max(since, reach) if since is not None else None
    text = normalized(message.text)
    token = None
    for _page_number in range(LOOKUP_PAGES):
        page = gateway.search_own_posts(message.brand_account.x_user_id, start_time=start_time, pagination_token=token)
        for item in page.data:
            created = _created(item)
            if since is not None and created is not None and created < since:
                continue
            if _replied_to(item) or normalized(_full_text(item)) != text or _taken_by_other(str(item["id"]), message):
                continue
            return Delivered(
                x_id=str(item["id"]),
                text=_full_text(item) or message.text,
                conversation_id=str(item.get("conversation_id", "")),
                found_on_x=True,
                raw=item,
            )
        token = page.next_token
        if not token:
            break
    return None


# --- direct messages -------------------------------------------------------------------------------


def dm_find(gateway: XGateway, message: OutboundMessage) -> Delivered | None:
    """The DM event this message became: its id if X returned one, else the brand's event with the
    same words in the conversation with the recipient, sent after the message was written."""
    if message.recipient_id is None:
        return None
    texts = texts_sent(message)
    since = message.created_at - LOOKUP_CLOCK_SKEW
    brand_id = str(message.brand_account.x_user_id)
    token = None
    for _page_number in range(LOOKUP_PAGES):
        page = gateway.get_dm_conversation_events(message.recipient.x_id, pagination_token=token)
        oldest: dt.datetime | None = None
        for item in page.data:
            created = _created(item)
            if created is not None:
                oldest = created if oldest is None else min(oldest, created)
            if item.get("event_type", "MessageCreate") != "MessageCreate":
                continue
            if str(item.get("sender_id", "")) != brand_id:
                continue
            same_id = bool(message.x_id) and str(item["id"]) == message.x_id
            if not same_id:
                if created is not None and created < since:
                    continue
                if normalized(item.get("text", "")) not in texts or _taken_by_other(str(item["id"]), message):
                    continue
            return Delivered(
                x_id=str(item["id"]),
                text=item.get("text", message.text),
                conversation_id=str(item.get("dm_conversation_id", "")),
                found_on_x=True,
                raw=item,
            )
        token = page.next_token
        if not token or (oldest is not None and oldest < since):
            break
    return None
