"""Turn pages of X API v2 JSON into rows: XUsers, Tweets, DirectMessages and Media — once.

Shared by polling (``crm_twitter.x.sync``) and the Account Activity webhook: both hand a page
(``data`` / ``includes`` / ``meta`` / ``errors``) to ``tweets_ingest`` or ``dm_events_ingest``.

Rules the business depends on:

* X's ids are unique here: ingesting the same page twice, or a message delivered by both the
  webhook and the poll, never makes a second row and never routes a message twice.
* A page is validated before anything is written; a malformed or partial page is rejected as a
  whole (``IngestRejected``) so the caller does not advance its cursor past it.
* Unknown fields survive in ``raw``; text is stored exactly as X sent it (emoji, CJK, RTL).
* A deleted/protected author (missing from ``includes``) or a media key without a media object
  is handled: the author becomes an unavailable placeholder XUser, the missing media is skipped.
* Set-based: a fixed number of queries per page, whatever its size (see ``tests/x_sync``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils import timezone

from crm_twitter.db.bulk import batch_atomic, values_insert, values_insert_returning, values_update, values_where_in
from crm_twitter.models import BrandAccount, Direction, DirectMessage, Media, Tweet, XUser
from crm_twitter.services import message_routing, order_matching
from crm_twitter.services.case_intake import intake_page
from crm_twitter.services.categorisation import cases_suggest_after_ingest
from crm_twitter.services.media_archive import media_archive_after_commit
from crm_twitter.services.message_routing import BrandDirectory, MessageItem, messages_route

logger = logging.getLogger(__name__)

USER_PROFILE_FIELDS = [  # what X tells us about a user, rewritten when their profile changes
    "handle",
    "name",
    "followers_count",
    "following_count",
    "verified",
    "protected",
    "location",
    "description",
    "profile_image_url",
    "is_unavailable",
    "profile_fetched_at",
    "raw",
]
DM_COLUMNS = (
    "x_event_id",
    "dm_conversation_id",
    "brand_account_id",
    "sender_id",
    "recipient_id",
    "case_id",
    "direction",
    "event_type",
    "text",
    "lang",
    "created_at",
    "raw",
)
MEDIA_TYPES = {"photo", "video", "animated_gif"}
TWEET_COLUMNS = (
    "x_id",
    "brand_account_id",
    "author_id",
    "case_id",
    "direction",
    "party",
    "kind",
    "text",
    "lang",
    "conversation_id",
    "in_reply_to_tweet_id",
    "in_reply_to_user_id",
    "quoted_tweet_id",
    "mentioned_user_ids",
    "public_metrics",
    "engagement",
    "contains_private_data",
    "created_at",
    "raw",
)


class PageLike(Protocol):
    data: list[dict]
    includes: dict[str, list[dict]]
    meta: dict
    errors: list[dict]


class IngestRejected(ValueError):
    """The page is malformed or partial; nothing of it was written."""


@dataclass(frozen=True)
class IngestResult:
    received: int = 0
    new_tweets: int = 0
    new_dms: int = 0
    new_ids: tuple[str, ...] = ()
    cases_opened: tuple[int, ...] = ()
    cases_joined: tuple[int, ...] = ()
    customers_created: int = 0
    orders_linked: int = 0
    media_missing: int = 0
    newest_id: str = ""
    oldest_id: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)


# --- validation -------------------------------------------------------------------------------------


def _reject(message: str) -> None:
    logger.error("crm_twitter ingest: page rejected: %s", message)
    raise IngestRejected(message)


def _parse_time(value: Any, what: str) -> dt.datetime:
    if not isinstance(value, str) or not value:
        _reject(f"{what}: created_at missing")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        _reject(f"{what}: created_at {value!r} is not an ISO 8601 time")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and value.isdigit() and len(value) <= 32


def _page_parts(page: PageLike) -> tuple[list[dict], dict[str, list[dict]], list[dict]]:
    data = getattr(page, "data", None)
    includes = getattr(page, "includes", None)
    errors = getattr(page, "errors", None)
    data = [] if data is None else data
    includes = {} if includes is None else includes
    errors = [] if errors is None else errors
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        _reject("data is not a list of objects")
    if not isinstance(includes, Mapping) or not all(isinstance(v, list) for v in includes.values()):
        _reject("includes is not an object of lists")
    for kind in ("users", "media", "tweets"):
        if not all(isinstance(x, dict) for x in includes.get(kind, [])):
            _reject(f"includes.{kind} holds something that is not an object")
    if not isinstance(errors, list):
        _reject("errors is not a list")
    for user in includes.get("users", []):
        if not _is_id(user.get("id")) or not isinstance(user.get("username"), str):
            _reject(f"includes.users entry without id/username: {str(user)[:200]}")
    for media in includes.get("media", []):
        if not isinstance(media.get("media_key"), str) or not media.get("media_key"):
            _reject("includes.media entry without media_key")
    return data, dict(includes), errors


def _validate_tweets(data: list[dict]) -> tuple[list[dict], dict[str, dt.datetime]]:
    seen: dict[str, dict] = {}
    created: dict[str, dt.datetime] = {}
    for tweet in data:
        x_id = tweet.get("id")
        if not _is_id(x_id):
            _reject(f"tweet without a valid id: {str(tweet)[:200]}")
        if not isinstance(tweet.get("text"), str):
            _reject(f"tweet {x_id}: text missing")
        if not _is_id(tweet.get("author_id")):
            _reject(f"tweet {x_id}: author_id missing (request the author_id field)")
        created[x_id] = _parse_time(tweet.get("created_at"), f"tweet {x_id}")
        for ref in tweet.get("referenced_tweets") or []:
            if not isinstance(ref, dict) or not _is_id(ref.get("id")):
                _reject(f"tweet {x_id}: malformed referenced_tweets")
        seen.setdefault(x_id, tweet)
    return list(seen.values()), created


def _validate_dm_events(data: list[dict]) -> tuple[list[dict], dict[str, dt.datetime]]:
    seen: dict[str, dict] = {}
    created: dict[str, dt.datetime] = {}
    for event in data:
        x_id = event.get("id")
        if not _is_id(x_id):
            _reject(f"DM event without a valid id: {str(event)[:200]}")
        event_type = event.get("event_type") or "MessageCreate"
        if not isinstance(event_type, str):
            _reject(f"DM event {x_id}: bad event_type")
        created[x_id] = _parse_time(event.get("created_at"), f"DM event {x_id}")
        if event_type == "MessageCreate":
            if not _is_id(event.get("sender_id")):
                _reject(f"DM event {x_id}: sender_id missing")
            if not isinstance(event.get("text", ""), str):
                _reject(f"DM event {x_id}: text is not a string")
            participants = event.get("participant_ids") or []
            if not event.get("dm_conversation_id") and len(participants) != 2:
                _reject(f"DM event {x_id}: neither dm_conversation_id nor two participant_ids")
        seen.setdefault(x_id, event)
    return list(seen.values()), created


# --- users ---------------------------------------------------------------------------------------------


def _user_values(user: dict, now: dt.datetime) -> tuple:
    """An X profile as a row of ``USER_PROFILE_FIELDS`` (a tuple: no XUser instance per user)."""
    metrics = user.get("public_metrics") or {}
    return (
        (user.get("username") or "")[:50],
        (user.get("name") or "")[:200],
        max(0, int(metrics.get("followers_count") or 0)),
        max(0, int(metrics.get("following_count") or 0)),
        bool(user.get("verified")),
        bool(user.get("protected")),
        (user.get("location") or "")[:200],
        user.get("description") or "",
        web_url(user.get("profile_image_url")),
        False,
        now,
        user,
    )


@dataclass(frozen=True)
class _UserRef:
    pk: int
    customer_id: int | None
    followers: int
    name: str


def users_upsert(
    *,
    users: Iterable[dict],
    placeholders: Mapping[str, str] = {},
    unavailable: Iterable[str] = (),
    langs: Mapping[str, str] = {},
) -> dict[str, _UserRef]:
    """Upsert X users from a page's ``includes.users``; placeholders for ids X left out.

    ``placeholders`` maps x id → handle for users we must have a row for but X did not describe
    (deleted, protected, suspended, or the brand itself). They are created once and never
    overwrite a real profile. Known users are rewritten only when X's profile changed. Returns
    x id → (pk, customer id, followers, name). At most 4 queries, whatever the page size.
    """
    now = timezone.now()
    by_id = {u["id"]: u for u in users}
    missing = {x: h for x, h in placeholders.items() if x not in by_id}
    wanted = set(by_id) | set(missing)
    known = {
        row[0]: row
        for row in values_where_in(
            XUser, ["x_id", "id", "customer_id", "followers_count", "name", "raw", "is_unavailable"], "x_id", wanted
        )
    }
    unavailable = set(unavailable)
    new_rows, changed_rows = [], []  # (x_id, *profile, lang) and (*profile, updated_at, pk)
    for x_id, user in by_id.items():
        if x_id not in known:
            new_rows.append((x_id, *_user_values(user, now), (langs.get(x_id) or "")[:16]))
        elif known[x_id][5] != user or known[x_id][6]:  # only a changed profile is rewritten
            changed_rows.append((*_user_values(user, now), now, known[x_id][1]))
    new_rows += [
        (
            x,
            (h or f"id{x}")[:50],
            "",
            0,
            0,
            False,
            False,
            "",
            "",
            "",
            x in unavailable or not h,
            None,
            {},
            (langs.get(x) or "")[:16],
        )
        for x, h in missing.items()
        if x not in known
    ]
    ref_columns = ["x_id", "id", "customer_id", "followers_count", "name"]
    inserted = None
    if new_rows:
        inserted = values_insert_returning(
            XUser, ["x_id", *USER_PROFILE_FIELDS, "lang"], new_rows, ref_columns, ignore_conflicts=True
        )
    if changed_rows:
        values_update(XUser, [*USER_PROFILE_FIELDS, "updated_at"], changed_rows)
    gone = [x for x in unavailable if x in known and x not in by_id and not known[x][6]]
    if gone:  # X now reports them deleted/suspended/protected: keep the row, flag it
        XUser.objects.filter(x_id__in=gone).update(is_unavailable=True)
    refs = {x: _UserRef(row[1], row[2], row[3], row[4]) for x, row in known.items()}
    pk_to_x = {row[1]: x for x, row in known.items()}
    for row in changed_rows:
        x_id = pk_to_x[row[-1]]
        refs[x_id] = _UserRef(row[-1], known[x_id][2], row[2], row[1])
    if new_rows:
        written = {row[0]: row for row in inserted or ()}
        # Read back what the INSERT did not return: all of it on SQLite, and on PostgreSQL the rows
        # another transaction wrote first (skipped as conflicts): theirs are the rows to point at.
        unread = [r[0] for r in new_rows if r[0] not in written]
        if unread:
            written.update((row[0], row) for row in values_where_in(XUser, ref_columns, "x_id", unread))
        refs.update(
            {
                x_id: _UserRef(pk, customer_id, followers, name)
                for x_id, pk, customer_id, followers, name in written.values()
            }
        )
    return refs


def _unavailable_ids(errors: list[dict]) -> set[str]:
    """Users X reported as not found / suspended / not authorised in ``errors``."""
    found = set()
    for error in errors:
        if not isinstance(error, dict):
            continue
        if error.get("resource_type") == "user" or "user" in str(error.get("parameter", "")):
            value = str(error.get("value") or error.get("resource_id") or "")
            if value.isdigit():
                found.add(value)
    return found


# --- helpers -------------------------------------------------------------------------------------------


def _engagement(metrics: Mapping[str, Any]) -> int:
    return sum(int(metrics.get(k) or 0) for k in ("like_count", "retweet_count", "reply_count", "quote_count"))


_MAYBE_PRIVATE = re.compile(r"\d{4}|[\w.+-]@[\w-]+\.\w")


def _private_data(text: str) -> bool:
    """Does a public text expose private data (order or tracking number, e-mail, phone, address…)?

    Order and tracking numbers are found with our own cheap patterns; the privacy module (phone
    numbers, cards, addresses — slower) only sees texts with a run of digits or an e-mail shape.
    """
    if order_matching.order_numbers_find(text) or order_matching.tracking_numbers_find(text):
        return True
    if not _MAYBE_PRIVATE.search(text or ""):
        return False
    try:
        from crm_twitter.services.privacy import private_data_find
    except ImportError:  # pragma: no cover - the outbound module provides it
        return False
    return bool(private_data_find(text))


def _id_sort_key(x_id: str) -> int:
    return int(x_id) if x_id.isdigit() else 0


def _media_rows(keys_by_owner: dict[str, list[str]], media_by_key: dict[str, dict]) -> tuple[list[tuple], int]:
    rows, missing = [], 0
    for owner, keys in keys_by_owner.items():
        for key in keys:
            media = media_by_key.get(key)
            if media is None:
                missing += 1
                continue
            rows.append((owner, key, media))
    return rows, missing


def web_url(value: Any) -> str:
    """An http(s) URL from a payload, or "" — a ``javascript:`` or ``data:`` URL in a hostile
    payload must never reach an ``href``/``src`` in the inbox or admin."""
    if not isinstance(value, str):
        return ""
    value = value.strip()[:500]
    return value if value.lower().startswith(("https://", "http://")) else ""


def _media_insert(media_rows: Sequence[tuple[str, str, dict]], owner_column: str, owner_pks: Mapping[str, int]) -> None:
    """Media rows (owner x id, media key, X media object) for tweets or DMs; one INSERT."""
    values_insert(
        Media,
        ["media_key", "type", "url", "preview_image_url", "width", "height", "alt_text", "raw", owner_column],
        (
            (
                key[:64],
                media.get("type") if media.get("type") in MEDIA_TYPES else Media.Type.PHOTO,
                web_url(media.get("url")),
                web_url(media.get("preview_image_url")),
                media.get("width") if isinstance(media.get("width"), int) else None,
                media.get("height") if isinstance(media.get("height"), int) else None,
                media.get("alt_text") or "",
                media,
                owner_pks[owner],
            )
            for owner, key, media in media_rows
        ),
        ignore_conflicts=True,
    )


def _result(
    *, received: int, new: Sequence[dict], ids: Any, routing: Any, orders_linked: int, media_missing: int, **counts: int
) -> IngestResult:
    """What one page of tweets or DM events did; the cursor moves to ``newest_id`` once committed."""
    sorted_ids = sorted(ids, key=_id_sort_key)
    return IngestResult(
        received=received,
        new_ids=tuple(item["id"] for item in new),
        cases_opened=tuple(routing.cases_opened),
        cases_joined=tuple(sorted(routing.cases_joined)),
        customers_created=routing.customers_created,
        orders_linked=orders_linked,
        media_missing=media_missing,
        newest_id=sorted_ids[-1],
        oldest_id=sorted_ids[0],
        **counts,
    )


def _link_orders(items: Sequence[MessageItem], routes: Mapping[str, Any]) -> int:
    texts_by_case: dict[int, list[str]] = {}
    for item in items:
        route = routes.get(item.x_id)
        if route and route.case_id and route.party == "customer" and route.direction == Direction.INBOUND:
            texts_by_case.setdefault(route.case_id, []).append(item.text)
    if not texts_by_case:
        return 0
    matches = order_matching.case_orders_match_many(texts_by_case=texts_by_case)
    return order_matching.case_orders_link_many(links=matches) if matches else 0


# --- tweets --------------------------------------------------------------------------------------------


def _tweet_fields(tweet: dict, users_by_name: Mapping[str, str]) -> dict[str, Any]:
    refs = {r.get("type"): r.get("id") for r in tweet.get("referenced_tweets") or []}
    kind = Tweet.Kind.ORIGINAL
    if "retweeted" in refs:
        kind = Tweet.Kind.RETWEET
    elif "replied_to" in refs:
        kind = Tweet.Kind.REPLY
    elif "quoted" in refs:
        kind = Tweet.Kind.QUOTE
    mentioned: list[str] = []
    for mention in (tweet.get("entities") or {}).get("mentions") or []:
        if not isinstance(mention, dict):
            continue
        x_id = mention.get("id") or users_by_name.get(str(mention.get("username", "")).lower())
        if x_id and str(x_id) not in mentioned:
            mentioned.append(str(x_id))
    metrics = tweet.get("public_metrics") or {}
    in_reply_to = refs.get("replied_to") or ""
    conversation_id = tweet.get("conversation_id") or ("" if in_reply_to else tweet["id"])
    return {
        "kind": kind,
        "in_reply_to_tweet_id": in_reply_to,
        "quoted_tweet_id": refs.get("quoted") or "",
        "mentioned": mentioned,
        "metrics": metrics if isinstance(metrics, dict) else {},
        "conversation_id": conversation_id,
        "media_keys": [k for k in (tweet.get("attachments") or {}).get("media_keys") or [] if isinstance(k, str)],
    }


def tweets_ingest(*, account: BrandAccount, page: PageLike) -> IngestResult:
    """Store a page of tweets (mentions, the brand's own posts, lookups) and route new ones to cases.

    Idempotent and all-or-nothing: one transaction; tweets already stored are left as they are
    (their public metrics refreshed). Callers that poll hold the account's sync lock around it.
    """
    data, includes, errors = _page_parts(page)
    message_routing.tweets_deleted_mark(x_ids=message_routing.tweets_not_found(errors))  # x_reality
    tweets, created = _validate_tweets(message_routing.tweets_normalise(data))  # x_reality: note_tweet
    if not tweets:
        return IngestResult()
    brands = BrandDirectory.load()
    users_by_name = {u["username"].lower(): u["id"] for u in includes.get("users", [])}
    users_by_name.update({h: a.x_user_id for h, a in brands.by_handle.items()})
    parsed = {t["id"]: _tweet_fields(t, users_by_name) for t in tweets}
    ids = [t["id"] for t in tweets]
    langs = {t["author_id"]: t.get("lang") or "" for t in tweets}
    placeholders = {t["author_id"]: "" for t in tweets}
    placeholders.update({a.x_user_id: a.handle for a in brands.by_x_id.values() if a.x_user_id in placeholders})

    with batch_atomic(), intake_page():
        users = users_upsert(
            users=includes.get("users", []),
            placeholders=placeholders,
            unavailable=_unavailable_ids(errors),
            langs=langs,
        )
        existing = {
            x_id: (pk, metrics)
            for x_id, pk, metrics in values_where_in(Tweet, ["x_id", "id", "public_metrics"], "x_id", ids)
        }
        new = [t for t in tweets if t["id"] not in existing]

        # Replies delivered without conversation_id (webhook v1.1 events): the parent's thread.
        parents_needed = {
            parsed[t["id"]]["in_reply_to_tweet_id"] for t in new if not parsed[t["id"]]["conversation_id"]
        }
        if parents_needed:
            known = dict(Tweet.objects.filter(x_id__in=parents_needed).values_list("x_id", "conversation_id"))
            in_page = {t["id"]: parsed[t["id"]]["conversation_id"] for t in tweets}
            for t in new:
                fields = parsed[t["id"]]
                if not fields["conversation_id"]:
                    parent = fields["in_reply_to_tweet_id"]
                    fields["conversation_id"] = known.get(parent) or in_page.get(parent) or parent

        languages = dict(
            zip(
                (t["id"] for t in new),
                message_routing.message_languages([(t["text"], t.get("lang")) for t in new]),
                strict=True,
            )
        )
        items = []
        for t in new:
            fields = parsed[t["id"]]
            author = users[t["author_id"]]
            case_account = brands.case_account_for(syncing=account, mentioned_x_ids=fields["mentioned"])
            if brands.is_brand(t["author_id"]):
                case_account = brands.by_x_id[t["author_id"]]
            items.append(
                MessageItem(
                    x_id=t["id"],
                    channel="public",
                    brand_account_id=case_account.pk,
                    author_pk=author.pk,
                    author_x_id=t["author_id"],
                    author_customer_id=author.customer_id,
                    author_name=author.name,
                    created_at=created[t["id"]],
                    text=t["text"],
                    lang=languages[t["id"]][:16],
                    conversation_id=fields["conversation_id"],
                    in_reply_to_tweet_id=fields["in_reply_to_tweet_id"],
                    is_retweet=fields["kind"] == Tweet.Kind.RETWEET,
                    mentioned_x_ids=tuple(fields["mentioned"]),
                    reach=author.followers,
                    engagement=_engagement(fields["metrics"]),
                    contains_private_data=not brands.is_brand(t["author_id"]) and _private_data(t["text"]),
                    edit_history_ids=tuple(str(x) for x in t.get("edit_history_tweet_ids") or ()),  # x_reality
                )
            )
        routing = messages_route(items=items, brands=brands)

        account_by_item = {i.x_id: i.brand_account_id for i in items}
        private_by_item = {i.x_id: i.contains_private_data for i in items}
        rows = []
        for t in new:  # plain tuples: a Tweet instance per row would cost more than its INSERT
            fields = parsed[t["id"]]
            route = routing.routes[t["id"]]
            rows.append(
                (
                    t["id"],
                    account_by_item[t["id"]],
                    users[t["author_id"]].pk,
                    route.case_id,
                    route.direction,
                    route.party,
                    fields["kind"],
                    t["text"],
                    # X's own code when it names a language (kept as X sent it), else the desk's reading.
                    (t.get("lang") if message_routing.language_normalise(t.get("lang")) else languages[t["id"]])[:16],
                    fields["conversation_id"][:32],
                    fields["in_reply_to_tweet_id"],
                    str(t.get("in_reply_to_user_id") or "")[:32],
                    fields["quoted_tweet_id"],
                    fields["mentioned"],
                    fields["metrics"],
                    _engagement(fields["metrics"]),
                    private_by_item[t["id"]],
                    created[t["id"]],
                    t,
                )
            )
        stored = values_insert_returning(Tweet, TWEET_COLUMNS, rows, ["x_id", "id"], ignore_conflicts=True)

        # Known tweets: refresh what changes over time (public metrics) where it changed — one
        # prepared UPDATE by primary key for the page (cheaper than bulk_update's CASE WHEN per row).
        changed = [
            (parsed[t["id"]]["metrics"], _engagement(parsed[t["id"]]["metrics"]), existing[t["id"]][0])
            for t in tweets
            if t["id"] in existing and parsed[t["id"]]["metrics"] and parsed[t["id"]]["metrics"] != existing[t["id"]][1]
        ]
        values_update(Tweet, ["public_metrics", "engagement"], changed)

        media_missing = 0
        keys_by_tweet = {t["id"]: parsed[t["id"]]["media_keys"] for t in new if parsed[t["id"]]["media_keys"]}
        if keys_by_tweet:
            media_by_key = {m["media_key"]: m for m in includes.get("media", [])}
            media_rows, media_missing = _media_rows(keys_by_tweet, media_by_key)
            if media_rows:
                tweet_pks = dict(stored or ())
                unread = [x_id for x_id in keys_by_tweet if x_id not in tweet_pks]  # as for users, above
                if unread:
                    tweet_pks.update(values_where_in(Tweet, ["x_id", "id"], "x_id", unread))
                _media_insert(media_rows, "tweet_id", tweet_pks)
                media_archive_after_commit([key for _, key, _ in media_rows])
            if media_missing:
                logger.warning("crm_twitter ingest: %s media key(s) without a media object", media_missing)

        orders_linked = _link_orders(items, routing.routes)
        cases_suggest_after_ingest(routing.cases_opened + sorted(routing.cases_joined))

    return _result(
        received=len(tweets),
        new=new,
        ids=ids,
        routing=routing,
        orders_linked=orders_linked,
        media_missing=media_missing,
        new_tweets=len(new),
    )


# --- direct messages -----------------------------------------------------------------------------------


def _dm_conversation_id(event: dict) -> str:
    if event.get("dm_conversation_id"):
        return str(event["dm_conversation_id"])[:80]
    participants = sorted((str(p) for p in event.get("participant_ids") or []), key=_id_sort_key)
    return "-".join(participants)[:80]


def _dm_counterpart(event: dict, sender: str, conversation_id: str) -> str:
    for participant in event.get("participant_ids") or []:
        if str(participant) != sender:
            return str(participant)
    parts = conversation_id.split("-")
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return parts[0] if parts[1] == sender else parts[1]
    return ""


def dm_events_ingest(*, account: BrandAccount, page: PageLike) -> IngestResult:
    """Store a page of DM events and route new messages to cases (idempotent, all-or-nothing).

    Messages the brand sent from X itself are outbound responses; events that are not messages
    (participants joining or leaving) are stored but never routed.
    """
    data, includes, errors = _page_parts(page)
    events, created = _validate_dm_events(data)
    if not events:
        return IngestResult()
    brands = BrandDirectory.load()
    ids = [e["id"] for e in events]

    shapes: dict[str, dict[str, str]] = {}
    placeholders: dict[str, str] = {account.x_user_id: account.handle}
    for event in events:
        sender = str(event.get("sender_id") or account.x_user_id)
        conversation_id = _dm_conversation_id(event)
        counterpart = _dm_counterpart(event, sender, conversation_id)
        shapes[event["id"]] = {"sender": sender, "conversation": conversation_id, "recipient": counterpart}
        placeholders.setdefault(sender, "")
        if counterpart:
            placeholders.setdefault(counterpart, "")
    for x_id in placeholders:
        if x_id in brands.by_x_id:
            placeholders[x_id] = brands.by_x_id[x_id].handle

    with batch_atomic(), intake_page():
        users = users_upsert(
            users=includes.get("users", []), placeholders=placeholders, unavailable=_unavailable_ids(errors)
        )
        existing = {row[0] for row in values_where_in(DirectMessage, ["x_event_id"], "x_event_id", ids)}
        new = [e for e in events if e["id"] not in existing]

        languages = message_routing.message_languages([(e.get("text") or "", "") for e in new])
        lang_of = {e["id"]: lang[:16] for e, lang in zip(new, languages, strict=True)}
        items = []
        for event in new:
            shape = shapes[event["id"]]
            sender = users[shape["sender"]]
            recipient = users.get(shape["recipient"]) if shape["recipient"] else None
            items.append(
                MessageItem(
                    x_id=event["id"],
                    channel="dm",
                    brand_account_id=account.pk,
                    author_pk=sender.pk,
                    author_x_id=shape["sender"],
                    author_customer_id=sender.customer_id,
                    author_name=sender.name,
                    created_at=created[event["id"]],
                    text=event.get("text") or "",
                    lang=lang_of[event["id"]],
                    conversation_id=shape["conversation"],
                    is_message=(event.get("event_type") or "MessageCreate") == "MessageCreate",
                    recipient_pk=recipient.pk if recipient else None,
                    recipient_customer_id=recipient.customer_id if recipient else None,
                    reach=sender.followers,
                )
            )
        routing = messages_route(items=items, brands=brands)

        rows = []
        for event in new:
            shape = shapes[event["id"]]
            route = routing.routes[event["id"]]
            recipient = users.get(shape["recipient"]) if shape["recipient"] else None
            rows.append(
                (
                    event["id"],
                    shape["conversation"],
                    account.pk,
                    users[shape["sender"]].pk,
                    recipient.pk if recipient else None,
                    route.case_id,
                    route.direction,
                    (event.get("event_type") or "MessageCreate")[:32],
                    event.get("text") or "",
                    lang_of[event["id"]],
                    created[event["id"]],
                    event,
                )
            )
        values_insert(DirectMessage, DM_COLUMNS, rows, ignore_conflicts=True)

        media_missing = 0
        keys_by_event = {
            e["id"]: [k for k in (e.get("attachments") or {}).get("media_keys") or [] if isinstance(k, str)]
            for e in new
        }
        keys_by_event = {k: v for k, v in keys_by_event.items() if v}
        if keys_by_event:
            media_by_key = {m["media_key"]: m for m in includes.get("media", [])}
            media_rows, media_missing = _media_rows(keys_by_event, media_by_key)
            if media_rows:
                dm_pks = dict(values_where_in(DirectMessage, ["x_event_id", "id"], "x_event_id", keys_by_event))
                _media_insert(media_rows, "direct_message_id", dm_pks)
                media_archive_after_commit([key for _, key, _ in media_rows])

        orders_linked = _link_orders(items, routing.routes)
        cases_suggest_after_ingest(routing.cases_opened + sorted(routing.cases_joined))

    return _result(
        received=len(events),
        new=new,
        ids=ids,
        routing=routing,
        orders_linked=orders_linked,
        media_missing=media_missing,
        new_dms=len(new),
    )
