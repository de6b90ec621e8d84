"""``crm_twitter_demo --reset`` (what ``make run`` does on a DATABASE_URL it keeps): the demo's own
data is loaded afresh, nothing of it doubles, and the rest of the database is left alone."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from crm_twitter import models as m
from tests.factories import BrandAccountFactory, CaseFactory, TweetFactory


def _demo(*args: str) -> str:
    out = io.StringIO()
    call_command("crm_twitter_demo", *args, stdout=out)
    return out.getvalue()


def _desk() -> dict:
    """What an agent or a report would notice: how many of each, cases by status and customer."""
    return {
        "rows": {
            model.__name__: model.objects.count()
            for model in (
                m.BrandAccount,
                m.Case,
                m.Tweet,
                m.DirectMessage,
                m.OutboundMessage,
                m.Customer,
                m.XUser,
                m.Order,
                m.Promise,
                m.Team,
                m.TeamMembership,
                get_user_model(),
            )
        },
        "cases": Counter(m.Case.objects.values_list("customer_x_user__handle", "status", "escalation_level")),
    }


@pytest.fixture
def their_own(db):
    """A desk's own account, with a customer's complaint, in the same database as the demo."""
    account = BrandAccountFactory(handle="ownshop", x_user_id="4242")
    case = CaseFactory(brand_account=account)
    TweetFactory(case=case, brand_account=account, author=case.customer_x_user, text="@ownshop where is my order?")
    return case


def test_a_reset_loads_the_demo_afresh_without_doubling_and_keeps_everything_else(their_own):
    status, events = their_own.status, their_own.events.count()
    _demo("--offline")
    first = _desk()
    demo = get_user_model().objects.get(username="demo")
    demo.first_name = "Dana (renamed by the desk)"
    demo.save()

    out = _demo("--reset", "--offline")
    second = _desk()

    assert "Reset first: removed" in out
    assert second == first
    # Their own account, customer, case and tweet are untouched; so is the login the desk edited.
    their_own.refresh_from_db()
    assert their_own.brand_account.handle == "ownshop"
    # The demo neither walks their case nor writes its history to their account.
    assert (their_own.status, their_own.events.count()) == (status, events)
    assert m.Case.objects.filter(brand_account=their_own.brand_account).get() == their_own
    assert their_own.customer.cases.get() == their_own
    assert m.Tweet.objects.filter(brand_account=their_own.brand_account).count() == 1
    assert get_user_model().objects.get(username="demo").first_name == "Dana (renamed by the desk)"


def test_without_a_reset_a_second_load_creates_nothing(their_own):
    _demo("--offline")
    first = _desk()
    _demo("--offline")
    assert _desk() == first


def test_a_reset_on_a_database_without_the_demo_removes_nothing(their_own):
    before = _desk()
    out = _demo("--reset", "--no-history")
    assert "Reset first" not in out
    rows = _desk()["rows"]
    assert rows["Case"] == before["rows"]["Case"] and rows["Tweet"] == before["rows"]["Tweet"]
