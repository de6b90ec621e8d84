"""The top bar's "Incidents" badge: right on the very next page after an incident opens, is merged
or closes, and no query of its own on the pages in between (a supervisor opens hundreds a day)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm_twitter.models import Incident
from crm_twitter.selectors.incidents import incidents_open_count
from crm_twitter.services import incidents as svc
from crm_twitter.services.incident_detection import incidents_detect
from tests.factories import BrandAccountFactory
from tests.incidents.detection_builders import NOW, complaints

pytestmark = pytest.mark.django_db

QUEUE = reverse("crm_twitter_inbox:queue")


def badge(client) -> str:
    """The badge's number as the page shows it ("" when there is none)."""
    html = client.get(QUEUE).content.decode()
    link = re.search(r'id="nav-incidents"[^>]*>(.*?)</a>', html, re.S).group(1)
    found = re.search(r'<span class="nav-badge">(\d+)<', link)
    return found.group(1) if found else ""


def badge_query() -> str:
    """The SQL of counting the open incidents (what the badge used to run on every page)."""
    with CaptureQueriesContext(connection) as counted:
        incidents_open_count()
    [query] = counted.captured_queries
    return query["sql"]


def counts_incidents(queries) -> bool:
    return badge_query() in [q["sql"] for q in queries]


def test_the_badge_follows_opening_merging_and_closing_at_once(client, supervisor):
    account = BrandAccountFactory(handle="shophelp")
    client.force_login(supervisor)
    assert badge(client) == ""

    complaints(account, 25, start=NOW - dt.timedelta(minutes=50), carrier="DHL", country="BR")
    complaints(account, 25, start=NOW - dt.timedelta(minutes=50), carrier="UPS", country="PT")
    incidents_detect(now=NOW)
    dhl, ups = Incident.objects.order_by("carrier")
    assert badge(client) == "2"

    svc.incident_merge(incident=ups, into=dhl, actor=supervisor)
    assert badge(client) == "1"

    svc.incident_close(incident=dhl, actor=supervisor, root_cause="Customs strike in Curitiba")
    assert badge(client) == ""


def test_pages_between_changes_do_not_count_incidents(client, supervisor):
    account = BrandAccountFactory(handle="shophelp")
    complaints(account, 25, start=NOW - dt.timedelta(minutes=50), carrier="DHL", country="BR")
    incidents_detect(now=NOW)
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as first:
        assert badge(client) == "1"
    assert counts_incidents(first.captured_queries)

    for page in (QUEUE, reverse("crm_twitter_inbox:incidents"), reverse("crm_twitter_reports:dashboard")):
        with CaptureQueriesContext(connection) as later:
            assert client.get(page).status_code == 200
        assert not counts_incidents(later.captured_queries), page


def test_with_the_database_cache_the_badge_is_one_count_and_no_cache_write():
    """A database cache read is a query and a miss a committed write: more than the count it saves."""
    from django.test import override_settings

    from crm_twitter.services.incident_counts import incidents_open_count_cached

    database_cache = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "unused"}}
    with override_settings(CACHES=database_cache), CaptureQueriesContext(connection) as counted:
        assert incidents_open_count_cached() == 0
    assert [q["sql"] for q in counted.captured_queries] == [badge_query()]
