"""Surge detection on synthetic series: what opens an incident, what never does, and what it costs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connections

from crm_twitter import models as m
from crm_twitter.db.locks import lock_key
from crm_twitter.services.incident_detection import LOCK_NAMESPACE, incidents_detect, poisson_upper_tail
from tests.factories import BrandAccountFactory, CustomerFactory, TweetFactory, UserFactory
from tests.incidents.detection_builders import NOW, background, complaint

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def account(db):
    return BrandAccountFactory(handle="NovaShopHelp")


def _surge(account, n: int, *, start=None, minutes: float = 50, carrier="DHL", country="BR"):
    """``n`` customers about one carrier in one country, each with a different product."""
    start = start or NOW - HOUR + dt.timedelta(minutes=5)
    step = minutes / n
    return [
        complaint(
            account, at=start + dt.timedelta(minutes=i * step), carrier=carrier, country=country, sku=f"NV-{i:03d}"
        )
        for i in range(n)
    ]


def _state() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (m.Incident, m.IncidentCase, m.IncidentEvent, m.Notification, m.CaseEvent)
    }


def test_poisson_upper_tail_matches_the_closed_form():
    # P(X >= 3 | 1) = 1 - e^-1 (1 + 1 + 1/2)
    assert poisson_upper_tail(3, 1.0) == pytest.approx(1 - 2.5 * 2.718281828459045**-1, rel=1e-9)
    assert poisson_upper_tail(0, 4.0) == 1.0
    assert 0 < poisson_upper_tail(40, 0.5) < 1e-50  # far tail: no cancellation to zero or below


def test_a_true_surge_opens_one_incident_for_the_carrier_in_that_country(account):
    background(account, weeks=4)
    surge = _surge(account, 25)

    result = incidents_detect(now=NOW)

    incident = m.Incident.objects.get()
    assert result.opened == (incident.pk,)
    # The pair explains the surge: neither "carrier DHL" nor "country BR" opens a second incident.
    assert incident.dimension_key == "carrier=DHL;country=BR"
    assert (incident.carrier, incident.destination_country, incident.sku, incident.category_id) == (
        "DHL",
        "BR",
        "",
        None,
    )
    assert incident.title == "DHL · BR"
    assert incident.status == m.Incident.Status.OPEN
    assert incident.observed_count == 25 and incident.case_count == 25
    assert incident.window_hours == 1 and incident.p_value < 1e-4
    assert set(incident.cases.values_list("pk", flat=True)) == {c.pk for c in surge}
    assert m.CaseEvent.objects.filter(kind=m.CaseEvent.Kind.INCIDENT_LINKED).count() == 25
    assert incident.events.filter(kind=m.IncidentEvent.Kind.OPENED).count() == 1


def test_a_normal_weekly_peak_at_the_same_hour_is_not_flagged(account):
    background(account, weeks=4)
    for week in range(5):  # every week, the same hour: 15 customers about the same carrier and country
        _surge(account, 15, start=NOW - dt.timedelta(days=7 * week) - HOUR + dt.timedelta(minutes=5))

    result = incidents_detect(now=NOW)

    assert result.opened == () and not m.Incident.objects.exists()


def test_the_same_peak_without_its_weekly_history_is_a_surge(account):
    background(account, weeks=4)
    _surge(account, 15)
    assert incidents_detect(now=NOW).opened


def test_one_angry_customer_tweeting_thirty_times_is_not_an_incident(account):
    background(account, weeks=4)
    angry = CustomerFactory()
    cases = [
        complaint(account, at=NOW - dt.timedelta(minutes=50 - i), carrier="DHL", country="BR", customer=angry)
        for i in range(30)
    ]
    for _ in range(30):
        TweetFactory(brand_account=account, author=cases[0].customer_x_user, case=cases[0], created_at=NOW - HOUR)

    assert incidents_detect(now=NOW).opened == ()
    assert not m.Incident.objects.exists()


def test_retweets_and_brand_posts_never_count(account):
    background(account, weeks=4)
    for i in range(20):
        complaint(account, at=NOW - dt.timedelta(minutes=50 - i), carrier="DHL", country="BR", tweet_kind="retweet")
    for i in range(20):
        complaint(account, at=NOW - dt.timedelta(minutes=50 - i), carrier="DHL", country="BR", party=m.Party.BRAND)

    assert incidents_detect(now=NOW).opened == ()
    _surge(account, 20)  # the same volume of real complaints does open one
    assert len(incidents_detect(now=NOW).opened) == 1
    assert m.Incident.objects.get().case_count == 20


def test_cold_start_uses_the_floor(account, settings):
    _surge(account, 12)  # a brand-new desk: no history at all
    settings.CRM_TWITTER = {**(getattr(settings, "CRM_TWITTER", None) or {}), "INCIDENT_FLOOR_PER_HOUR": 5}
    assert incidents_detect(now=NOW).opened == ()  # 12 when 5 an hour is the least expected: not unusual enough

    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "INCIDENT_FLOOR_PER_HOUR": 0.5}
    result = incidents_detect(now=NOW)
    incident = m.Incident.objects.get()
    assert result.opened == (incident.pk,)
    assert incident.expected_count == pytest.approx(0.5)  # the floor for one hour, no baseline


def test_fewer_customers_than_the_minimum_never_open_an_incident(account):
    _surge(account, 9)
    assert incidents_detect(now=NOW).opened == ()


def test_open_and_doubling_alert_supervisors_and_managers_in_app_and_by_mail(
    account, supervisor, manager, agent, django_capture_on_commit_callbacks
):
    for user in (supervisor, manager, agent):
        user.email = f"{user.username}@nova.example"
        user.save()
    _surge(account, 12)
    with django_capture_on_commit_callbacks(execute=True):
        incidents_detect(now=NOW)
    incident = m.Incident.objects.get()
    alerts = m.Notification.objects.filter(kind=m.Notification.Kind.INCIDENT)
    assert set(alerts.values_list("user__username", flat=True)) == {"sam", "maria"}
    assert set(alerts.values_list("incident_id", flat=True)) == {incident.pk}
    assert sorted(e.to[0] for e in mail.outbox) == ["maria@nova.example", "sam@nova.example"]
    assert "DHL · BR" in mail.outbox[0].subject
    assert incident.alerted_case_count == 12

    # Six more customers: the incident grows, but has not doubled — no new alert.
    _surge(account, 6, start=NOW + dt.timedelta(minutes=1), minutes=3)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = incidents_detect(now=NOW + dt.timedelta(minutes=5))
    incident.refresh_from_db()
    assert result.grown == (incident.pk,) and incident.case_count == 18
    assert incident.events.filter(kind=m.IncidentEvent.Kind.GREW).count() == 1
    assert alerts.count() == 2 and mail.outbox == []

    # Six more: 24 cases, twice the 12 of the last alert.
    _surge(account, 6, start=NOW + dt.timedelta(minutes=6), minutes=3)
    with django_capture_on_commit_callbacks(execute=True):
        incidents_detect(now=NOW + dt.timedelta(minutes=10))
    incident.refresh_from_db()
    assert incident.case_count == 24 and incident.alerted_case_count == 24
    assert alerts.count() == 4
    assert alerts.filter(message__startswith="Incident doubled").count() == 2
    assert len(mail.outbox) == 2 and "doubled" in mail.outbox[0].body
    assert not m.Notification.objects.filter(user=agent).exists()


def test_new_matching_cases_link_while_open_but_not_after_close(account):
    _surge(account, 12)
    incidents_detect(now=NOW)
    incident = m.Incident.objects.get()

    late = complaint(account, at=NOW + dt.timedelta(minutes=2), carrier="DHL", country="BR", sku="X-1")
    other = complaint(account, at=NOW + dt.timedelta(minutes=2), carrier="UPS", country="BR", sku="X-2")
    incidents_detect(now=NOW + dt.timedelta(minutes=3))
    linked = set(incident.cases.values_list("pk", flat=True))
    assert late.pk in linked and other.pk not in linked
    assert m.CaseEvent.objects.filter(case=late, kind=m.CaseEvent.Kind.INCIDENT_LINKED).exists()

    m.Incident.objects.filter(pk=incident.pk).update(status=m.Incident.Status.CLOSED, closed_at=NOW)
    after = complaint(account, at=NOW + dt.timedelta(minutes=4), carrier="DHL", country="BR", sku="X-3")
    result = incidents_detect(now=NOW + dt.timedelta(minutes=5))
    assert after.pk not in set(incident.cases.values_list("pk", flat=True))
    # The closed incident's cases do not open a new one for the same key.
    assert result.opened == () and m.Incident.objects.count() == 1


def test_the_tick_is_idempotent(account, supervisor):
    background(account, weeks=1)
    _surge(account, 14)
    incidents_detect(now=NOW)
    before = _state()
    assert before["Incident"] == 1

    result = incidents_detect(now=NOW)

    assert _state() == before
    assert result.opened == () and result.grown == () and result.linked == 0 and result.alerts == 0


def test_a_category_surge_uses_confirmed_categories(account):
    broken = m.ComplaintCategory.objects.create(slug="arrived-broken", name="Arrived broken")
    for i in range(12):  # different carriers, countries and products: only the category is common
        complaint(
            account,
            at=NOW - dt.timedelta(minutes=50 - i),
            carrier=f"C{i}",
            country=["BR", "DE", "FR", "ES"][i % 4],
            sku=f"S{i}",
            category=broken,
        )
    incidents_detect(now=NOW)
    incident = m.Incident.objects.get()
    assert incident.dimension_key == f"category={broken.pk}"
    assert incident.category == broken and incident.title == "Arrived broken"


@pytest.mark.parametrize("n", [10, 200])
def test_the_tick_runs_a_fixed_number_of_queries(account, supervisor, n, django_assert_max_num_queries):
    background(account, weeks=1, per_day=2)
    _surge(account, n)
    UserFactory(roles=["crm_manager"])
    with django_assert_max_num_queries(32):
        result = incidents_detect(now=NOW)
    assert len(result.opened) == 1 and m.Incident.objects.get().case_count == n


def test_a_second_worker_skips_the_tick_while_the_first_runs(on_postgres, account):
    _surge(account, 12)
    holder = connections.create_connection("default")
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [lock_key(LOCK_NAMESPACE)])
        assert incidents_detect(now=NOW).skipped
        assert not m.Incident.objects.exists()
    finally:
        holder.rollback()
        holder.close()
    assert incidents_detect(now=NOW).opened


def test_detection_switched_off_does_nothing(account, settings):
    _surge(account, 20)
    settings.CRM_TWITTER = {**(getattr(settings, "CRM_TWITTER", None) or {}), "INCIDENT_DETECTION_ENABLED": False}
    assert incidents_detect(now=NOW).skipped
    assert not m.Incident.objects.exists()
