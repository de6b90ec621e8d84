"""Issue #16 bug 5 in a real browser: a supervisor moves a Chinese case out of the fallback team,
and agent_zh — who saw nothing and got a 404 before — opens it from their queue and works it in
the Chinese interface they chose (issue #16: agent_zh works a Chinese case in the Chinese UI)."""

from __future__ import annotations

import time

import pytest

from crm_twitter.services.preferences import user_language_set
from tests.factories import (
    BrandAccountFactory,
    CaseFactory,
    TeamFactory,
    TeamMembershipFactory,
    TweetFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
expect = pytest.importorskip("playwright.sync_api").expect  # the browser tests' own skip says why


@pytest.fixture
def night_shift():
    """A Chinese complaint routed at night to the fallback team, where agent_oncall has it."""
    fallback = TeamFactory(name="Follow-the-sun", languages=[], is_fallback=True)
    shanghai = TeamFactory(name="中文 — 上海", languages=["zh"])
    oncall = UserFactory(username="agent_oncall", first_name="Sam", last_name="Okafor", roles=["crm_agent"])
    TeamMembershipFactory(team=fallback, user=oncall)
    agent_zh = UserFactory(username="agent_zh", first_name="伟", last_name="李", roles=["crm_agent"])
    TeamMembershipFactory(team=shanghai, user=agent_zh)
    user_language_set(user=agent_zh, language="zh-hans")  # the browser asks for en-US
    supervisor = UserFactory(username="demo", first_name="Dana", last_name="Demo", roles=["crm_supervisor"])
    brand = BrandAccountFactory(handle="novashop", x_user_id="900002")
    case = CaseFactory(team=fallback, assignee=oncall, brand_account=brand, language="zh")
    TweetFactory(
        case=case,
        brand_account=brand,
        author=case.customer_x_user,
        text="@novashop 我的包裹两周了还没到",
        mentioned_user_ids=[brand.x_user_id],
    )
    return type("NightShift", (), {"case": case, "shanghai": shanghai, "agent_zh": agent_zh, "supervisor": supervisor})


@pytest.fixture(params=[0, 4], ids=["move-answers-at-once", "move-answers-in-4s"])
def move_delay(request, monkeypatch):
    """How long the server takes to apply the move. The slow variant pins the race behind the one
    failed CI run: the page's #case-meta lists every team (the move menu) and "— Unassigned —" (the
    assign menu) before any move, so waiting for those words returned at once, the test signed
    out while the move's background POST was still on its way, and agent_zh's queue was drawn
    before the move was committed. The walk must wait for the move's own answer."""
    if request.param:
        from crm_twitter.inbox.views import actions

        real = actions.case_move_team

        def slow_move(**kwargs):
            time.sleep(request.param)
            return real(**kwargs)

        monkeypatch.setattr(actions, "case_move_team", slow_move)
    return request.param


def test_a_supervisor_moves_a_case_to_another_team_and_its_agent_can_work_it(
    browser_page, browser_login, night_shift, live_server, move_delay
):
    page = browser_page
    case = night_shift.case
    browser_login(page, night_shift.agent_zh)
    response = page.goto(f"/inbox/case/{case.pk}/")
    assert response.status == 404  # not their team's (yet)

    page.context.clear_cookies()
    browser_login(page, night_shift.supervisor)
    page.goto(f"/inbox/case/{case.pk}/")
    # The assign menu offers the Shanghai team's agent, in its own group.
    group = page.locator("#assign-select optgroup", has=page.locator("option", has_text="李"))
    assert "中文 — 上海" in group.get_attribute("label")
    page.locator("#move-team-select").select_option(label="中文 — 上海")
    page.locator("#move-reason").fill("The customer writes in Chinese")
    page.locator("#move-apply").click()
    # Wait for the move's own answer: the flash, the Team item and the assignee line. (The whole
    # #case-meta already holds "中文 — 上海" and "Unassigned" in its menus before the move.)
    expect(page.locator("#flash-stack")).to_contain_text("Moved to 中文 — 上海")
    meta = page.locator("#case-meta")
    expect(meta.locator(".meta-item", has=page.locator(".meta-label", has_text="Team"))).to_contain_text("中文 — 上海")
    # agent_oncall does not work that team: the case now waits for an agent.
    expect(meta.locator(".assignee-box > .unassigned")).to_have_text("Unassigned")

    page.context.clear_cookies()
    browser_login(page, night_shift.agent_zh)
    # At once, with no reload: the queue is read live and its cached fragments are keyed by what they show.
    page.goto("/inbox/?queue=unassigned")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    expect(page.locator("#queue-title")).to_contain_text("未分配")
    expect(page.locator("#queue-nav .q-unassigned .queue-count")).to_have_text("1")
    page.locator(f"a[href='/inbox/case/{case.pk}/']").first.click()
    page.wait_for_url(f"**/inbox/case/{case.pk}/")
    assert "我的包裹两周了还没到" in page.locator("#timeline").inner_text()

    # agent_zh works it in Chinese: takes it, answers the customer publicly, waits for their answer.
    page.locator("#take-form button").click()
    expect(page.locator("#flash-stack")).to_contain_text("此工单现在由您负责。")
    expect(page.locator("#case-meta .assignee-box strong")).to_have_text("您")
    page.locator("#id_compose_text").fill(
        f"@{case.customer_x_user.handle} 您好，非常抱歉！请私信告诉我们订单号，我们马上查。"
    )
    page.locator("#compose-send").click()
    expect(page.locator("#flash-stack")).to_contain_text("公开回复已进入发送队列。")
    page.locator(".flash-close").first.click()
    page.locator("button[data-status='awaiting_customer']").click()
    expect(page.locator("#flash-stack")).to_contain_text("状态已改为 等待客户。")
    expect(page.locator(".case-title .status")).to_have_text("等待客户")
    assert page.locator(".flash-error").count() == 0

    case.refresh_from_db()
    assert (case.team, case.assignee) == (night_shift.shanghai, night_shift.agent_zh)
    assert case.status == "awaiting_customer"
    assert case.outbound_messages.get().text.startswith(f"@{case.customer_x_user.handle} 您好")
