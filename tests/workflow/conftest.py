"""Fixtures for the workflow engine: frozen time, teams on shift and a one-call case opener."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm_twitter.models import TeamMembership
from crm_twitter.services.case_inputs import CaseOpenSpec
from crm_twitter.services.case_intake import case_open
from tests.factories import (
    BrandAccountFactory,
    CustomerFactory,
    TeamFactory,
    TeamMembershipFactory,
    UserFactory,
    XUserFactory,
)

# A Monday, mid-morning in London.
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen(db, time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def brand(db):
    return BrandAccountFactory(credentials={})


@pytest.fixture
def open_case(db, brand):
    """``open_case(text=..., language=..., **spec_fields)`` opens a case through the real service."""

    def _open(*, text="@brandhelp my parcel never arrived", language="en", customer=None, at=None, **kwargs):
        customer = customer or CustomerFactory()
        x_user = XUserFactory(customer=customer)
        spec = CaseOpenSpec(
            customer_id=customer.pk,
            brand_account_id=brand.pk,
            opened_at=at or timezone.now(),
            customer_x_user_id=x_user.pk,
            language=language,
            text=text,
            **kwargs,
        )
        return case_open(spec=spec)

    return _open


@pytest.fixture
def make_team(db):
    def _make(
        *,
        languages=("en",),
        time_zone="UTC",
        hours=None,
        is_fallback=False,
        agents=1,
        supervisors=0,
        cap=None,
        name=None,
    ):
        team = TeamFactory(
            languages=list(languages),
            time_zone=time_zone,
            is_fallback=is_fallback,
            **({"working_hours": hours} if hours is not None else {}),
            **({"name": name} if name else {}),
        )
        team.agents = [TeamMembershipFactory(team=team, max_open_cases=cap).user for _ in range(agents)]
        team.supervisors = [
            TeamMembershipFactory(
                team=team, role=TeamMembership.Role.SUPERVISOR, user=UserFactory(roles=["crm_supervisor"])
            ).user
            for _ in range(supervisors)
        ]
        return team

    return _make


def weekdays(start: str, end: str) -> dict:
    hours = [[start, end]]
    return {"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": [], "sun": []}
