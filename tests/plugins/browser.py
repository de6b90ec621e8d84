"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Tests marked ``@pytest.mark.browser`` use ``browser_page`` (a fresh 1280×800 tab, signed out)
and ``browser_login(page, user)``. Without Chromium they are skipped with the install command;
with ``CRM_REQUIRE_BROWSER=1`` (CI) a missing browser fails the run instead. We never download a
browser: Playwright is pointed at the system's ``/usr/bin/chromium``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def chromium_path() -> str | None:
    for path in (os.environ.get("CRM_CHROMIUM", ""), *CHROMIUM_PATHS):
        if path and os.path.exists(path):
            return path
    return shutil.which("chromium")


def _missing_browser(reason: str) -> None:
    message = f"{reason} — install Chromium with `apt-get install chromium` (Debian/Ubuntu) to run browser tests"
    if os.environ.get("CRM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CRM_REQUIRE_BROWSER=1 but {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium():
    path = chromium_path()
    if not path:
        _missing_browser("Chromium is not installed (looked for /usr/bin/chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements.txt
        _missing_browser("the playwright Python package is missing (pip install playwright)")
    # Playwright's sync API keeps an event loop running in this thread; the ORM calls made by the
    # test itself are still synchronous, so Django's async guard has to be told so.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:
        playwright.stop()
        _missing_browser(f"Chromium at {path} did not start ({exc})")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def browser_page(chromium, live_server):
    """A new browser tab at 1280×800 whose relative URLs go to the live server."""
    context = chromium.new_context(viewport=VIEWPORT, base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def browser_login():
    """Sign in through the real login form: ``browser_login(page, user, password="password")``."""

    def login(page, user, password: str = "password") -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")

    return login


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under docs/screenshots/<name>.png."""

    def save(page, name: str, *, full_page: bool = False) -> Path:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save
