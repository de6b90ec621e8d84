"""Linking cases to an incident: one event per case, counts kept, and linking twice writes nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from crm_twitter import models as m
from crm_twitter.services.incident_links import incident_cases_link
from tests.factories import BrandAccountFactory, CaseFactory

pytestmark = pytest.mark.django_db


def test_linking_is_idempotent_and_keeps_the_incident_counts(supervisor, django_assert_max_num_queries):
    account = BrandAccountFactory()
    cases = [CaseFactory(brand_account=account) for _ in range(5)]
    now = timezone.now()
    incident = m.Incident.objects.create(
        brand_account=account, title="DHL · BR", carrier="DHL", destination_country="BR",
        dimension_key="carrier=DHL;country=BR", window_hours=1, opened_at=now,
    )  # fmt: skip

    with django_assert_max_num_queries(9):
        assert incident_cases_link(incident=incident, case_ids=[c.pk for c in cases[:3]], actor=supervisor, at=now) == 3
    assert incident_cases_link(incident=incident, case_ids=[c.pk for c in cases], at=now) == 2
    assert incident_cases_link(incident=incident, case_ids=[c.pk for c in cases], at=now) == 0
    assert incident_cases_link(incident=incident, case_ids=[999_999], at=now) == 0  # no such case: skipped

    incident.refresh_from_db()
    assert incident.case_count == 5 and incident.last_linked_at == now
    events = m.CaseEvent.objects.filter(kind=m.CaseEvent.Kind.INCIDENT_LINKED)
    assert sorted(events.values_list("case_id", flat=True)) == sorted(c.pk for c in cases)
    assert events.filter(actor=supervisor).count() == 3
    assert all(e.data["incident_id"] == incident.pk for e in events)
    assert m.IncidentCase.objects.filter(incident=incident, linked_by=supervisor).count() == 3
