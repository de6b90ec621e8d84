"""Scenario fixtures: the sandbox (real tweepy over HTTP) plus a brand the desk listens on."""

from __future__ import annotations

import pytest

from crm_twitter.models import Case, Tweet
from crm_twitter.x.sync import account_sync


@pytest.fixture
def brand(sandbox, db):
    return sandbox.brand_account("AcmeHelp")


@pytest.fixture
def sync(brand):
    """Run one poll of the brand (mentions, own posts, DMs) like the scheduler does."""

    def run(**kwargs):
        result = account_sync(account_id=brand.pk, **kwargs)
        assert result.complete, result
        return result

    return run


def case_of(tweet: dict) -> Case:
    return Tweet.objects.select_related("case").get(x_id=tweet["id"]).case


def row(tweet: dict) -> Tweet:
    return Tweet.objects.get(x_id=tweet["id"])
