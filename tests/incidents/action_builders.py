"""Incidents with linked cases for the action tests (services and API)."""

from __future__ import annotations

import itertools

from django.utils import timezone

from crm_twitter.models import BrandAccount, Case, Incident, IncidentCase
from crm_twitter.models.messages import Party
from tests.factories import CaseFactory, TweetFactory, XUserFactory

_keys = itertools.count(1)


def incident_make(account: BrandAccount, cases: list[Case] = (), *, title: str = "Lost parcel · DHL · BR", **fields):
    now = timezone.now()
    incident = Incident.objects.create(
        brand_account=account,
        title=title,
        carrier=fields.pop("carrier", "DHL"),
        destination_country=fields.pop("destination_country", "BR"),
        dimension_key=fields.pop("dimension_key", f"carrier=DHL;country=BR;n={next(_keys)}"),
        window_hours=1,
        opened_at=now,
        **fields,
    )
    for case in cases:
        IncidentCase.objects.create(incident=incident, case=case, linked_at=now)
    incident.case_count = len(cases)
    incident.save(update_fields=["case_count"])
    return incident


def case_with_mention(account: BrandAccount, *, language: str = "en", sandbox=None, handle: str = "", **fields) -> Case:
    """A case whose customer mentioned the brand (so X lets the brand reply), on the sandbox if given."""
    n = next(_keys)
    handle = handle or f"cust{n}"
    if sandbox is not None:
        x_user = sandbox.state.add_user(handle)
        customer = XUserFactory(x_id=x_user["id"], handle=handle, name=handle.title())
        posted = sandbox.state.customer_tweet(x_user, f"@{account.handle} my parcel is stuck {n}")
        x_id, conversation = posted["id"], posted["conversation_id"]
    else:
        customer = XUserFactory(handle=handle, name=handle.title())
        x_id = conversation = None
    case = CaseFactory(
        brand_account=account, customer=customer.customer, customer_x_user=customer, language=language, **fields
    )
    extra = {"x_id": x_id, "conversation_id": conversation} if x_id else {}
    TweetFactory(
        brand_account=account,
        author=customer,
        case=case,
        party=Party.CUSTOMER,
        text=f"@{account.handle} my parcel is stuck",
        mentioned_user_ids=[account.x_user_id],
        **extra,
    )
    return case
