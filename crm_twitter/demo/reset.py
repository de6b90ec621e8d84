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
  the live sandbox invents, the backdated history's customers), with their orders;
* the django-q2 tasks still queued for those rows (``_QUEUED_ROWS``): a sync of one of the demo's
  accounts, the send of its outbound message, a webhook delivery, an evidence pack, an archive
  of its media — as one-off schedules too. They are told apart by the row their argument names
  (the demo enqueues nothing itself: the services and the worker's own schedules do, so there is
  no group of its own to go by); a task for anything else stays queued. With the Redis broker
  the queue is not searched, and a task whose row is gone ends quietly when it runs
  (``crm_twitter.tasks.rows``).

Logins, teams, categories, templates, exchange rates and settings stay (the loader finds them
and creates nothing twice), as does anything of other brand accounts and their customers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q

from crm_twitter.models import (
    BrandAccount,
    Case,
    Customer,
    DirectMessage,
    EvidencePack,
    Incident,
    Media,
    Order,
    OutboundMessage,
    Tweet,
    WebhookDelivery,
    XUser,
)
from crm_twitter.services.incident_counts import incidents_open_count_forget

# The queued tasks that name a row: the function django-q2 stores, the argument naming the row
# (position 0 or by name), and which of the demo's rows it is (``_queued_rows``).
_QUEUED_ROWS: dict[str, tuple[str, str]] = {
    "crm_twitter.tasks.sync.sync_account_task": ("account_id", "accounts"),
    "crm_twitter.tasks.outbound.outbound_send_task": ("message_id", "outbound"),
    "crm_twitter.tasks.sync.webhook_delivery_task": ("delivery_id", "deliveries"),
    "crm_twitter.tasks.evidence.evidence_pack_build_task": ("pack_id", "packs"),
    "crm_twitter.tasks.evidence.media_archive_task": ("media_keys", "media"),
    "crm_twitter.tasks.sync.webhook_event_task": ("payload", "brand_x_ids"),
}


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


def _queued_rows(accounts: list[int], brand_x_ids: list[str]) -> dict[str, set]:
    """The ids (and media keys, brand X ids) a queued task may name, of the demo's rows only."""
    media = Media.objects.filter(
        Q(tweet__brand_account_id__in=accounts) | Q(direct_message__brand_account_id__in=accounts)
    )
    shared = Media.objects.filter(media_key__in=media.values("media_key")).exclude(pk__in=media.values("pk"))
    return {
        "accounts": set(accounts),
        "outbound": set(OutboundMessage.objects.filter(brand_account_id__in=accounts).values_list("pk", flat=True)),
        "deliveries": set(WebhookDelivery.objects.filter(account_id__in=accounts).values_list("pk", flat=True)),
        "packs": set(EvidencePack.objects.filter(case__brand_account_id__in=accounts).values_list("pk", flat=True)),
        # A media key the demo shares with another account's post is not the demo's alone.
        "media": set(media.values_list("media_key", flat=True)) - set(shared.values_list("media_key", flat=True)),
        "brand_x_ids": set(brand_x_ids),
    }


def _names_demo_row(func: str, args: Any, kwargs: Any, rows: dict[str, set]) -> bool:
    """Whether a task (its function path and arguments) names one of ``rows``."""
    if func not in _QUEUED_ROWS:
        return False
    name, kind = _QUEUED_ROWS[func]
    args = args if isinstance(args, tuple | list) else () if args is None else (args,)
    if args:
        value = args[0]
    elif isinstance(kwargs, dict):
        value = kwargs.get(name)
    else:
        return False
    if kind == "media":
        return isinstance(value, list | tuple) and bool(value) and set(map(str, value)) <= rows["media"]
    if kind == "brand_x_ids":
        return isinstance(value, dict) and str(value.get("for_user_id")) in rows["brand_x_ids"]
    try:
        return int(value) in rows[kind]
    except (TypeError, ValueError):
        return False


def _literal(text: str) -> Any:
    """A schedule's ``args``/``kwargs`` text as django-q2's scheduler reads it (literals only)."""
    try:
        return ast.literal_eval(text) if text else None
    except (SyntaxError, ValueError):
        return None


def _queued_tasks_remove(rows: dict[str, set]) -> int:
    """Delete the queued tasks (ORM broker) and schedules that name the demo's rows; returns how many."""
    from django_q.conf import Conf
    from django_q.models import OrmQ, Schedule

    queued = OrmQ.objects.using(Conf.ORM or "default")
    ours = [q.pk for q in queued.all() if _names_demo_row(q.func(), q.args(), q.kwargs(), rows)]
    removed = queued.filter(pk__in=ours).delete()[0] if ours else 0
    schedules = [
        s.pk
        for s in Schedule.objects.filter(func__in=list(_QUEUED_ROWS))
        if _names_demo_row(s.func, _literal(s.args), _literal(s.kwargs), rows)
    ]
    if schedules:
        removed += Schedule.objects.filter(pk__in=schedules).delete()[0]
    return removed


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
        # Found by the rows they name, so before those rows go.
        queued = _queued_tasks_remove(_queued_rows(accounts, x_ids))
        gone: dict[str, int] = {}

        def delete(kind: str, queryset) -> None:
            _, by_model = queryset.delete()
            gone[kind] = by_model.get(queryset.model._meta.label, 0)

        delete("incidents", Incident.objects.filter(ours))
        incidents_open_count_forget()  # the top bar's badge must not count the deleted incidents
        delete("cases", Case.objects.filter(ours))
        delete("outbound messages", OutboundMessage.objects.filter(ours))
        delete("tweets", Tweet.objects.filter(ours))
        delete("direct messages", DirectMessage.objects.filter(ours))
        delete("webhook deliveries", WebhookDelivery.objects.filter(account_id__in=accounts))
        delete("orders", Order.objects.filter(customer_id__in=customers))
        delete("X users", XUser.objects.filter(pk__in=people))
        delete("customers", Customer.objects.filter(pk__in=customers))
        delete("brand accounts", BrandAccount.objects.filter(pk__in=accounts))
        gone["queued tasks"] = queued
    return {kind: n for kind, n in gone.items() if n}
