"""Issue #20: the dashboard is built once per fold and kept in the cache; a reload reads the fold's
stamp and the cache entry, whatever the data. What is not folded stays live."""

from __future__ import annotations

import datetime as dt
import pickle
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from crm_twitter.models import CaseStatus, ComplaintCategory
from crm_twitter.reports.dashboard import Dashboard, dashboard_cache_key, fold_stamp
from crm_twitter.services.rollups import rollups_fold
from crm_twitter.tasks.reports import rollups_fold_task
from tests.factories import CaseFactory
from tests.incidents.page_builders import surge_incident
from tests.reports.conftest import OCTOBER, local

DASHBOARD = reverse("crm_twitter_reports:dashboard")
ROLLUP_TABLES = ("crm_twitter_rollupcaseday", "crm_twitter_rollupcountday", "crm_twitter_rollupdurationmonth")


@pytest.fixture(autouse=True)
def english_afterwards():
    """LocaleMiddleware leaves the request's language active in the thread: reset it for later tests."""
    yield
    translation.activate("en")


def _cards(html: str) -> list[tuple[str, str]]:
    block = html.split('<div class="cards">')[1].split("</section>")[0]
    return re.findall(r'<div class="v">([^<]*)</div><div class="l">([^<]*)</div>', block)


def _without_tokens(html: str) -> str:
    """The page minus what differs per request by design (CSP nonce, CSRF token)."""
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', html)
    return re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', html)


def test_a_reload_reads_the_stamp_and_the_cache_not_the_rollups(
    client, october, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    url = DASHBOARD + "?month=2026-10"
    with CaptureQueriesContext(connection) as built:
        first = client.get(url).content.decode()
    assert any(t in q["sql"] for q in built.captured_queries for t in ROLLUP_TABLES)

    with django_assert_max_num_queries(10) as reloaded:  # session, user, stamp, entry, incidents, snapshots…
        again = client.get(url).content.decode()
    assert not any(t in q["sql"] for q in reloaded.captured_queries for t in ROLLUP_TABLES)
    assert len(reloaded.captured_queries) < len(built.captured_queries) - 10
    assert _without_tokens(again) == _without_tokens(first)
    assert ("4", "Complaints opened") in _cards(again)


def test_the_next_fold_retires_the_cached_dashboard(client, october, manager, mid_november):
    client.force_login(manager)
    url = DASHBOARD + "?month=2026-10"
    assert ("4", "Complaints opened") in _cards(client.get(url).content.decode())

    damaged = ComplaintCategory.objects.get(slug="damaged")
    CaseFactory(category=damaged, category_confirmed=True, opened_at=local(2026, 10, 20, 9, 0))
    # Not folded yet: the page still shows the figures as of the last fold, as it says.
    assert ("4", "Complaints opened") in _cards(client.get(url).content.decode())

    mid_november.shift(dt.timedelta(minutes=5))
    rollups_fold()
    assert ("5", "Complaints opened") in _cards(client.get(url).content.decode())


def test_a_fold_under_a_frozen_clock_that_read_new_rows_is_a_new_stamp(client, october, manager):
    """Tests and replays fold at one frozen instant: the id marks tell the folds apart."""
    client.force_login(manager)
    url = DASHBOARD + "?month=2026-10"
    before = fold_stamp()
    client.get(url)
    CaseFactory(status=CaseStatus.NEW, opened_at=local(2026, 10, 21, 9, 0))
    rollups_fold()
    assert fold_stamp() != before and fold_stamp()[0] == before[0]
    assert ("5", "Complaints opened") in _cards(client.get(url).content.decode())


def test_each_language_and_month_is_kept_apart(client, october, manager):
    client.force_login(manager)
    english = client.get(DASHBOARD + "?month=2026-10").content.decode()
    chinese = client.get(DASHBOARD + "?month=2026-10", headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "Cases by category" in english and "Cases by category" not in chinese
    assert "按类别统计的工单" in chinese  # the "Cases by category" table title
    assert "Cases by category" in client.get(DASHBOARD + "?month=2026-10").content.decode()

    september = client.get(DASHBOARD + "?month=2026-09").content.decode()
    assert 'data-month="2026-09"' in september and ("2", "Complaints opened") in _cards(september)
    assert 'data-month="2026-10"' in client.get(DASHBOARD + "?month=2026-10").content.decode()


def test_incidents_stay_live_on_a_cached_dashboard(client, october, manager):
    """Incidents are not folded: the open-incidents box and the month's incidents table show one
    opened after the page was cached, before any fold."""
    client.force_login(manager)
    html = client.get(DASHBOARD).content.decode()  # November so far, now cached
    assert 'id="dash-incidents"' not in html

    surge = surge_incident(title="Customs strike <b>")
    html = client.get(DASHBOARD).content.decode()
    box = html.split('id="dash-incidents"')[1].split("</section>")[0]
    assert f'<a href="/inbox/incidents/{surge.incident.pk}/">Customs strike &lt;b&gt;</a>' in box
    table = html.split('id="report-incidents"')[1].split("</section>")[0]
    assert "<td>Customs strike &lt;b&gt;</td><td>Open</td>" in table


def test_the_cache_entry_holds_nothing_of_the_request(client, october, manager):
    """Shared by every manager: no CSRF token, no session, no user, no CSP nonce (a host project's
    base template may add one) — those are printed around it on every view."""
    client.force_login(manager)
    html = client.get(DASHBOARD + "?month=2026-10").content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    nonce = getattr(client.get(DASHBOARD + "?month=2026-10").wsgi_request, "csp_nonce", "") or "no-nonce-set"

    translation.activate("en")
    board = cache.get(dashboard_cache_key(month=OCTOBER, stamp=fold_stamp()))
    assert isinstance(board, Dashboard) and board.report.month == OCTOBER
    kept = pickle.dumps(board)
    for request_bound in (token, client.session.session_key, manager.username, str(nonce)):
        assert request_bound.encode() not in kept, request_bound


def test_the_fold_task_builds_the_dashboard_for_the_first_manager_after_it(client, october, manager, mid_november):
    """The build (the rollup reads, the sketches) moves off the request path: after the scheduled
    fold, the first view of this month's dashboard — in each language it was read in — is a reload."""
    client.force_login(manager)
    client.get(DASHBOARD)  # this month, English
    client.get(DASHBOARD, headers={"Accept-Language": "zh-hans"})  # and Chinese
    CaseFactory(status=CaseStatus.NEW, opened_at=local(2026, 11, 14, 9, 0))
    mid_november.shift(dt.timedelta(minutes=5))
    rollups_fold_task()

    for language in ("en", "zh-hans"):
        with CaptureQueriesContext(connection) as first:
            html = client.get(DASHBOARD, headers={"Accept-Language": language}).content.decode()
        assert not any(t in q["sql"] for q in first.captured_queries for t in ROLLUP_TABLES), language
        assert ("按类别统计的工单" in html) == (language == "zh-hans")
