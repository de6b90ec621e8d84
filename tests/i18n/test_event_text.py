"""Timeline sentences, category names and dates in the reader's language (they were stored or
formatted in English: "New → Acknowledged", "SLA breached", "十二月 2, 20:16")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from crm_twitter.dates import month_short, short_datetime, tz_label
from crm_twitter.models.taxonomy import category_label
from crm_twitter.services.event_text import event_text

AT = dt.datetime(2026, 12, 2, 20, 16, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("kind", "message", "data", "chinese"),
    [
        ("status_changed", "New → Acknowledged", {"from": "new", "to": "acknowledged"}, "新建 → 已回应"),
        (
            "status_changed",
            "New → Acknowledged: public reply sent",
            {"from": "new", "to": "acknowledged"},
            "新建 → 已回应：公开回复已发送",
        ),
        ("sla_breached", "SLA breached: first response overdue", {"clock": "first_response"}, "SLA 超时：首次响应逾期"),
        ("escalated", "High reach: escalated to level 1", {"level": 1}, "影响范围大：升级到 1 级"),
        ("category_set", "Category: Delivery delay", {}, "类别：配送延误"),
        ("satisfaction", "Customer rated 5/5", {"score": 5}, "客户评分 5/5"),
        ("message_received", "Customer DM received", {}, "收到客户私信"),
    ],
)
def test_the_desks_own_sentences_read_in_chinese(kind, message, data, chinese):
    with translation.override("zh-hans"):
        assert event_text(kind, message, data) == chinese
    with translation.override("en"):
        assert event_text(kind, message, data) == message


def test_an_agents_own_words_stay_as_written():
    reason = "Asked for a photo of the parcel label"
    with translation.override("zh-hans"):
        assert event_text("status_changed", reason, {"from": "in_dm", "to": "awaiting_customer"}) == reason
        assert event_text("escalated", "Escalated to level 2: VIP", {}) == "升级到 2 级：VIP"


def test_seeded_category_names_are_translated_and_admin_ones_are_kept():
    with translation.override("zh-hans"):
        assert category_label("Wrong or missing item") == "发错或漏发"
        assert category_label("Battery swelling") == "Battery swelling"


def test_dates_follow_the_language_and_name_the_time_zone():
    with timezone.override("UTC"):
        with translation.override("en"):
            assert short_datetime(AT) == "Dec 2, 20:16" and month_short(AT.date()) == "Dec 26"
        with translation.override("zh-hans"):
            assert short_datetime(AT) == "12月2日 20:16" and month_short(AT.date()) == "26年12月"
        assert tz_label(AT) == "UTC"
    with timezone.override("Asia/Shanghai"):
        assert tz_label(AT) == "UTC+8"
    with timezone.override("America/St_Johns"):
        assert tz_label(AT) == "UTC−3:30"
