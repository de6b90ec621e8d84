"""How a message finds its case (DESIGN.md), decided for a whole ingest page at once.

1. A reply in a conversation that already belongs to a case joins that case. Whoever is not the
   case's customer (nor the brand) is a *third party* there: in the timeline, never the customer.
2. A DM from a customer with an open case joins that case.
3. A new public tweet from a customer with an open case joins it; if the case had moved to DM or
   is waiting on someone (in_dm / pending_merchant / awaiting_customer) it is a *public nudge*.
4. Anything else opens a new case (a new X user who complains becomes a Customer). The brand's
   own messages sent from X itself are outbound responses and never open a case; retweets never
   open a case.

What real X threads taught us (scenarios in ``tests/x_reality``):

* Only a thread's *first* tweet claims the thread for its case (or the replied-to tweet itself):
  a customer replying under an unrelated or viral post starts/joins their own case instead of
  becoming a bystander in whoever replied there first. The brand's own replies still fall back
  to any case in the thread.
* A bystander who already has an open case of their own lands in it, not in the other case.
* The brand answering a bystander from X is shown in the case but is not a response to the
  customer (no first-response time, no status change).
* An edited tweet (new id, ``edit_history_tweet_ids``) goes where its earlier version went and is
  not a new contact; long posts are routed on ``note_tweet.text`` (``tweets_normalise``).
* Group DMs (conversation ids without "-") and non-message DM events are stored, never routed.
* A burst of public tweets while the case waits in DM is one public nudge per
  ``NUDGE_QUIET_PERIOD``, not one per tweet.
* X's lang codes are normalised (in→id, iw→he, zh-cn→zh, zh-tw→zh-TW); und/qme/zxx fall back to
  the customer's other messages, their Customer language, then their latest case language.

The page is resolved in memory, in chronological order, after a fixed number of queries, so a
customer's three tweets in one page open one case and the other two join it. The workflow
engine (``crm_twitter.services.case_intake``) then applies its rules in bulk.

Routing converges whatever order X delivers in (two accounts' streams, webhooks, backfills):

* A brand reply or DM whose thread is not known yet is stored without a case — *parked* — and
  routed again, in time order with the rest of its conversation, when a page brings its parent
  or its customer (any brand account's page) and by a periodic sweep (``parked_messages_route``).
* A brand message sent before the case's first customer message is never its response.
* A customer message older than the case it joins moves the case's start back to it
  (``case_intake._starts_move``); one written before the case moved to DM is not a public nudge.
* The first response is the earliest brand reply, whenever it is attached (``sla_responded``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from crm_twitter.classify.language import languages_detect
from crm_twitter.db.bulk import ids_allocate, rows_fetch, sql_in, values_insert, values_update, values_where_in
from crm_twitter.models import (
    OPEN_STATUSES,
    BrandAccount,
    Case,
    CaseEvent,
    CaseStatus,
    Customer,
    DirectMessage,
    Party,
    Tweet,
    XUser,
)
from crm_twitter.models.choices import Direction
from crm_twitter.services.case_inputs import CaseOpenSpec, MessageArrival, ResponseArrival
from crm_twitter.services.case_intake import case_messages_received, case_open_many, case_responses_recorded

NUDGE_STATUSES = frozenset({CaseStatus.IN_DM, CaseStatus.PENDING_MERCHANT, CaseStatus.AWAITING_CUSTOMER})
# A burst of public tweets (an angry customer, a bot: 30 mentions in a minute) is ONE public nudge:
# after a nudge, the case's public tweets within this window are contacts, not further nudges.
NUDGE_QUIET_PERIOD = dt.timedelta(minutes=15)

# X's "lang" codes that name no language: undetermined, media/emoji/hashtag/URL-only posts,
# "no linguistic content". A case's language then comes from the customer (see language_for).
UNDETERMINED_LANGS = frozenset({"", "und", "zxx", "qme", "qht", "qam", "qct", "qst", "art"})
# X still sends some withdrawn ISO 639-1 codes, and region forms the teams do not list.
LANG_ALIASES = {
    "in": "id",
    "iw": "he",
    "ji": "yi",
    "jw": "jv",
    "mo": "ro",
    "zh-cn": "zh",
    "zh-sg": "zh",
    "zh-hans": "zh",
    "zh-tw": "zh-TW",
    "zh-hant": "zh-TW",
    "zh-hk": "zh-HK",
    "zh-mo": "zh-HK",
    "pt-br": "pt-BR",
    "pt-pt": "pt",
    "en-gb": "en",
    "en-us": "en",
}


def language_normalise(code: str | None) -> str:
    """X's lang code → the desk's language code ("" when X could not tell): in→id, iw→he, zh-cn→zh."""
    value = (code or "").strip().replace("_", "-").lower()
    if value in UNDETERMINED_LANGS:
        return ""
    if value in LANG_ALIASES:
        return LANG_ALIASES[value]
    base, _, region = value.partition("-")
    base = LANG_ALIASES.get(base, base)
    return f"{base}-{region.upper()}" if region else base


def message_languages(messages: Sequence[tuple[str | None, str | None]]) -> list[str]:
    """The language of each ``(text, X's lang code)``: X's when it names one, else detected.

    X labels DMs with nothing and short or emoji-only tweets ``und``; the desk reads the text
    itself (offline, ``crm_twitter.classify.language``) so a first-contact DM still routes to a
    team that speaks it. "" when neither can tell (an emoji, a bare link).
    """
    out = [language_normalise(code) for _, code in messages]
    todo = [i for i, lang in enumerate(out) if not lang and messages[i][0]]
    if todo:
        for i, found in zip(todo, languages_detect([messages[i][0] for i in todo]), strict=True):
            out[i] = found or ""
    return out


def tweets_deleted_mark(*, x_ids: Iterable[str]) -> int:
    """Flag tweets X reports deleted (Account Activity ``tweet_delete_events``, lookup "Not Found").

    The row stays — the case timeline keeps the text for the audit trail — but ``is_deleted`` is
    set, so nobody replies to it. Deleting any version of an edited post deletes the whole edit
    chain on X, so every stored version is flagged. Returns the number of rows newly flagged.
    """
    ids = {str(x) for x in x_ids if x and str(x).isdigit()}
    if not ids:
        return 0
    chain = set(ids)
    known = list(Tweet.objects.filter(x_id__in=ids).values_list("x_id", "conversation_id", "author_id", "raw"))
    for _, _, _, raw in known:
        chain.update(str(v) for v in (raw or {}).get("edit_history_tweet_ids") or [])
    if known:
        # Later versions list the deleted one in their history; they share its thread and author.
        siblings = Tweet.objects.filter(
            conversation_id__in={c for _, c, _, _ in known if c}, author_id__in={a for _, _, a, _ in known}
        ).values_list("x_id", "raw")
        for x_id, raw in siblings:
            if ids.intersection(str(v) for v in (raw or {}).get("edit_history_tweet_ids") or []):
                chain.add(x_id)
    return Tweet.objects.filter(x_id__in=chain, is_deleted=False).update(is_deleted=True)


def tweets_not_found(errors: Iterable[dict]) -> set[str]:
    """Tweet ids a v2 response's ``errors`` reports as not found (deleted) — not protected/withheld."""
    found = set()
    for error in errors or []:
        if not isinstance(error, dict) or error.get("resource_type") != "tweet":
            continue
        if "not-found" not in str(error.get("type", "")) and error.get("title") != "Not Found Error":
            continue
        value = str(error.get("resource_id") or error.get("value") or "")
        if value.isdigit():
            found.add(value)
    return found


def tweets_normalise(tweets: Sequence[dict]) -> list[dict]:
    """X's tweet objects as the desk stores them: long posts carry their full text.

    A long post (X Premium, up to 25,000 characters) arrives with ``text`` cut at about 280
    characters and the whole post in ``note_tweet.text``; routing, order matching and the agent
    need the whole post. The cut text is kept in the raw payload as ``truncated_text``, and the
    note's entities (mentions past the cut) replace the short ones.
    """
    out = []
    for tweet in tweets:
        note = tweet.get("note_tweet") if isinstance(tweet, dict) else None
        if isinstance(note, dict) and isinstance(note.get("text"), str) and note["text"]:
            tweet = {**tweet, "text": note["text"], "truncated_text": tweet.get("text")}
            if isinstance(note.get("entities"), dict):
                tweet["entities"] = {**(tweet.get("entities") or {}), **note["entities"]}
        out.append(tweet)
    return out


@dataclass
class MessageItem:
    """One new message, parsed from X JSON, as routing needs it (ingest builds these)."""

    x_id: str
    channel: str  # "public" or "dm"
    brand_account_id: int
    author_pk: int
    author_x_id: str
    author_customer_id: int | None
    author_name: str
    created_at: dt.datetime
    text: str = ""
    lang: str = ""
    conversation_id: str = ""  # tweet conversation, or the DM conversation id
    in_reply_to_tweet_id: str = ""
    is_retweet: bool = False
    is_message: bool = True  # False for DM events that are not messages (joins, leaves)
    recipient_pk: int | None = None  # DMs: the other participant
    recipient_customer_id: int | None = None
    mentioned_x_ids: tuple[str, ...] = ()
    reach: int = 0
    engagement: int = 0
    contains_private_data: bool = False
    edit_history_ids: tuple[str, ...] = ()  # X's edit_history_tweet_ids: the original first

    @property
    def earlier_versions(self) -> tuple[str, ...]:
        """Ids of the versions this tweet is an edit of (empty for a never-edited tweet)."""
        return tuple(x for x in self.edit_history_ids if x and x != self.x_id)


@dataclass
class Route:
    """Where one message went."""

    case_id: int | None
    party: str
    direction: str
    opened_case: bool = False
    joined_case: bool = False
    public_nudge: bool = False
    mentions_executive: bool = False


@dataclass
class RoutingResult:
    routes: dict[str, Route]
    cases_opened: list[int] = field(default_factory=list)
    cases_joined: set[int] = field(default_factory=set)
    customers_created: int = 0
    rerouted: list[str] = field(default_factory=list)  # x ids of parked messages that found their case


@dataclass(eq=False)  # hashed by identity: a key of the page's case maps
class _Pending:
    """A case this page will open (its id is known after ``case_open_many``)."""

    index: int
    customer_key: object
    status: str = CaseStatus.NEW
    case_id: int | None = None


@dataclass
class _CaseInfo:
    status: str
    customer_id: int | None
    customer_x_user_id: int | None
    moved_to_dm_at: dt.datetime | None = None


@dataclass(frozen=True)
class BrandDirectory:
    """All brand accounts, by X user id, loaded once per page."""

    by_x_id: dict[str, BrandAccount]
    by_handle: dict[str, BrandAccount]

    @classmethod
    def load(cls) -> BrandDirectory:
        accounts = list(BrandAccount.objects.all())
        return cls(by_x_id={a.x_user_id: a for a in accounts}, by_handle={a.handle.lower(): a for a in accounts})

    def is_brand(self, x_id: str) -> bool:
        return x_id in self.by_x_id

    def executive_ids(self) -> set[str]:
        return {x for x, a in self.by_x_id.items() if a.role == BrandAccount.Role.EXECUTIVE}

    def case_account_for(self, *, syncing: BrandAccount, mentioned_x_ids: Sequence[str]) -> BrandAccount:
        """The account a case belongs to: a mentioned support account beats an executive one."""
        for x_id in mentioned_x_ids:
            account = self.by_x_id.get(x_id)
            if account and account.is_active and account.role != BrandAccount.Role.EXECUTIVE:
                return account
        if syncing.role == BrandAccount.Role.EXECUTIVE:
            for account in self.by_x_id.values():
                if account.is_active and account.role == BrandAccount.Role.SUPPORT:
                    return account
        return syncing


def messages_route(*, items: Sequence[MessageItem], brands: BrandDirectory) -> RoutingResult:
    """Decide the case, party and direction of every new message of a page; open/join cases.

    Parked messages (``parked_related``: the brand's replies and DMs stored before the thread
    they answer) that this page completes are routed in the same pass, in time order, so the
    result does not depend on which message X delivered first.

    Queries: a fixed handful for the page (thread lookups, open cases, customers, parked
    messages), plus the workflow engine's bulk calls.
    """
    return _route(items=items, parked=parked_related(items), brands=brands)


def _route(*, items: Sequence[MessageItem], parked: Sequence[MessageItem], brands: BrandDirectory) -> RoutingResult:
    parked_ids = {i.x_id: i.channel for i in parked}
    items = sorted([*items, *parked], key=lambda i: (i.created_at, int(i.x_id) if i.x_id.isdigit() else 0, i.x_id))
    executive_ids = brands.executive_ids()

    # --- what the database already knows about these threads and people ------------------------
    tweet_parents = {i.in_reply_to_tweet_id for i in items if i.channel == "public" and i.in_reply_to_tweet_id}
    conversations = {i.conversation_id for i in items if i.channel == "public" and i.conversation_id}
    dm_conversations = {i.conversation_id for i in items if i.channel == "dm" and i.conversation_id}
    earlier_versions = {v for i in items if i.channel == "public" for v in i.earlier_versions}
    tweet_case: dict[str, object] = {}
    tweet_party: dict[str, str] = {}  # tweet x id → its party in its case (brand replies to third parties)
    conv_case: dict[str, object] = {}  # any case with a tweet in the thread (brand replies only)
    conv_root_case: dict[str, object] = {}  # the case that owns the thread's first tweet
    dm_conv_case: dict[str, object] = {}
    if tweet_parents or conversations or earlier_versions:
        for x_id, case_id, party in values_where_in(
            Tweet, ["x_id", "case_id", "party"], "x_id", tweet_parents | conversations | earlier_versions
        ):
            if case_id is not None:
                tweet_case[x_id] = case_id
                tweet_party[x_id] = party
        conv_root_case.update({c: tweet_case[c] for c in conversations if c in tweet_case})
    if conversations:
        # One row per thread however long it is: the case that owns it first (lowest id).
        conv_case.update(_threads_first_case(conversations))
    if dm_conversations:
        # The latest case of each DM thread (one row per thread).
        dm_conv_case.update(
            DirectMessage.objects.filter(dm_conversation_id__in=dm_conversations, case__isnull=False)
            .values("dm_conversation_id")
            .annotate(last_case=Max("case_id"))
            .values_list("dm_conversation_id", "last_case")
        )
    customer_ids = {i.author_customer_id for i in items if i.author_customer_id}
    customer_ids |= {i.recipient_customer_id for i in items if i.recipient_customer_id}
    thread_case_ids = {c for c in (*tweet_case.values(), *conv_case.values(), *dm_conv_case.values())}
    case_info: dict[object, _CaseInfo] = {}
    case_start: dict[object, dt.datetime] = {}  # case ref → its earliest customer message so far
    open_case: dict[object, object] = {}  # customer key → case ref
    if thread_case_ids or customer_ids:
        rows = _cases_of_threads_and_customers(thread_case_ids, customer_ids)
        merged: dict[int, int] = {}
        for pk, status, customer_id, customer_x_user_id, merged_into_id, opened_at, moved_to_dm_at in rows:
            if merged_into_id and pk not in thread_case_ids:
                continue  # a customer's merged case is not an open case of theirs
            case_info[pk] = _CaseInfo(status, customer_id, customer_x_user_id, moved_to_dm_at)
            case_start[pk] = opened_at
            if merged_into_id:
                merged[pk] = merged_into_id
            elif status in OPEN_STATUSES:
                open_case[customer_id] = pk  # the most recently opened open case wins
        if merged:
            # Messages of a merged case belong to the case it was merged into (one more query).
            targets = Case.objects.filter(pk__in=set(merged.values())).values_list(
                "pk", "status", "customer_id", "customer_x_user_id", "opened_at", "moved_to_dm_at"
            )
            for pk, status, customer_id, customer_x_user_id, opened_at, moved_to_dm_at in targets:
                case_info[pk] = _CaseInfo(status, customer_id, customer_x_user_id, moved_to_dm_at)
                case_start[pk] = opened_at
            for mapping in (tweet_case, conv_case, conv_root_case, dm_conv_case):
                for key, value in mapping.items():
                    if value in merged and merged[value] in case_info:
                        mapping[key] = merged[value]

    languages = _customer_languages(items)
    last_nudge: dict[object, dt.datetime] = {}  # case ref → time of its latest public nudge
    nudgeable = [pk for pk, info in case_info.items() if info.status in NUDGE_STATUSES]
    if nudgeable and any(i.channel == "public" for i in items):
        last_nudge.update(
            CaseEvent.objects.filter(case_id__in=nudgeable, kind=CaseEvent.Kind.PUBLIC_NUDGE)
            .values("case_id")
            .annotate(at=Max("created_at"))
            .values_list("case_id", "at")
        )

    def is_nudge(ref: object, at: dt.datetime) -> bool:
        info = info_of(ref)
        if info.status not in NUDGE_STATUSES:
            return False
        start = case_start.get(ref)
        if (info.moved_to_dm_at and at < info.moved_to_dm_at) or (start and at < start):
            return False  # written before the case moved to DM (delivered late): not a nudge
        previous = last_nudge.get(ref)
        if previous is not None and abs(at - previous) < NUDGE_QUIET_PERIOD:
            return False
        last_nudge[ref] = at
        return True

    # --- resolve the page in chronological order ------------------------------------------------
    item_by_id = {i.x_id: i for i in items}
    routes: dict[str, Route] = {}
    pending: list[_Pending] = []
    specs: list[CaseOpenSpec] = []
    new_customer_authors: dict[int, MessageItem] = {}  # author pk → first message (for the profile)
    arrivals: list[tuple[str, object, MessageArrival]] = []  # (x_id, case ref, arrival without case id)
    responses: list[tuple[str, object, ResponseArrival]] = []

    def customer_key(customer_id: int | None, x_user_pk: int) -> object:
        return customer_id if customer_id else ("author", x_user_pk)

    def info_of(ref: object) -> _CaseInfo:
        if isinstance(ref, _Pending):
            return _CaseInfo(ref.status, None, None)
        return case_info.get(ref) or _CaseInfo(CaseStatus.NEW, None, None)

    def is_case_customer(ref: object, item: MessageItem) -> bool:
        if isinstance(ref, _Pending):
            return ref.customer_key == customer_key(item.author_customer_id, item.author_pk)
        info = info_of(ref)
        return (item.author_customer_id is not None and item.author_customer_id == info.customer_id) or (
            item.author_pk == info.customer_x_user_id
        )

    def answers_from(ref: object, item: MessageItem) -> object:
        """``ref`` when a brand message can answer that case, else None: a message sent before
        the case's first customer message is not a response to it (it stays parked)."""
        start = case_start.get(ref)
        return None if ref is None or (start is not None and item.created_at < start) else ref

    def join(item: MessageItem, ref: object, *, nudge: bool, exec_mention: bool) -> Route:
        start = case_start.get(ref)
        if start is None or item.created_at < start:
            case_start[ref] = item.created_at  # a message delivered late: the case began earlier
        arrival = MessageArrival(
            case_id=0,
            at=item.created_at,
            channel=item.channel,
            text=item.text,
            is_public_nudge=nudge,
            mentions_executive=exec_mention,
            contains_private_data=item.contains_private_data,
            engagement=item.engagement,
        )
        arrivals.append((item.x_id, ref, arrival))
        return Route(
            case_id=None,
            party=Party.CUSTOMER,
            direction=Direction.INBOUND,
            joined_case=True,
            public_nudge=nudge,
            mentions_executive=exec_mention,
        )

    for item in items:
        is_brand = brands.is_brand(item.author_x_id)
        direction = Direction.OUTBOUND if is_brand else Direction.INBOUND
        exec_mention = bool(executive_ids.intersection(item.mentioned_x_ids)) and item.author_x_id not in executive_ids
        refs: dict[str, object] = {}

        if item.is_retweet or not item.is_message:
            routes[item.x_id] = Route(
                case_id=None, party=Party.BRAND if is_brand else Party.CUSTOMER, direction=direction
            )
            continue

        if item.channel == "public" and item.earlier_versions:
            # An edit (X gives the new version a new id): it belongs where the original went, and
            # is not a new contact — no second case, no double count, no nudge.
            earlier = next((v for v in reversed(item.earlier_versions) if v in tweet_case), None)
            if earlier is not None:
                party = tweet_party.get(earlier) or (Party.BRAND if is_brand else Party.CUSTOMER)
                routes[item.x_id] = Route(case_id=tweet_case[earlier], party=party, direction=direction)
                tweet_case[item.x_id] = tweet_case[earlier]
                tweet_party[item.x_id] = party
                continue

        if item.channel == "public":
            thread_ref = tweet_case.get(item.in_reply_to_tweet_id) if item.in_reply_to_tweet_id else None
            if is_brand:
                thread_ref = answers_from(
                    thread_ref or conv_root_case.get(item.conversation_id) or conv_case.get(item.conversation_id),
                    item,
                )
            else:
                # Only the thread's first tweet claims a thread for its case: a customer replying
                # under someone else's unrelated (or viral) post starts or joins their own case.
                thread_ref = thread_ref or conv_root_case.get(item.conversation_id)
            answers_third_party = tweet_party.get(item.in_reply_to_tweet_id) == Party.THIRD_PARTY
            if is_brand and answers_third_party:
                # The brand answering a bystander in the customer's thread: in the timeline, but
                # not a response to the customer (no first-response, no status change).
                route = Route(case_id=None, party=Party.BRAND, direction=direction)
                refs["case"] = thread_ref
            elif is_brand:
                route = Route(case_id=None, party=Party.BRAND, direction=direction)
                if thread_ref is not None:
                    responses.append(
                        (
                            item.x_id,
                            thread_ref,
                            ResponseArrival(
                                case_id=0,
                                at=item.created_at,
                                channel="public",
                                data={"tweet_id": item.x_id, "sent_from_x": True, "text": item.text},
                            ),
                        )
                    )
                    refs["case"] = thread_ref
            elif (
                thread_ref is not None
                and not is_case_customer(thread_ref, item)
                and open_case.get(customer_key(item.author_customer_id, item.author_pk)) is None
            ):
                # Someone else in the customer's thread ("same happened to me!"): shown in that
                # case as a third party, never its customer; no case of their own is opened —
                # an agent splits one off if they complain too (see tests/x_reality).
                route = Route(case_id=None, party=Party.THIRD_PARTY, direction=direction)
                refs["case"] = thread_ref
            else:
                if thread_ref is not None and not is_case_customer(thread_ref, item):
                    thread_ref = None  # a bystander with an open case of their own: it goes there
                key = customer_key(item.author_customer_id, item.author_pk)
                ref = thread_ref if thread_ref is not None else open_case.get(key)
                if ref is not None:
                    route = join(item, ref, nudge=is_nudge(ref, item.created_at), exec_mention=exec_mention)
                else:
                    ref = _Pending(index=len(pending), customer_key=key)
                    pending.append(ref)
                    case_start[ref] = item.created_at
                    specs.append(_spec_for(item, exec_mention=exec_mention, language=languages(item)))
                    open_case[key] = ref
                    if not item.author_customer_id:
                        new_customer_authors.setdefault(item.author_pk, item)
                    route = Route(
                        case_id=None,
                        party=Party.CUSTOMER,
                        direction=direction,
                        opened_case=True,
                        mentions_executive=exec_mention,
                    )
                refs["case"] = ref
            if refs.get("case") is not None:
                tweet_case[item.x_id] = refs["case"]
                tweet_party[item.x_id] = route.party
                if item.conversation_id:
                    conv_case.setdefault(item.conversation_id, refs["case"])
                    if item.conversation_id == item.x_id:
                        conv_root_case.setdefault(item.conversation_id, refs["case"])
        elif item.conversation_id and "-" not in item.conversation_id:
            # A group DM (one-to-one conversations are "<low id>-<high id>"): stored for the
            # record, never routed — a dispute is handled one-to-one.
            route = Route(case_id=None, party=Party.BRAND if is_brand else Party.CUSTOMER, direction=direction)
        else:  # a direct message
            if is_brand:
                route = Route(case_id=None, party=Party.BRAND, direction=direction)
                ref = None
                if item.recipient_pk is not None:
                    ref = open_case.get(customer_key(item.recipient_customer_id, item.recipient_pk))
                ref = answers_from(ref if ref is not None else dm_conv_case.get(item.conversation_id), item)
                if ref is not None:
                    responses.append(
                        (
                            item.x_id,
                            ref,
                            ResponseArrival(
                                case_id=0,
                                at=item.created_at,
                                channel="dm",
                                data={"dm_event_id": item.x_id, "sent_from_x": True, "text": item.text},
                            ),
                        )
                    )
                    refs["case"] = ref
            else:
                key = customer_key(item.author_customer_id, item.author_pk)
                ref = open_case.get(key)
                ref = ref if ref is not None else dm_conv_case.get(item.conversation_id)
                if ref is not None:
                    route = join(item, ref, nudge=False, exec_mention=False)
                else:
                    ref = _Pending(index=len(pending), customer_key=key)
                    pending.append(ref)
                    case_start[ref] = item.created_at
                    specs.append(_spec_for(item, exec_mention=False, language=languages(item)))
                    open_case[key] = ref
                    if not item.author_customer_id:
                        new_customer_authors.setdefault(item.author_pk, item)
                    route = Route(case_id=None, party=Party.CUSTOMER, direction=direction, opened_case=True)
                refs["case"] = ref
            if "case" in refs and item.conversation_id:
                dm_conv_case[item.conversation_id] = refs["case"]
        route.case_id = refs.get("case")  # a ref for now; replaced by a pk below
        routes[item.x_id] = route

    # --- write: customers, new cases, arrivals, responses -----------------------------------------
    customers_created = _customers_create(new_customer_authors, languages)
    if specs:
        specs = [_with_customer(spec, customers_created.get(spec.customer_x_user_id)) for spec in specs]
        opened = case_open_many(specs=specs, suggest_now=False)
        for ref, case in zip(pending, opened, strict=True):
            ref.case_id = case.pk

    def resolve(ref: object) -> int | None:
        if ref is None:
            return None
        return ref.case_id if isinstance(ref, _Pending) else ref

    for route in routes.values():
        route.case_id = resolve(route.case_id)

    joined: set[int] = set()
    if arrivals:
        ready = [MessageArrival(**{**arrival.__dict__, "case_id": resolve(ref)}) for _, ref, arrival in arrivals]
        # The public thread of each arrival: the engine moves a case's start back to a message
        # delivered late, and that message's thread joins the case (see case_intake._starts_move).
        threads = [
            item_by_id[x_id].conversation_id if item_by_id[x_id].channel == "public" else "" for x_id, _, _ in arrivals
        ]
        landed = case_messages_received(arrivals=ready, suggest_now=False, threads=threads)
        for (x_id, _, _), case in zip(arrivals, landed, strict=True):
            # The workflow may hand back a follow-up case (reopen window passed).
            routes[x_id].case_id = case.pk
            joined.add(case.pk)

    if responses:
        # After the arrivals: a response is measured against the case's (possibly earlier) start.
        case_responses_recorded(
            responses=[
                ResponseArrival(**{**response.__dict__, "case_id": resolve(ref)}) for _, ref, response in responses
            ]
        )

    rerouted = _parked_attach(parked_ids, routes)
    return RoutingResult(
        routes=routes,
        cases_opened=[ref.case_id for ref in pending],
        cases_joined=joined,
        customers_created=len(customers_created),
        rerouted=rerouted,
    )


_CASE_ROW = ("id", "status", "customer_id", "customer_x_user_id", "merged_into_id", "opened_at", "moved_to_dm_at")


def _threads_first_case(conversations: Iterable[str]) -> list[tuple[str, int]]:
    """(thread, the lowest case id with a tweet in it) for the page's public threads.

    Precomposed SQL (``db.bulk.sql_in``): the ORM's ``__in`` builds a lookup per value, and this
    runs on every page.
    """
    meta = Tweet._meta
    qn = connection.ops.quote_name
    thread, case = meta.get_field("conversation_id"), meta.get_field("case")
    condition, params = sql_in(qn(thread.column), thread, conversations)
    sql = (
        f"SELECT {qn(thread.column)}, MIN({qn(case.column)}) FROM {qn(meta.db_table)} "  # noqa: S608 (quoted identifiers)
        f"WHERE {condition} AND {qn(case.column)} IS NOT NULL GROUP BY {qn(thread.column)}"
    )
    return [(row[0], row[1]) for row in rows_fetch(sql, params, [thread, case])]


def _cases_of_threads_and_customers(case_ids: set[int], customer_ids: set[int]) -> list[list]:
    """The page's thread cases and its customers' open cases (``_CASE_ROW``), oldest first.

    Merged cases are skipped by the caller, not here: "merged_into IS NULL" matches nearly every
    row, and SQLite (no statistics) would scan that index instead of (customer, status).
    Precomposed SQL, as ``_threads_first_case``; empty key sets leave their condition out, as the
    ORM does, so SQLite's plan is the ORM's.
    """
    meta = Case._meta
    qn = connection.ops.quote_name
    fields = [meta.get_field(name) for name in _CASE_ROW]
    conditions, params = [], []
    if case_ids:
        condition, values = sql_in(qn(meta.pk.column), meta.pk, case_ids)
        conditions.append(condition)
        params += values
    if customer_ids:
        customer, status = meta.get_field("customer"), meta.get_field("status")
        by_customer, customer_values = sql_in(qn(customer.column), customer, customer_ids)
        is_open, status_values = sql_in(qn(status.column), status, OPEN_STATUSES)
        conditions.append(f"({by_customer} AND {is_open})")
        params += customer_values + status_values
    sql = (
        f"SELECT {', '.join(qn(f.column) for f in fields)} FROM {qn(meta.db_table)} "  # noqa: S608 (quoted identifiers)
        f"WHERE {' OR '.join(conditions)} ORDER BY {qn(meta.get_field('opened_at').column)}, {qn(meta.pk.column)}"
    )
    return rows_fetch(sql, params, fields)


# --- parked messages: routing that converges whatever order X delivers in -------------------------
#
# X delivers one conversation through several streams (each brand account's mentions and
# timeline, DM events, webhooks, backfills), so a brand reply can be stored before the customer
# tweet it answers, or a brand DM before the customer's first message. Such a message is stored
# without a case — *parked* — and routed again, in time order with the rest of the thread:
# when a page brings its parent or its customer (``messages_route``), and by a periodic sweep
# (``parked_messages_route``) for threads completed by any other path.

# The sweep looks back this far; older parked messages stay in the record, outside any case.
PARKED_RETRY_WINDOW = dt.timedelta(days=7)
# Parked messages the sweep routes per run (oldest first); the next run takes the rest.
PARKED_SWEEP_BATCH = 500


def _parked_tweets() -> QuerySet:
    """The brand's public replies stored without a case (not the desk's own sends, not retweets)."""
    return (
        Tweet.objects.filter(case__isnull=True, direction=Direction.OUTBOUND, sent_via_desk=False, is_deleted=False)
        .exclude(in_reply_to_tweet_id="")
        .exclude(kind=Tweet.Kind.RETWEET)
    )


def _parked_dms() -> QuerySet:
    """The brand's one-to-one DMs stored without a case (not the desk's own sends)."""
    return DirectMessage.objects.filter(
        case__isnull=True,
        direction=Direction.OUTBOUND,
        sent_via_desk=False,
        event_type="MessageCreate",
        dm_conversation_id__contains="-",
    )


def _parked_items(tweets: QuerySet | None, dms: QuerySet | None) -> list[MessageItem]:
    """Parked rows as routing items, locked until the transaction ends: two syncs completing
    the same thread at once cannot both attach a reply (the second finds it routed)."""
    items: list[MessageItem] = []
    if transaction.get_connection().in_atomic_block:  # ingest and the sweep always are
        tweets = tweets.select_for_update(of=("self",)) if tweets is not None else None
        dms = dms.select_for_update(of=("self",)) if dms is not None else None
    if tweets is not None:
        rows = tweets.values_list(
            "x_id",
            "brand_account_id",
            "author_id",
            "author__x_id",
            "author__name",
            "created_at",
            "text",
            "lang",
            "conversation_id",
            "in_reply_to_tweet_id",
        )
        for x_id, account_id, author_pk, author_x_id, name, at, text, lang, conversation, reply_to in rows:
            items.append(
                MessageItem(
                    x_id=x_id,
                    channel="public",
                    brand_account_id=account_id,
                    author_pk=author_pk,
                    author_x_id=author_x_id,
                    author_customer_id=None,
                    author_name=name,
                    created_at=at,
                    text=text,
                    lang=lang,
                    conversation_id=conversation,
                    in_reply_to_tweet_id=reply_to,
                )
            )
    if dms is not None:
        rows = dms.values_list(
            "x_event_id",
            "brand_account_id",
            "sender_id",
            "sender__x_id",
            "sender__name",
            "created_at",
            "text",
            "lang",
            "dm_conversation_id",
            "recipient_id",
            "recipient__customer_id",
        )
        for x_id, account_id, sender_pk, sender_x_id, name, at, text, lang, conversation, to_pk, to_customer in rows:
            items.append(
                MessageItem(
                    x_id=x_id,
                    channel="dm",
                    brand_account_id=account_id,
                    author_pk=sender_pk,
                    author_x_id=sender_x_id,
                    author_customer_id=None,
                    author_name=name,
                    created_at=at,
                    text=text,
                    lang=lang,
                    conversation_id=conversation,
                    recipient_pk=to_pk,
                    recipient_customer_id=to_customer,
                )
            )
    return items


def parked_related(items: Sequence[MessageItem]) -> list[MessageItem]:
    """The parked messages a page of new messages may complete: brand replies in the page's
    threads (or to its tweets), brand DMs in its DM conversations or to its authors. One query at
    most, whatever the page size (``_parked_related_rows``), locked as ``_parked_items`` locks."""
    public = [i for i in items if i.channel == "public"]
    tweet_ids = {i.x_id for i in public}
    threads = tweet_ids | {i.conversation_id for i in public if i.conversation_id}
    dm_threads = {i.conversation_id for i in items if i.channel == "dm" and i.conversation_id}
    authors = {i.author_pk for i in items if i.is_message and not i.is_retweet}
    if not tweet_ids and not (dm_threads or authors):
        return []
    out = []
    for row in _parked_related_rows(tweet_ids, threads, dm_threads, authors):
        x_id, account_id, author_pk, author_x_id, name, at, text, lang, conversation, reply_to, to_pk, to_customer = (
            row[:12]
        )
        is_dm = row[12] == 1
        out.append(
            MessageItem(
                x_id=x_id,
                channel="dm" if is_dm else "public",
                brand_account_id=account_id,
                author_pk=author_pk,
                author_x_id=author_x_id,
                author_customer_id=None,
                author_name=name,
                created_at=at,
                text=text,
                lang=lang,
                conversation_id=conversation,
                in_reply_to_tweet_id="" if is_dm else reply_to,
                recipient_pk=to_pk if is_dm else None,
                recipient_customer_id=to_customer if is_dm else None,
            )
        )
    return out


def _parked_related_rows(tweet_ids: set[str], threads: set[str], dm_threads: set[str], authors: set[int]) -> list[list]:
    """The rows of ``parked_related``: the ``_parked_tweets`` and ``_parked_dms`` conditions as one
    precomposed statement (tweets first, then DMs, each in its model's order), rows locked in a
    transaction as ``_parked_items`` locks them.

    It runs on every page and almost always finds nothing: as two ORM queries it cost about 4 ms
    of CPU a page (two querysets with joins built and compiled) and two round trips.
    """
    qn = connection.ops.quote_name
    lock = connection.vendor == "postgresql" and transaction.get_connection().in_atomic_block
    tweet, dm, user = Tweet._meta, DirectMessage._meta, XUser._meta
    users, user_pk = qn(user.db_table), qn(user.pk.column)

    def col(meta, alias: str, name: str) -> str:
        return f"{alias}.{qn(meta.get_field(name).column)}"

    parts, params = [], []
    if tweet_ids:
        conditions, values = [], []
        for name, keys in (("in_reply_to_tweet_id", tweet_ids), ("conversation_id", threads)):
            condition, keys_params = sql_in(col(tweet, "t", name), tweet.get_field(name), keys)
            conditions.append(condition)
            values += keys_params
        columns = ", ".join(
            [
                *(col(tweet, "t", n) for n in ("x_id", "brand_account", "author")),
                col(user, "u", "x_id"),
                col(user, "u", "name"),
                *(
                    col(tweet, "t", n)
                    for n in ("created_at", "text", "lang", "conversation_id", "in_reply_to_tweet_id")
                ),
            ]
        )
        parts.append(
            f"SELECT {columns}, CAST(NULL AS bigint) AS r_id, CAST(NULL AS bigint) AS r_customer, 0 AS channel "  # noqa: S608 (quoted identifiers)
            f"FROM {qn(tweet.db_table)} t INNER JOIN {users} u ON u.{user_pk} = {col(tweet, 't', 'author')} "
            f"WHERE {col(tweet, 't', 'case')} IS NULL AND {col(tweet, 't', 'direction')} = %s "
            f"AND {col(tweet, 't', 'sent_via_desk')} = %s AND {col(tweet, 't', 'is_deleted')} = %s "
            f"AND NOT ({col(tweet, 't', 'in_reply_to_tweet_id')} = %s) AND NOT ({col(tweet, 't', 'kind')} = %s) "
            f"AND ({' OR '.join(conditions)})" + (" FOR UPDATE OF t" if lock else "")
        )
        params += [str(Direction.OUTBOUND), False, False, "", str(Tweet.Kind.RETWEET), *values]
    if dm_threads or authors:
        conditions, values = [], []
        for name, keys in (("dm_conversation_id", dm_threads), ("recipient", authors)):
            if keys:
                condition, keys_params = sql_in(col(dm, "d", name), dm.get_field(name), keys)
                conditions.append(condition)
                values += keys_params
        columns = ", ".join(
            [
                *(col(dm, "d", n) for n in ("x_event_id", "brand_account", "sender")),
                col(user, "s", "x_id"),
                col(user, "s", "name"),
                *(col(dm, "d", n) for n in ("created_at", "text", "lang", "dm_conversation_id")),
                "''",
                col(dm, "d", "recipient"),
                col(user, "r", "customer"),
            ]
        )
        parts.append(
            f"SELECT {columns}, 1 AS channel "  # noqa: S608 (quoted identifiers)
            f"FROM {qn(dm.db_table)} d INNER JOIN {users} s ON s.{user_pk} = {col(dm, 'd', 'sender')} "
            f"LEFT OUTER JOIN {users} r ON r.{user_pk} = {col(dm, 'd', 'recipient')} "
            f"WHERE {col(dm, 'd', 'case')} IS NULL AND {col(dm, 'd', 'direction')} = %s "
            f"AND {col(dm, 'd', 'sent_via_desk')} = %s AND {col(dm, 'd', 'event_type')} = %s "
            f"AND {col(dm, 'd', 'dm_conversation_id')} LIKE %s "
            f"AND ({' OR '.join(conditions)})" + (" FOR UPDATE OF d" if lock else "")
        )
        params += [str(Direction.OUTBOUND), False, "MessageCreate", "%-%", *values]
    # Each part a subquery (a locking clause may not sit in a UNION's branch); ordered as the
    # models order their rows, tweets first.
    sql = " UNION ALL ".join(f"SELECT * FROM ({part}) p{n}" for n, part in enumerate(parts))  # noqa: S608
    sql += " ORDER BY 13, 6, 1"
    fields = [tweet.get_field(n) for n in ("x_id", "brand_account", "author")]
    fields += [user.get_field("x_id"), user.get_field("name"), tweet.get_field("created_at")]
    return rows_fetch(sql, params, fields)


def _parked_attach(parked: dict[str, str], routes: dict[str, Route]) -> list[str]:
    """Write the case of each parked message that found one (its row exists already)."""
    by_case: dict[tuple[str, int], list[str]] = defaultdict(list)
    for x_id, channel in parked.items():
        case_id = routes[x_id].case_id
        if case_id is not None:
            by_case[(channel, case_id)].append(x_id)
    for (channel, case_id), x_ids in by_case.items():
        if channel == "public":
            Tweet.objects.filter(x_id__in=x_ids, case__isnull=True).update(case_id=case_id)
        else:
            DirectMessage.objects.filter(x_event_id__in=x_ids, case__isnull=True).update(case_id=case_id)
    return sorted(x for ids in by_case.values() for x in ids)


def parked_messages_route(*, now: dt.datetime | None = None) -> list[str]:
    """The periodic sweep: route the parked messages (of the last ``PARKED_RETRY_WINDOW``) whose
    thread or customer is now known, whichever path brought it (another account's sync, a
    backfill, an agent's merge). Returns the x ids routed; the rest stay parked.

    Only rows that can now find a case are read (``EXISTS`` on the thread, the DM conversation
    or the recipient's open case), so a quiet desk costs two indexed queries per run.
    """
    since = (now or timezone.now()) - PARKED_RETRY_WINDOW
    routed_tweet = Tweet.objects.filter(case__isnull=False)
    tweets = (
        _parked_tweets()
        .filter(created_at__gte=since)
        .filter(
            Exists(routed_tweet.filter(x_id=OuterRef("in_reply_to_tweet_id")))
            | Exists(routed_tweet.filter(conversation_id=OuterRef("conversation_id")))
        )
        .order_by("created_at")
    )
    dms = (
        _parked_dms()
        .filter(created_at__gte=since)
        .filter(
            Exists(DirectMessage.objects.filter(case__isnull=False, dm_conversation_id=OuterRef("dm_conversation_id")))
            | Exists(Case.objects.filter(customer_x_user_id=OuterRef("recipient_id"), status__in=OPEN_STATUSES))
        )
        .order_by("created_at")
    )
    with transaction.atomic():
        tweet_pks = list(tweets.values_list("pk", flat=True)[:PARKED_SWEEP_BATCH])
        dm_pks = list(dms.values_list("pk", flat=True)[:PARKED_SWEEP_BATCH])
        parked = _parked_items(
            _parked_tweets().filter(pk__in=tweet_pks) if tweet_pks else None,
            _parked_dms().filter(pk__in=dm_pks) if dm_pks else None,
        )
        if not parked:
            return []
        return _route(items=[], parked=parked, brands=BrandDirectory.load()).rerouted


def _customer_languages(items: Sequence[MessageItem]):
    """``language(item)``: the message's own language, else the customer's known one.

    Fallback order for "und"/"qme"/"zxx" and DMs (no lang): another message of the author on this
    page, the Customer's language, the customer's latest case language; "" leaves it to the
    routing's team default. At most two queries, only when some message needs them.
    """
    on_page: dict[int, str] = {}
    for item in items:
        lang = language_normalise(item.lang)
        if lang:
            on_page.setdefault(item.author_pk, lang)
    needing = {i.author_customer_id for i in items if i.author_customer_id and not language_normalise(i.lang)}
    known: dict[int, str] = {}
    if needing:
        known.update(
            (pk, lang) for pk, lang in Customer.objects.filter(pk__in=needing).values_list("pk", "language") if lang
        )
        missing = needing - set(known)
        if missing:
            for customer_id, lang in (
                Case.objects.filter(customer_id__in=missing).exclude(language="").order_by("opened_at", "pk")
            ).values_list("customer_id", "language"):
                known[customer_id] = lang  # the latest case wins

    def language(item: MessageItem) -> str:
        return (
            language_normalise(item.lang)
            or on_page.get(item.author_pk)
            or language_normalise(known.get(item.author_customer_id or 0))
        )

    return language


def _spec_for(item: MessageItem, *, exec_mention: bool, language: str = "") -> CaseOpenSpec:
    # customer_id is filled in once new customers exist (see _with_customer).
    return CaseOpenSpec(
        customer_id=item.author_customer_id or 0,
        brand_account_id=item.brand_account_id,
        opened_at=item.created_at,
        customer_x_user_id=item.author_pk,
        language=language or language_normalise(item.lang),
        text=item.text,
        channel=item.channel,
        reach=item.reach,
        engagement=item.engagement,
        conversation_id=item.conversation_id if item.channel == "public" else "",
        mentions_executive=exec_mention,
        contains_private_data=item.contains_private_data,
    )


def _with_customer(spec: CaseOpenSpec, customer_id: int | None) -> CaseOpenSpec:
    if spec.customer_id or customer_id is None:
        return spec
    return CaseOpenSpec(**{**spec.__dict__, "customer_id": customer_id})


def _customers_create(first_message_by_author: dict[int, MessageItem], languages=None) -> dict[int, int]:
    """A Customer for every new X user who complains; returns author pk → customer id.

    Ids are reserved first (``ids_allocate``: a sequence on PostgreSQL), so the customers and
    the XUser → customer links are two plain statements with no rows read back (3 queries).
    """
    if not first_message_by_author:
        return {}
    authors = list(first_message_by_author)
    mapping = dict(zip(authors, ids_allocate(Customer, len(authors)), strict=True))
    values_insert(
        Customer,
        ["id", "display_name", "language"],
        (
            (
                mapping[author_pk],
                (item.author_name or "")[:200],
                languages(item) if languages else language_normalise(item.lang),
            )
            for author_pk, item in first_message_by_author.items()
        ),
    )
    values_update(XUser, ["customer_id"], ((customer_id, author_pk) for author_pk, customer_id in mapping.items()))
    return mapping
