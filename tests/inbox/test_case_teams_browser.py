"""Issue #16 bug 5 in a real browser: a supervisor moves a Chinese case out of the fallback team,
and agent_zh — who saw nothing and got a 404 before — opens it from their queue."""

from __future__ import annotations

import pytest

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


def test_a_supervisor_moves_a_case_to_another_team_and_its_agent_can_work_it(
    browser_page, browser_login, night_shift, live_server
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
    meta = page.locator("#case-meta")
    expect(meta).to_contain_text("中文 — 上海")
    expect(meta).to_contain_text("Unassigned")  # agent_oncall does not work that team

    page.context.clear_cookies()
    browser_login(page, night_shift.agent_zh)
    # The queue's row fragments are cached for one 20-second refresh; in one CI run (Django 6.1,
    # loaded machine) the moved case was not listed at once. Look again across that window (the
    # cause is still to be found: see the session's closing note).
    link = page.locator(f"a[href='/inbox/case/{case.pk}/']")
    for _ in range(4):
        page.goto("/inbox/?queue=unassigned")
        if link.count():
            break
        page.wait_for_timeout(8000)
    link.first.click()
    page.wait_for_url(f"**/inbox/case/{case.pk}/")
    page.locator("#take-form button").click()
    expect(page.locator("#case-meta .assignee-box strong")).to_be_visible()
    case.refresh_from_db()
    assert (case.team, case.assignee) == (night_shift.shanghai, night_shift.agent_zh)
