"""Issue #16 in a real browser at 1280×800: what covered or pushed out parts of the case page
(a flash message over the ↑/↓ buttons and the presence indicator, the promise's Due field past
its panel), the deadline's time zone, the agent's avatar, and the Chinese desk agent_zh chose."""

from __future__ import annotations

import pytest

from crm_twitter.services.preferences import user_language_set
from tests.factories import (
    TeamFactory,
    TeamMembershipFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not on screen"
    return box


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_a_flash_message_leaves_the_case_buttons_and_presence_uncovered(browser_page, browser_login, emma_shift):
    page = browser_page
    browser_login(page, emma_shift.emma)
    page.goto(f"/inbox/case/{emma_shift.case.pk}/")
    page.wait_for_selector(".case-page")
    page.keyboard.press("n")  # the composer's note tab
    page.locator("#id_note_text").fill("Called the carrier")
    page.locator("#id_note_text").press("Control+Enter")
    flash = page.locator("#flash-stack .flash").first
    flash.wait_for()
    covered = {
        name: _overlap(flash.bounding_box(), _box(page, selector))
        for name, selector in (
            ("↑", "[data-nav=prev]"),
            ("↓", "[data-nav=next]"),
            ("presence", ".presence-box"),
            ("note button", "#note-form button[type=submit]"),
        )
    }
    assert not any(covered.values()), covered
    page.goto("about:blank")  # stop the presence polling before the database is emptied


def test_the_promise_due_field_fits_its_panel_and_names_the_time_zone(browser_page, browser_login, emma_shift):
    page = browser_page
    browser_login(page, emma_shift.emma)
    page.goto(f"/inbox/case/{emma_shift.case.pk}/")
    promises = page.locator("#promises")
    promises.locator("details.promise-new summary").click() if not promises.locator(
        "details.promise-new[open]"
    ).count() else None
    due = promises.locator("input[type=datetime-local]")
    due.scroll_into_view_if_needed()
    panel, field = _box(page, "#promises"), due.bounding_box()
    assert field["x"] >= panel["x"] and field["x"] + field["width"] <= panel["x"] + panel["width"], (panel, field)
    assert "UTC" in promises.locator(f"label[for={due.get_attribute('id')}]").inner_text()
    page.goto("about:blank")  # stop the presence polling before the database is emptied


def test_the_top_bar_shows_the_agents_initials(browser_page, browser_login, emma_shift):
    page = browser_page
    browser_login(page, emma_shift.emma)
    me = page.locator(".topbar .me")
    assert me.locator(".avatar").inner_text() == "EC" and "Emma Clarke" in me.inner_text()


def test_an_agent_who_chose_chinese_gets_the_chinese_desk_on_an_english_browser(browser_page, browser_login):
    agent = UserFactory(username="agent_zh", first_name="伟", last_name="李", roles=["crm_agent"])
    TeamMembershipFactory(team=TeamFactory(name="中文 — 上海", languages=["zh"]), user=agent)
    user_language_set(user=agent, language="zh-hans")
    page = browser_page  # its browser asks for en-US
    browser_login(page, agent)
    page.goto("/inbox/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("link", name="收件箱").first.is_visible()
    # Changing it back in the preferences switches at once, and stays.
    page.locator(".topbar .me").click()
    page.locator("#id_language").select_option("en")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector(".flash-success:has-text('Your preferences are saved.')")
    page.goto("/inbox/")
    assert page.locator("html").get_attribute("lang") == "en"
