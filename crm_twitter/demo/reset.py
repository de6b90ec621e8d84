"""Removing the demo desk's own data from a database that is kept (``crm_twitter_demo --reset``).

``make run`` rebuilds its default SQLite file on every start, because the X sandbox it starts
replays the scenario with new ids: a desk kept from an earlier sandbox would ingest the same
complaints again (DMs twice, resolved cases reopened late). A database named by ``DATABASE_URL``
is the user's and is never dropped; instead, before the demo loads again, this removes what the
demo put there — and only that:

* the demo's brand accounts (the scenario's X ids), with their sync cursors, API call log,
  webhook deliveries, and every case, incident, tweet, DM and outbound message of theirs (the
  cases take their events, promises, outcomes, notifications and evidence packs with them);
* the X users and customers who appear only with those accounts (scenario customers, the people
  the live sandbox invents, the backdated history's customers), with their orders.

Logins, teams, categories, templates, exchange rates and settings stay (the loader finds them
and creates nothing twice), as does anything of other brand accounts and their customers.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from crm_twitter.models import (
    BrandAccount,
    Case,
    Customer,
    DirectMessage,
    Incident,
    Order,
    OutboundMessage,
    Tweet,
    WebhookDelivery,
    XUser,
)


def _people_of(accounts: Q, *, cases: Q) -> tuple[set[int], set[int]]:
    """(X user ids, customer ids) appearing in the messages and cases that match the filters."""
    people: set[int] = set()
    people.update(Tweet.objects.filter(accounts).values_list("author_id", flat=True))
    for sender, recipient in DirectMessage.objects.filter(accounts).values_list("sender_id", "recipient_id"):
        people.update((sender, recipient))
    people.update(OutboundMessage.objects.filter(accounts).values_list("recipient_id", flat=True))
    customers: set[int] = set()
    for x_user, customer in Case.objects.filter(cases).values_list("customer_x_user_id", "customer_id"):
        people.add(x_user)
        customers.add(customer)
    customers.update(XUser.objects.filter(pk__in=people - {None}).values_list("customer_id", flat=True))
    return people - {None}, customers - {None}


def demo_reset(*, brand_x_user_ids: Iterable[str]) -> dict[str, int]:
    """Delete the demo's own rows (see the module notes) in one transaction; returns what went, by kind."""
    x_ids = [str(x) for x in brand_x_user_ids]
    accounts = list(BrandAccount.objects.filter(x_user_id__in=x_ids).values_list("pk", flat=True))
    if not accounts:
        return {}
    ours = Q(brand_account_id__in=accounts)
    theirs = ~ours  # every other account's rows, and rows of no account
    with transaction.atomic():
        people, customers = _people_of(ours, cases=ours)
        # The demo's brand X users too (authors of the brand's own posts in the history).
        people.update(XUser.objects.filter(x_id__in=x_ids).values_list("pk", flat=True))
        other_people, other_customers = _people_of(theirs, cases=theirs)
        people -= other_people
        customers -= other_customers
        # A customer is the demo's only when all of their X users are.
        customers -= set(
            XUser.objects.filter(customer_id__in=customers).exclude(pk__in=people).values_list("customer_id", flat=True)
        )
        gone: dict[str, int] = {}

        def delete(kind: str, queryset) -> None:
            _, by_model = queryset.delete()
            gone[kind] = by_model.get(queryset.model._meta.label, 0)

        delete("incidents", Incident.objects.filter(ours))
        delete("cases", Case.objects.filter(ours))
        delete("outbound messages", OutboundMessage.objects.filter(ours))
        delete("tweets", Tweet.objects.filter(ours))
        delete("direct messages", DirectMessage.objects.filter(ours))
        delete("webhook deliveries", WebhookDelivery.objects.filter(account_id__in=accounts))
        delete("orders", Order.objects.filter(customer_id__in=customers))
        delete("X users", XUser.objects.filter(pk__in=people))
        delete("customers", Customer.objects.filter(pk__in=customers))
        delete("brand accounts", BrandAccount.objects.filter(pk__in=accounts))
    return {kind: n for kind, n in gone.items() if n}
