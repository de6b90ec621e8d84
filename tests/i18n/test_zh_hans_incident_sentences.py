"""The incident pages read as Chinese sentences, not English sentences with Chinese words in them:
Chinese punctuation (。；，and full-width brackets), Chinese word order ("自 … 起，共 N 个工单"),
durations in 小时/分钟; and the English pages read exactly as before. The inbox's "Filter"
button says 筛选 (the desk's word), not Django admin's 过滤器."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from crm_twitter.inbox.display import duration_text
from crm_twitter.models import Incident
from crm_twitter.services.preferences import user_language_set
from tests.incidents.page_builders import surge_incident

pytestmark = pytest.mark.django_db


def visible(html: str) -> str:
    """The page's text with the tags out and the spaces folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.fixture
def surge():
    # Three hours and ten minutes old, one of its six cases resolved, one linked last hour.
    surge = surge_incident(opened_hours_ago=3 + 10 / 60)
    surge.cases[0].status = "resolved"
    surge.cases[0].save(update_fields=["status"])
    return surge


def pages(client, user, surge, language: str) -> dict[str, str]:
    user_language_set(user=user, language=language)
    client.force_login(user)
    return {
        "incident": visible(
            client.get(reverse("crm_twitter_inbox:incident", args=[surge.incident.pk])).content.decode()
        ),
        "list": visible(client.get(reverse("crm_twitter_inbox:incidents")).content.decode()),
        "dashboard": visible(client.get(reverse("crm_twitter_reports:dashboard")).content.decode()),
        "queue": client.get(reverse("crm_twitter_inbox:queue")).content.decode(),
    }


def test_the_incident_pages_read_as_chinese_sentences(client, supervisor, surge):
    zh = pages(client, supervisor, surge, "zh-hans")

    page = zh["incident"]
    assert re.search(r"（3小时1\d分钟）", page), "the duration, in Chinese units and brackets"
    assert "（5 个未结）" in page
    assert re.search(r"每小时 [\d.]+ 个工单；最近一小时 \d+ 个", page)
    assert "6 位客户，往常为 0.5" in page
    assert "每小时投诉客户数与往常对比。往常：" in page

    assert re.search(r"3小时1\d分钟", zh["list"])
    assert "（1 小时）" in zh["list"]
    assert re.search(r"Lost parcel · DHL · BR ——自 .+? 起，共 6 个工单", zh["dashboard"])

    button = re.search(r'<button type="submit" class="btn btn-secondary">([^<]*)</button>', zh["queue"]).group(1)
    assert button == "筛选"


def test_the_english_pages_read_as_before(client, supervisor, surge):
    en = pages(client, supervisor, surge, "en")

    page = en["incident"]
    assert re.search(r"\(3h 1\dm\)", page)
    assert "(5 open)" in page
    assert re.search(r"[\d.]+ cases per hour; \d+ in the last hour", page)
    assert "6 customers in 1 h, usually 0.5" in page
    assert "Complaining customers per hour against the usual. Usual:" in page
    assert re.search(r"Lost parcel · DHL · BR — since .+?, 6 cases", en["dashboard"])
    assert "(1 h)" in en["list"]
    assert '<button type="submit" class="btn btn-secondary">Filter</button>' in en["queue"]


@pytest.mark.parametrize(
    ("seconds", "english", "chinese"),
    [(7 * 60, "7m", "7分钟"), (3 * 3600 + 5 * 60, "3h 05m", "3小时5分钟"), (86400 + 3 * 3600, "1d 3h", "1天3小时")],
)
def test_a_duration_speaks_the_readers_units(seconds, english, chinese):
    from django.utils import translation

    with translation.override("en"):
        assert duration_text(seconds) == english
    with translation.override("zh-hans"):
        assert duration_text(seconds) == chinese


def test_a_closed_incident_lasts_until_it_closed(client, supervisor):
    closed = surge_incident(status=Incident.Status.CLOSED, opened_hours_ago=30)
    Incident.objects.filter(pk=closed.incident.pk).update(closed_at=timezone.now() - dt.timedelta(hours=3))
    user_language_set(user=supervisor, language="zh-hans")
    client.force_login(supervisor)
    html = visible(client.get(reverse("crm_twitter_inbox:incidents") + "?status=closed").content.decode())
    assert "1天3小时" in html
