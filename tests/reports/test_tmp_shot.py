import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_shot(browser_page, browser_login, october, manager):
    page = browser_page
    browser_login(page, manager)
    page.goto("/reports/?month=2026-10")
    page.screenshot(path="/tmp/top.png", clip={"x": 0, "y": 0, "width": 1280, "height": 1400}, full_page=True)
    page.screenshot(path="/tmp/mid.png", clip={"x": 0, "y": 1400, "width": 1280, "height": 1400}, full_page=True)
    page.screenshot(path="/tmp/low.png", clip={"x": 0, "y": 2800, "width": 1280, "height": 1400}, full_page=True)
