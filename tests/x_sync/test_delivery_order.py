"""Issue #24 item 1: routing converges whatever order X delivers a conversation in.

X brings one conversation through several streams — each brand account's mentions and
timeline, the DM events, webhooks, backfills — so the brand's reply can be stored before the
complaint it answers, and a DM before the tweet it follows up. The same conversations delivered
in every order must give the same cases, the same case of every message and the same response
times as delivering them in the order they were written.
"""

from __future__ import annotations

import datetime as dt
import random
from itertools import zip_longest

import pytest
import time_machine

from crm_twitter.models import Case, CaseStatus, DirectMessage, Tweet
from crm_twitter.schedules import schedule_specs
from crm_twitter.services.message_routing import PARKED_RETRY_WINDOW, parked_messages_route
from crm_twitter.services.sla import sla_sweep
from crm_twitter.tasks.workflow import parked_messages_route_task
from crm_twitter.x.ingest import dm_events_ingest, tweets_ingest
from tests.factories import BrandAccountFactory, CaseFactory, TweetFactory, XUserFactory

from .conftest import dm_json, page, tweet_json, user_json

T0 = dt.datetime(2026, 10, 6, 8, 0, tzinfo=dt.UTC)
NOW = T0 + dt.timedelta(days=2)
HELP_X, ORDERS_X = "900000101", "900000102"  # two brand accounts of one desk
ANN, BOB, CARA = "501", "502", "503"
USERS = {
    ANN: user_json(ANN, "ann"),
    BOB: user_json(BOB, "bob"),
    CARA: user_json(CARA, "cara"),
    HELP_X: user_json(HELP_X, "acmehelp"),
    ORDERS_X: user_json(ORDERS_X, "acmeorders"),
}
MENTION_BOTH = [(HELP_X, "acmehelp"), (ORDERS_X, "acmeorders")]


def _at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def _tweet(x_id: str, author: str, text: str, minutes: float, *, reply_to: str = "", root: str = "", mentions=()):
    return tweet_json(
        author,
        text,
        x_id=x_id,
        at=_at(minutes),
        reply_to=reply_to or None,
        conversation_id=root or x_id,
        mentions=list(mentions),
    )


def _dm(x_id: str, sender: str, recipient: str, text: str, minutes: float):
    return dm_json(sender, recipient, text, x_id=x_id, at=_at(minutes))


# Three conversations, as written. Each message says which stream brings it: (stream, account).
# 1. The case: Ann tweets at both accounts; @acmeorders answers 6½ minutes later (its
#    timeline), @acmehelp ten hours later; Ann follows up under the later reply.
# 2. Bob complains in public, is asked to DM, DMs photos, gets a refund promise by DM.
# 3. Cara DMs first, tweets while she waits, then the brand answers her DM.
MESSAGES = [
    ("mentions", "help", _tweet("1001", ANN, "@acmehelp @acmeorders parcel never arrived", 0, mentions=MENTION_BOTH)),
    ("timeline", "orders", _tweet("1002", ORDERS_X, "@ann so sorry, checking now", 6.5, reply_to="1001", root="1001")),
    ("mentions", "help", _tweet("1003", BOB, "@acmehelp the mug came broken", 30, mentions=[MENTION_BOTH[0]])),
    ("timeline", "help", _tweet("1004", HELP_X, "@bob please DM us your order", 50, reply_to="1003", root="1003")),
    ("dms", "help", _dm("2001", BOB, HELP_X, "here are the photos, order 555", 60)),
    ("dms", "help", _dm("2002", HELP_X, BOB, "thanks Bob, refund on the way", 90)),
    ("dms", "orders", _dm("2003", CARA, ORDERS_X, "where is my order 777?", 120)),
    ("dms", "orders", _dm("2004", ORDERS_X, CARA, "it left our warehouse today", 150)),
    ("mentions", "orders", _tweet("1005", CARA, "@acmeorders any news?", 140, mentions=[MENTION_BOTH[1]])),
    ("timeline", "help", _tweet("1006", HELP_X, "@ann found it, resending", 600, reply_to="1001", root="1001")),
    ("mentions", "help", _tweet("1007", ANN, "@acmehelp thanks, tracking?", 605, reply_to="1006", root="1001")),
]
# The other account's mentions bring Ann's complaint again (it mentions both): a duplicate.
DUPLICATES = [("mentions", "orders", MESSAGES[0][2])]


def _pages(messages) -> list[tuple[str, str, list[dict]]]:
    """Group messages into pages per (stream, account), like one poll of each stream would."""
    pages: dict[tuple[str, str], list[dict]] = {}
    for stream, account, payload in messages:
        pages.setdefault((stream, account), []).append(payload)
    return [(stream, account, payloads) for (stream, account), payloads in pages.items()]


