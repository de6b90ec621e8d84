"""An incident with linked cases, orders and history, for the page, dashboard and report tests."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

from django.utils import timezone

from crm_twitter.models import CaseStatus, Incident, IncidentEvent, Party
from crm_twitter.services.incident_links import incident_cases_link
from tests.factories import (
    BrandAccountFactory,
    CaseFactory,
    ComplaintCategoryFactory,
    OrderFactory,
    OrderItemFactory,
    TweetFactory,
    XUserFactory,
)

_keys = itertools.count(1)


def surge_incident(
    *,
    cases: int = 6,
    title: str = "Lost parcel · DHL · BR",
    brand=None,
    opened_hours_ago: float = 3,
    languages: tuple[str, ...] = ("pt", "pt", "en"),
    status: str = Incident.Status.OPEN,
    **fields,
) -> SimpleNamespace:
    """An incident on DHL to Brazil with ``cases`` linked complaints (each with a DHL order to BR,
    one SKU), an OPENED event, and one quiet week-old complaint for the baseline."""
    now = timezone.now()
    brand = brand or BrandAccountFactory()
    category = ComplaintCategoryFactory(slug="lost-parcel", name="Lost parcel")
    opened_at = now - dt.timedelta(hours=opened_hours_ago)
    incident = Incident.objects.create(
        brand_account=brand,
        title=title,
        category=None,
        carrier="DHL",
        destination_country="BR",
        dimension_key=fields.pop("dimension_key", f"carrier=DHL;country=BR;t={next(_keys)}"),
        window_hours=1,
        observed_count=cases,
        expected_count=0.5,
        opened_at=opened_at,
        status=status,
        **fields,
    )
    built = []
    for i in range(cases):
        x_user = XUserFactory(handle=f"cliente{next(_keys)}")
        case = CaseFactory(
            brand_account=brand,
            customer=x_user.customer,
            customer_x_user=x_user,
            language=languages[i % len(languages)],
            opened_at=opened_at + dt.timedelta(minutes=5 * i),
            category=category,
            category_confirmed=True,
        )
        TweetFactory(
            brand_account=brand,
            author=x_user,
            case=case,
            party=Party.CUSTOMER,
            text=f"@{brand.handle} meu pacote está parado na alfândega",
            mentioned_user_ids=[brand.x_user_id],
        )
        order = OrderFactory(customer=x_user.customer, carrier="DHL", destination_country="BR")
        OrderItemFactory(order=order, sku="SKU-BLENDER-1")
        case.orders.add(order)
        built.append(case)
    incident_cases_link(incident=incident, case_ids=[c.pk for c in built], at=opened_at)
    IncidentEvent.objects.create(
        incident=incident, kind=IncidentEvent.Kind.OPENED, message=f"{cases} customers in 1 h", created_at=opened_at
    )
    # Last week, the same hour: one complaint (the baseline).
    old_user = XUserFactory()
    old = CaseFactory(
        brand_account=brand,
        customer=old_user.customer,
        customer_x_user=old_user,
        opened_at=opened_at - dt.timedelta(days=7),
        status=CaseStatus.RESOLVED,
    )
    old.orders.add(OrderFactory(customer=old_user.customer, carrier="DHL", destination_country="BR"))
    incident.refresh_from_db()
    return SimpleNamespace(incident=incident, cases=built, brand=brand, category=category)
