"""The ``surge`` sandbox scenario, synced through the real gateway, opens exactly one incident."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm_twitter import models as m
from crm_twitter.demo.desk import DemoDesk, Tally
from crm_twitter.sandbox.scenarios import scenario_play
from crm_twitter.services.incident_detection import incidents_detect
from crm_twitter.x.sync import account_sync
from tests.factories import BrandAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def surge_desk(sandbox, settings):
    # The scenario's normal month is older than the first sync's default backfill of a week.
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "SYNC_BACKFILL_DAYS": 35}
    player = scenario_play(sandbox.state, "surge")
    brand = player.scenario.brands[0]
    account = BrandAccountFactory(
        handle=brand["handle"], x_user_id=brand["x_user_id"], credentials=sandbox.credentials(brand["x_user_id"])
    )
    # Orders as the demo loads them (the shop import), so the sync links them by the numbers customers post.
    DemoDesk(write=lambda line: None, style=None).orders_load(player.scenario.customers, Tally())
    account_sync(account_id=account.pk)
    return player, account


def test_the_surge_scenario_opens_one_incident_for_correios_in_brazil(surge_desk):
    player, account = surge_desk
    surge_handles = {c["handle"] for c in player.scenario.customers if c["handle"].startswith("br_")}
    assert len(surge_handles) == 40
    surge_cases = set(m.Case.objects.filter(customer_x_user__handle__in=surge_handles).values_list("pk", flat=True))
    assert len(surge_cases) == 40
    assert m.Case.objects.filter(pk__in=surge_cases, orders__carrier="Correios").count() == 40
    assert m.Case.objects.filter(brand_account=account).count() >= 150  # the month came through the sync too

    # The normal month alone: three hours ago, before the first surge complaint.
    assert incidents_detect(now=timezone.now() - dt.timedelta(hours=3)).opened == ()
    assert not m.Incident.objects.exists()

    result = incidents_detect()

    incident = m.Incident.objects.get()
    assert result.opened == (incident.pk,)
    assert incident.dimension_key == "carrier=Correios;country=BR"
    assert incident.title == "Correios · BR"
    assert set(incident.cases.values_list("pk", flat=True)) == surge_cases
    assert incident.observed_count == 40 and incident.case_count == 40
    languages = set(m.Case.objects.filter(pk__in=surge_cases).values_list("language", flat=True))
    assert languages == {"pt", "en"}