def _deliver(accounts, pages) -> None:
    for stream, account, payloads in pages:
        authors = {p.get("author_id") or p.get("sender_id") for p in payloads}
        authors |= {p.get("participant_ids", [None, None])[1] for p in payloads if "participant_ids" in p}
        includes = [USERS[a] for a in sorted(a for a in authors if a)]
        ingest = dm_events_ingest if stream == "dms" else tweets_ingest
        ingest(account=accounts[account], page=page(payloads, includes))


def _by_stream(*streams):
    pages = _pages(MESSAGES + DUPLICATES)
    return sorted(pages, key=lambda p: streams.index(p[0]))


def _one_by_one(messages):
    return [(stream, account, [payload]) for stream, account, payload in messages]


def _interleaved(first: str, second: str):
    """One poll of each account in turn: each poll brings its mentions, timeline and DMs."""
    all_messages = MESSAGES + DUPLICATES
    a = _pages([m for m in all_messages if m[1] == first])
    b = _pages([m for m in all_messages if m[1] == second])
    return [p for pair in zip_longest(a, b) for p in pair if p is not None]


ORDERS = {
    "as written, one message at a time": lambda: _one_by_one(MESSAGES + DUPLICATES),
    "newest first, one message at a time": lambda: _one_by_one(reversed(MESSAGES + DUPLICATES)),
    "public replies first": lambda: _by_stream("timeline", "mentions", "dms"),
    "mentions first": lambda: _by_stream("mentions", "timeline", "dms"),
    "DMs first": lambda: _by_stream("dms", "timeline", "mentions"),
    "DMs first, then mentions": lambda: _by_stream("dms", "mentions", "timeline"),
    "two accounts interleaved": lambda: _interleaved("orders", "help"),
    "two accounts interleaved, the other first": lambda: _interleaved("help", "orders"),
    **{
        f"shuffled #{seed}": (lambda seed=seed: random.Random(seed).sample(_one_by_one(MESSAGES + DUPLICATES), 12))
        for seed in range(6)
    },
}


def _outcome() -> dict:
    """What must not depend on the delivery order: per case, its messages (by X id), customer,
    start, first response, response time and first-response due time; and what stayed unrouted."""
    cases = {}
    for case in Case.objects.select_related("customer_x_user").order_by("opened_at"):
        ids = sorted(
            [
                *Tweet.objects.filter(case=case).values_list("x_id", flat=True),
                *DirectMessage.objects.filter(case=case).values_list("x_event_id", flat=True),
            ]
        )
        cases[tuple(ids)] = {
            "customer": case.customer_x_user.handle,
            "opened_at": case.opened_at,
            "first_response_at": case.first_response_at,
            "response_time": case.first_response_at - case.opened_at if case.first_response_at else None,
            "first_response_due": case.sla_first_response_due,
            "status": case.status,
        }
    unrouted = sorted(
        [
            *Tweet.objects.filter(case=None).values_list("x_id", flat=True),
            *DirectMessage.objects.filter(case=None).values_list("x_event_id", flat=True),
        ]
    )
    return {"cases": cases, "unrouted": unrouted}


@pytest.fixture
def accounts(db):
    return {
        "help": BrandAccountFactory(handle="acmehelp", x_user_id=HELP_X),
        "orders": BrandAccountFactory(handle="acmeorders", x_user_id=ORDERS_X),
    }


def _run(accounts, order: str) -> dict:
    with time_machine.travel(NOW, tick=False):
        _deliver(accounts, ORDERS[order]())
    return _outcome()


def test_delivered_as_written_the_conversations_make_three_cases(accounts):
    outcome = _run(accounts, "as written, one message at a time")
    assert outcome["unrouted"] == []
    ann = outcome["cases"][("1001", "1002", "1006", "1007")]
    assert ann["opened_at"] == _at(0)
    assert ann["response_time"] == dt.timedelta(minutes=6.5)  # the other account's quick reply
    bob = outcome["cases"][("1003", "1004", "2001", "2002")]
    assert bob["response_time"] == dt.timedelta(minutes=20) and bob["status"] == CaseStatus.IN_DM
    cara = outcome["cases"][("1005", "2003", "2004")]
    assert (cara["opened_at"], cara["response_time"]) == (_at(120), dt.timedelta(minutes=30))


@pytest.mark.parametrize("order", [o for o in ORDERS if o != "as written, one message at a time"])
def test_any_delivery_order_gives_the_same_cases_and_response_times(accounts, order):
    expected = _as_written(accounts)
    got = _run(accounts, order)
    assert got["unrouted"] == expected["unrouted"] == []
    assert sorted(got["cases"]) == sorted(expected["cases"])  # the same messages in the same cases
    for messages, case in expected["cases"].items():
        assert got["cases"][messages] == case, messages


