"""The language a user chooses in their preferences: the desk speaks it after sign-in whatever
the browser asks, the top bar's menu saves it, and the e-mails addressed to them use it."""

from __future__ import annotations

import pytest
from django.core import mail

from crm_twitter.models import UserPreferences
from crm_twitter.services.errors import CaseRuleError
from crm_twitter.services.preferences import user_language, user_language_set
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_desk_speaks_the_chosen_language_to_an_english_browser(client, agent):
    user_language_set(user=agent, language="zh-Hans")
    client.force_login(agent)
    response = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "zh-hans"
    assert "收件箱" in response.content.decode()


def test_without_a_choice_the_browser_decides(client, agent):
    client.force_login(agent)
    response = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response.headers["Content-Language"] == "zh-hans"
    response = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.headers["Content-Language"] == "en"


def test_the_preferences_page_saves_the_language_and_shows_the_desk_in_it_at_once(client, agent):
    client.force_login(agent)
    page = client.get("/inbox/preferences/")
    assert page.status_code == 200 and 'name="language"' in page.content.decode()
    response = client.post("/inbox/preferences/", {"language": "zh-hans"}, follow=True)
    assert user_language(agent) == "zh-hans"
    assert "您的偏好设置已保存。" in response.content.decode()
    assert client.get("/reports/" if agent.is_superuser else "/inbox/").headers["Content-Language"] == "zh-hans"
    # Back to "as my browser asks".
    client.post("/inbox/preferences/", {"language": ""})
    assert user_language(agent) == ""
    assert client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en").headers["Content-Language"] == "en"


def test_a_language_the_desk_does_not_offer_is_refused(client, agent):
    client.force_login(agent)
    response = client.post("/inbox/preferences/", {"language": "fr"})
    assert response.status_code == 200 and not UserPreferences.objects.filter(user=agent).exists()
    with pytest.raises(CaseRuleError):
        user_language_set(user=agent, language="xx")


def test_the_top_bar_menu_saves_the_choice_for_the_user(client, agent):
    client.force_login(agent)
    response = client.post("/inbox/language/", {"language": "zh-hans", "next": "/inbox/"})
    assert response.status_code == 302
    assert user_language(agent) == "zh-hans"
    # Another computer (a new session, an English browser) gets it after signing in.
    client.logout()
    client.force_login(agent)
    assert client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en").headers["Content-Language"] == "zh-hans"


def test_notification_emails_are_written_in_each_readers_language(django_capture_on_commit_callbacks, settings):
    from crm_twitter.services.notifications import NotificationSpec, notifications_send_many

    wei = UserFactory(username="agent_zh", email="wei@example.com")
    emma = UserFactory(username="agent_en", email="emma@example.com")
    user_language_set(user=wei, language="zh-hans")
    case = CaseFactory(reference="CS-2026-000301")
    lines = ["CS-2026-000301: assigned to you", "SLA breached on CS-2026-000301: first response overdue"]
    specs = [
        NotificationSpec(user_id=u.pk, case_id=case.pk, kind="assigned", message=line)
        for u in (wei, emma)
        for line in lines
    ]
    with django_capture_on_commit_callbacks(execute=True):
        notifications_send_many(specs=specs)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["wei@example.com"].subject == "[crm] 2 个工单需要您处理"
    assert by_address["wei@example.com"].body.splitlines() == [
        "CS-2026-000301：已分配给您",
        "CS-2026-000301 SLA 超时：首次响应逾期",
    ]
    assert by_address["emma@example.com"].subject == "[crm] 2 cases need your attention"
    assert by_address["emma@example.com"].body.splitlines() == lines


def test_the_monthly_report_email_is_in_the_language_of_the_recipient_who_chose_one(settings):
    import datetime as dt

    from crm_twitter.models import ReportSnapshot
    from crm_twitter.reports.snapshots import snapshot_email

    user_language_set(user=UserFactory(username="boss", email="boss@example.com"), language="zh-hans")
    snapshot = ReportSnapshot.objects.create(
        month=dt.date(2026, 11, 1), data={"total": {"cases": 3}}, xlsx=b"xlsx", html="", csv="", scheduled=True
    )
    assert snapshot_email(snapshot=snapshot, recipients=["boss@example.com", "ops@example.com"])
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["boss@example.com"].subject == "投诉报表 2026年11月"
    assert by_address["ops@example.com"].subject == "Complaint report November 2026"
