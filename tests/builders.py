"""Rows for the admin tests: one object of any registered crm_twitter model, with `children`
related rows under it (messages of a case, members of a team, items of an order …), so a test
can compare a page with few and with many related rows."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from crm_twitter import models as m
from tests import factories as f

_seq = itertools.count(1)


def _case_with_story(children: int) -> m.Case:
    user = f.UserFactory()
    team = f.TeamFactory()
    case = f.CaseFactory(assignee=user, team=team, category=f.ComplaintCategoryFactory(slug="not-received"))
    for _ in range(children):
        tweet = f.TweetFactory(case=case, brand_account=case.brand_account, author=case.customer_x_user)
        f.MediaFactory(tweet=tweet)
        f.DirectMessageFactory(
            case=case, brand_account=case.brand_account, sender=case.customer_x_user, recipient=f.XUserFactory()
        )
        f.CaseEventFactory(case=case, actor=f.UserFactory())
        f.PromiseFactory(case=case, created_by=f.UserFactory())
        f.OutboundMessageFactory(case=case, created_by=f.UserFactory())
        case.orders.add(f.OrderFactory(customer=case.customer))
        f.NotificationFactory(case=case, user=f.UserFactory())
    return case


def build(model: type, children: int = 1):
    """One row of `model` (plus `children` related rows) as a real desk would have it."""
    n = next(_seq)
    if model is m.Case:
        return _case_with_story(children)
    if model is m.Customer:
        customer = f.CustomerFactory()
        for _ in range(children):
            f.XUserFactory(customer=customer)
            f.OrderItemFactory(order=f.OrderFactory(customer=customer))
            f.CaseFactory(customer=customer)
        return customer
    if model is m.XUser:
        user = f.XUserFactory()
        for _ in range(children):
            f.TweetFactory(author=user)
        return user
    if model is m.Order:
        order = f.OrderFactory(customer=f.CustomerFactory())
        for _ in range(children):
            f.OrderItemFactory(order=order)
        return order
    if model is m.OrderItem:
        return f.OrderItemFactory()
    if model is m.Tweet:
        tweet = f.TweetFactory(case=f.CaseFactory(), sent_by=f.UserFactory())
        for _ in range(children):
            f.MediaFactory(tweet=tweet)
        return tweet
    if model is m.DirectMessage:
        dm = f.DirectMessageFactory(case=f.CaseFactory(), recipient=f.XUserFactory())
        for _ in range(children):
            f.MediaFactory(direct_message=dm)
        return dm
    if model is m.Media:
        return f.MediaFactory(tweet=f.TweetFactory())
    if model is m.CaseEvent:
        return f.CaseEventFactory(actor=f.UserFactory(), data={"from": "new", "to": "acknowledged"})
    if model is m.Promise:
        return f.PromiseFactory(created_by=f.UserFactory())
    if model is m.CaseOutcome:
        return m.CaseOutcome.objects.create(
            case=f.CaseFactory(),
            outcome="refund",
            refund_amount=10 + n,
            refund_currency="EUR",
            recorded_at=timezone.now(),
            recorded_by=f.UserFactory(),
        )
    if model is m.ComplaintCategory:
        category = f.ComplaintCategoryFactory()
        for _ in range(children):
            f.CaseFactory(category=category)
        return category
    if model is m.ReplyTemplate:
        return f.ReplyTemplateFactory()
    if model is m.Team:
        team = f.TeamFactory()
        for _ in range(children):
            f.TeamMembershipFactory(team=team)
            f.CaseFactory(team=team)
        return team
    if model is m.TeamMembership:
        return f.TeamMembershipFactory()
    if model is m.SlaPolicy:
        return m.SlaPolicy.objects.order_by("pk").first()
    if model is m.OutboundMessage:
        return f.OutboundMessageFactory(created_by=f.UserFactory(), template=f.ReplyTemplateFactory())
    if model is m.Notification:
        return f.NotificationFactory(case=f.CaseFactory())
    if model is m.BrandAccount:
        account = f.BrandAccountFactory(rate_limits={"GET /2/users/:id/mentions": {"limit": 450, "remaining": 3}})
        for _ in range(children):
            m.ApiCall.objects.create(
                account=account,
                endpoint="GET /2/users/:id/mentions",
                status_code=200,
                resource_kind="post_read",
                resources=5,
                cost=Decimal("0.025"),
            )
        return account
    if model is m.ApiCall:
        return m.ApiCall.objects.create(
            account=f.BrandAccountFactory(),
            case=f.CaseFactory(),
            endpoint="GET /2/users/:id/mentions",
            status_code=200,
            resource_kind="post_read",
            resources=5,
            cost=Decimal("0.025"),
        )
    if model is m.BilledResource:
        return m.BilledResource.objects.create(
            account=f.BrandAccountFactory(), day=timezone.now().date(), kind="post_read", resource_id=str(10_000 + n)
        )
    if model is m.WebhookDelivery:
        return m.WebhookDelivery.objects.create(
            body='{"data": {"event_type": "post.mention.create"}}',
            body_sha256=f"{n:064d}",
            signature_verified=True,
            format="xaa",
            event_uuid=str(20_000 + n),
            event_types=["post.mention.create"],
            account=f.BrandAccountFactory(),
            outcome="processed",
        )
    if model is m.EvidencePack:
        return m.EvidencePack.objects.create(
            case=f.CaseFactory(),
            requested_by=f.UserFactory(),
            status="ready",
            zip_file=f"p{n}.zip",
            pdf_file=f"p{n}.pdf",
        )
    if model is m.UserPreferences:
        return m.UserPreferences.objects.create(user=f.UserFactory(), language="zh-hans" if n % 2 else "en")
    if model is m.ApiToken:
        token, _raw = m.ApiToken.generate(user=f.UserFactory(), name=f"shop import {n}")
        return token
    if model is m.ReportSnapshot:
        return f.ReportSnapshotFactory(month=dt.date(2000 + n // 12, n % 12 + 1, 1), generated_by=f.UserFactory())
    if model is m.ExchangeRate:
        return f.ExchangeRateFactory(valid_from=dt.date(2020, 1, 1) + dt.timedelta(days=n))
    if model in (m.Incident, m.IncidentCase, m.IncidentEvent):
        incident = m.Incident.objects.create(
            brand_account=f.BrandAccountFactory(),
            title=f"Lost parcel · DHL · BR {n}",
            dimension_key=f"carrier=DHL;n={n}",
            window_hours=1,
            opened_at=timezone.now(),
            category=f.ComplaintCategoryFactory(),
            closed_by=f.UserFactory(),
        )
        for _ in range(children):
            m.IncidentCase.objects.create(
                incident=incident, case=f.CaseFactory(), linked_at=timezone.now(), linked_by=f.UserFactory()
            )
            m.IncidentEvent.objects.create(
                incident=incident, kind="grew", actor=f.UserFactory(), message="Grew", created_at=timezone.now()
            )
        if model is m.IncidentCase:
            return m.IncidentCase.objects.create(incident=incident, case=f.CaseFactory(), linked_at=timezone.now())
        if model is m.IncidentEvent:
            return m.IncidentEvent.objects.create(incident=incident, kind="opened", created_at=timezone.now())
        return incident
    factory = getattr(f, f"{model.__name__}Factory", None)
    if factory is None:
        raise LookupError(f"tests/builders.py cannot build {model.__name__}: add it here")
    return factory()
