"""Builders for detection tests: complaints with an order (carrier, country, SKU) and a customer tweet."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from crm_twitter import models as m
from tests.factories import (
    CaseFactory,
    CustomerFactory,
    OrderFactory,
    OrderItemFactory,
    TweetFactory,
    XUserFactory,
)

# A fixed "now" on the hour, so weekly baselines line up exactly with the synthetic series.
NOW = timezone.now().replace(minute=30, second=0, microsecond=0)


def complaint(
    account,
    *,
    at: dt.datetime,
    carrier: str = "DHL",
    country: str = "DE",
    sku: str = "NV-HP-200",
    customer=None,
    tweet_kind: str = m.Tweet.Kind.ORIGINAL,
    party: str = m.Party.CUSTOMER,
    category=None,
) -> m.Case:
    """One case opened at ``at`` by a (new unless given) customer, with one order and one tweet."""
    customer = customer or CustomerFactory()
    x_user = XUserFactory(customer=customer)
    case = CaseFactory(
        brand_account=account,
        customer=customer,
        customer_x_user=x_user,
        opened_at=at,
        category=category,
        category_confirmed=category is not None,
    )
    order = OrderFactory(customer=customer, carrier=carrier, destination_country=country)
    OrderItemFactory(order=order, sku=sku)
    case.orders.add(order)
    TweetFactory(brand_account=account, author=x_user, case=case, created_at=at, kind=tweet_kind, party=party)
    return case


def complaints(account, n: int, *, start: dt.datetime, minutes: float = 60, **kwargs) -> list[m.Case]:
    """``n`` customers complaining, spread evenly over ``minutes`` from ``start``."""
    step = minutes / max(n, 1)
    return [complaint(account, at=start + dt.timedelta(minutes=i * step), **kwargs) for i in range(n)]


def background(account, *, weeks: int, per_day: int = 6) -> None:
    """A quiet, varied history: a few complaints a day about many carriers and countries."""
    carriers = ["UPS", "GLS", "Royal Mail", "Correos", "La Poste", "PostNL"]
    countries = ["GB", "ES", "FR", "NL", "IT", "PL"]
    for day in range(weeks * 7 + 1):
        for i in range(per_day):
            at = NOW - dt.timedelta(days=day, hours=(i * 24) // per_day + 1)
            complaint(
                account,
                at=at,
                carrier=carriers[(day + i) % len(carriers)],
                country=countries[(day * 2 + i) % len(countries)],
                sku=f"SKU-{(day + i) % 9}",
            )
