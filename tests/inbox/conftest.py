"""Builders for inbox tests: a desk with a team, an agent, cases with real conversations."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from crm_twitter.models import CaseEvent, Direction, Party
from tests.factories import (
    BrandAccountFactory,
    CaseEventFactory,
    CaseFactory,
    DirectMessageFactory,
    MediaFactory,
    OrderFactory,
    OrderItemFactory,
    TeamFactory,
    TeamMembershipFactory,
    TweetFactory,
    UserFactory,
    XUserFactory,
)


@pytest.fixture
def brand(db):
    return BrandAccountFactory(handle="acmehelp", x_user_id="900001")


@pytest.fixture
def brand_user(db, brand):
    return XUserFactory(x_id=brand.x_user_id, handle=brand.handle, name="Acme Help", customer=None)


@pytest.fixture
def team_case(agent, brand):
    """Build cases in the agent's team: ``team_case(status=..., ...)``."""

    def build(**kwargs):
        kwargs.setdefault("team", agent.crm_team)
        kwargs.setdefault("brand_account", brand)
        kwargs.setdefault("sla_due_at", timezone.now() + dt.timedelta(hours=3))
        return CaseFactory(**kwargs)

    return build


def conversation(
    case, brand_user, *, tweets: int = 2, dms: int = 2, notes: int = 1, media: int = 1, start=None
) -> None:
    """A public thread, a DM exchange and notes on ``case``, one minute apart."""
    at = start or timezone.now() - dt.timedelta(hours=5)
    customer = case.customer_x_user
    previous = None
    for i in range(tweets):
        inbound = i % 2 == 0
        tweet = TweetFactory(
            case=case,
            brand_account=case.brand_account,
            author=customer if inbound else brand_user,
            direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
            party=Party.CUSTOMER if inbound else Party.BRAND,
            text=f"@acmehelp tweet {i} where is my parcel" if inbound else f"@{customer.handle} we are on it {i}",
            conversation_id=previous.conversation_id if previous else "",
            in_reply_to_tweet_id=previous.x_id if previous else "",
            created_at=at,
        )
        if not previous:
            tweet.conversation_id = tweet.x_id
            tweet.save(update_fields=["conversation_id"])
        if inbound and i < media * 2:
            MediaFactory(tweet=tweet, alt_text="broken box")
        previous = tweet
        at += dt.timedelta(minutes=1)
    for i in range(dms):
        inbound = i % 2 == 0
        dm = DirectMessageFactory(
            case=case,
            brand_account=case.brand_account,
            sender=customer if inbound else brand_user,
            recipient=brand_user if inbound else customer,
            direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
            text=f"dm {i}: my order is 4000{i:04d}" if inbound else f"dm {i}: thanks, checking",
            created_at=at,
        )
        if inbound and i < media * 2:
            MediaFactory(direct_message=dm)
        at += dt.timedelta(minutes=1)
    for i in range(notes):
        CaseEventFactory(case=case, kind=CaseEvent.Kind.NOTE, message=f"note {i}", created_at=at)
        at += dt.timedelta(minutes=1)


@pytest.fixture
def order_with_items(db):
    def build(**kwargs):
        order = OrderFactory(**kwargs)
        OrderItemFactory(order=order, title="Wireless earbuds", unit_price=order.total_amount)
        return order

    return build


@pytest.fixture
def desk_seeds(transactional_db):
    """Seed rows (templates, categories, role permissions) again: transactional tests flush them."""
    from django.apps import apps

    from crm_twitter.seeds import seed_all, seed_groups

    seed_all(apps)
    seed_groups(apps)


@pytest.fixture(autouse=True)
def _fresh_presence_cache():
    """Presence lives in the cache; locmem caches outlive a test, case ids do not."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def emma_shift(db):
    """Emma Clarke (agent_en), an agent of one team, with two open cases of hers (the second is the
    neighbour the case page's ↑/↓ buttons lead to)."""
    team = TeamFactory(name="EU desk", languages=["en"])
    emma = UserFactory(username="agent_en", first_name="Emma", last_name="Clarke", roles=["crm_agent"])
    TeamMembershipFactory(team=team, user=emma)
    brand = BrandAccountFactory(handle="acmehelp", x_user_id="900001")
    now = timezone.now()
    cases = [
        CaseFactory(team=team, brand_account=brand, assignee=emma, sla_due_at=now + dt.timedelta(hours=n + 1))
        for n in range(2)
    ]
    for case in cases:
        TweetFactory(
            case=case,
            brand_account=brand,
            author=case.customer_x_user,
            text="@acmehelp my parcel never arrived",
            mentioned_user_ids=[brand.x_user_id],
        )
    return SimpleNamespace(emma=emma, team=team, cases=cases, case=cases[0])
