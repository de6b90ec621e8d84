import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_dashboard_and_html_report_render_their_charts_in_a_browser(
    browser_page, browser_login, october, manager, screenshot
):
    page = browser_page
    browser_login(page, manager)

    page.goto("/reports/?month=2026-10")
    assert page.get_by_role("heading", name="Complaint dashboard").is_visible()
    # One screen (1280×800): the headline numbers, the category trend and what is rising.
    for part in (".cards", '[data-chart="volume"] svg', ".dash-rising"):
        box = page.locator(part).first.bounding_box()
        assert box and box["y"] + box["height"] <= 800 + 40, part
    screenshot(page, "reports-dashboard")
    # The rest waits behind links that open their section.
    assert not page.locator('[data-chart="backlog"] svg').is_visible()
    for link in ("Response and resolution times", "Open backlog by age", "The month in detail"):
        page.locator(".dash-links").get_by_role("link", name=link).click()
    for key in ("volume", "first_response", "resolution", "backlog", "categories", "by_sku"):
        box = page.locator(f'[data-chart="{key}"] svg').first.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 40, key
    assert page.locator("#report-categories table").get_by_role("cell", name="Damaged").is_visible()

    page.goto("/reports/export/?month=2026-10&format=html")
    assert page.get_by_role("heading", name="Complaint report October 2026").is_visible()
    assert page.locator("svg").count() >= 8
    box = page.locator('[data-chart="categories"] svg').bounding_box()
    assert box and box["width"] > 300
