"""A desk wired to the sandbox: a brand account, a customer, and a case with the customer's mention."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from crm_twitter.models import BrandAccount, Case, Tweet, XUser
from crm_twitter.models.messages import Party
from crm_twitter.services.compose import reply_compose
from tests.factories import BrandAccountFactory, CaseFactory, TweetFactory, XUserFactory


@dataclass
class Desk:
    sandbox: Any
    brand_x: dict
    customer_x: dict
    account: BrandAccount
    customer: XUser
    case: Case
    mention: Tweet

    def customer_tweet(self, text: str, *, mentions_brand: bool = True, **kwargs) -> Tweet:
        """The customer tweets on the sandbox, and ingest (simulated) stores it in the case."""
        posted = self.sandbox.state.customer_tweet(self.customer_x, text, **kwargs)
        return TweetFactory(
            x_id=posted["id"],
            brand_account=self.account,
            author=self.customer,
            case=self.case,
            party=Party.CUSTOMER,
            text=text,
            conversation_id=posted["conversation_id"],
            mentioned_user_ids=[self.brand_x["id"]] if mentions_brand else [],
        )

    def compose(self, agent, text: str, channel: str = "public", **kwargs):
        return reply_compose(case=self.case, actor=agent, channel=channel, text=text, **kwargs)


def make_desk(sandbox, *, customer_accepts_dms: bool = True) -> Desk:
    brand_x = sandbox.state.add_brand("shophelp")
    customer_x = sandbox.state.add_user("alice_buys", followers=120, accepts_dms=customer_accepts_dms)
    account = BrandAccountFactory(handle="shophelp", x_user_id=brand_x["id"], credentials=sandbox.credentials(brand_x))
    customer = XUserFactory(x_id=customer_x["id"], handle="alice_buys", name="Alice")
    case = CaseFactory(brand_account=account, customer=customer.customer, customer_x_user=customer, language="en")
    desk = Desk(sandbox, brand_x, customer_x, account, customer, case, mention=None)  # type: ignore[arg-type]
    desk.mention = desk.customer_tweet("@shophelp my parcel never arrived 😡")
    return desk


@pytest.fixture
def desk(sandbox, db) -> Desk:
    return make_desk(sandbox)