class _Rollback(Exception):
    pass


def _as_written(accounts) -> dict:
    """The outcome of the as-written delivery, in a savepoint rolled back afterwards."""
    from django.db import transaction

    outcome: dict = {}
    try:
        with transaction.atomic():
            outcome = _run(accounts, "as written, one message at a time")
            raise _Rollback
    except _Rollback:
        pass
    assert not Case.objects.exists()
    return outcome


# --- the sweep and late responses -----------------------------------------------------------------


def test_the_sweep_routes_a_parked_reply_once_its_thread_is_known_another_way(accounts):
    with time_machine.travel(NOW, tick=False):
        tweets_ingest(account=accounts["orders"], page=page([MESSAGES[1][2]], [USERS[ORDERS_X]]))
        reply = Tweet.objects.get(x_id="1002")
        assert reply.case is None  # parked: the complaint it answers is not known yet
        # The complaint reaches the desk without a sync (an agent's case, an import): the sweep
        # finds the parked reply and attaches it as the case's response.
        ann = XUserFactory(x_id=ANN, handle="ann")
        case = CaseFactory(customer=ann.customer, customer_x_user=ann, opened_at=_at(0), status=CaseStatus.NEW)
        TweetFactory(x_id="1001", case=case, author=ann, conversation_id="1001", created_at=_at(0))
        assert parked_messages_route_task() == 1  # the scheduled sweep
        assert parked_messages_route() == []  # routed once
    reply.refresh_from_db()
    case.refresh_from_db()
    assert reply.case == case
    assert (case.first_response_at, case.status) == (_at(6.5), CaseStatus.ACKNOWLEDGED)


def test_the_sweep_is_scheduled():
    assert "crm_twitter.tasks.workflow.parked_messages_route_task" in {s.func for s in schedule_specs()}


def test_the_sweep_leaves_unrelated_and_old_parked_replies_alone(accounts):
    with time_machine.travel(NOW, tick=False):
        stray = _tweet("1100", HELP_X, "@someone thanks!", 0, reply_to="999", root="999")
        tweets_ingest(account=accounts["help"], page=page([stray], [USERS[HELP_X]]))
        assert parked_messages_route() == []
    assert Tweet.objects.get(x_id="1100").case is None
    with time_machine.travel(NOW, tick=False):
        tweets_ingest(account=accounts["orders"], page=page([MESSAGES[1][2]], [USERS[ORDERS_X]]))
        ann = XUserFactory(x_id=ANN, handle="ann")
        case = CaseFactory(customer=ann.customer, customer_x_user=ann, opened_at=_at(0))
        TweetFactory(x_id="1001", case=case, author=ann, conversation_id="1001", created_at=_at(0))
    with time_machine.travel(T0 + PARKED_RETRY_WINDOW + dt.timedelta(hours=1), tick=False):
        assert parked_messages_route() == []  # past the window: left in the record, unrouted


def test_a_response_attached_late_recomputes_the_first_response_and_the_overdue_flag(accounts):
    complaint, quick, late = MESSAGES[0][2], MESSAGES[1][2], MESSAGES[9][2]
    with time_machine.travel(_at(590), tick=False):
        tweets_ingest(account=accounts["help"], page=page([complaint], [USERS[ANN]]))
        sla_sweep()  # no reply known after almost 10 h: a breach is recorded
        case = Case.objects.get()
        assert case.sla_breached_at is not None and case.is_overdue
    with time_machine.travel(_at(620), tick=False):
        tweets_ingest(account=accounts["help"], page=page([late], [USERS[HELP_X]]))
        case.refresh_from_db()
        assert case.first_response_at == _at(600)
        # The other account's timeline brings its reply from 6½ minutes after the complaint.
        tweets_ingest(account=accounts["orders"], page=page([quick], [USERS[ORDERS_X]]))
    case.refresh_from_db()
    assert case.first_response_at == _at(6.5)
    assert case.first_response_at < case.sla_first_response_due
    assert not case.is_overdue


def test_a_brand_dm_sent_before_the_customer_ever_wrote_is_not_their_response(accounts):
    with time_machine.travel(NOW, tick=False):
        dm_events_ingest(account=accounts["help"], page=page([_dm("2101", HELP_X, CARA, "welcome!", 0)], [USERS[CARA]]))
        dm_events_ingest(
            account=accounts["help"], page=page([_dm("2102", CARA, HELP_X, "my order is late", 60)], [USERS[CARA]])
        )
        assert parked_messages_route() == []
    case = Case.objects.get()
    assert (case.opened_at, case.first_response_at) == (_at(60), None)
    assert DirectMessage.objects.get(x_event_id="2101").case is None
