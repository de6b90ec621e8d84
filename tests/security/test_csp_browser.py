"""Issue #15 (10): the inbox, the admin, the reports and the API docs work under the CSP.

A real Chromium loads each surface with the policy in force and records every
``securitypolicyviolation`` and script error; the pages must also do their work (htmx requests,
the admin's widgets, Swagger UI drawing the schema), so "no violation" cannot mean "nothing ran".
"""

from __future__ import annotations

import base64

import pytest
from django.urls import reverse

from tests.factories import (
    CaseFactory,
    DirectMessageFactory,
    MediaFactory,
    OrderFactory,
    TeamMembershipFactory,
    TweetFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A 1×1 PNG standing in for X's media CDN (the test machine is offline).
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched_page(browser_page):
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"script error: {exc}"))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.context.add_init_script(WATCH)
    page.context.route("https://*.twimg.com/**", lambda route: route.fulfill(body=PIXEL, content_type="image/png"))
    page.crm_errors = errors
    return page


def violations(page) -> list[str]:
    return [*page.evaluate("window.__csp || []"), *page.crm_errors]


def visit(page, url: str, ready: str) -> None:
    response = page.goto(url)
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    assert violations(page) == [], url


def test_every_surface_runs_under_the_policy(watched_page, browser_login):
    page = watched_page
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True, roles=["crm_supervisor"])
    team = TeamMembershipFactory(user=boss).team
    case = CaseFactory(team=team, assignee=boss)
    tweet = TweetFactory(case=case, brand_account=case.brand_account, author=case.customer_x_user)
    MediaFactory(tweet=tweet, preview_image_url="https://pbs.twimg.com/media/evidence.jpg")
    DirectMessageFactory(case=case, brand_account=case.brand_account, sender=case.customer_x_user)
    case.orders.add(OrderFactory(customer=case.customer))

    page.goto("/accounts/login/")
    assert violations(page) == []
    browser_login(page, boss)

    # Inbox: the queue, an htmx search, the case page (its composer preview is an htmx load).
    visit(page, reverse("crm_twitter_inbox:queue"), "#queue-results")
    page.fill("#id_q", case.reference)
    with page.expect_response(lambda r: "q=" in r.url):
        page.press("#id_q", "Enter")
    page.wait_for_load_state("networkidle")
    visit(page, reverse("crm_twitter_inbox:case", args=[case.pk]), "#composer")
    page.wait_for_selector("img[src*='twimg.com']")
    assert page.evaluate("document.querySelector(\"img[src*='twimg.com']\").naturalWidth") == 1

    # Admin: index, a change list with filters, the case form with inlines and autocomplete.
    visit(page, "/admin/", "#content-main")
    visit(page, "/admin/crm_twitter/case/", "#result_list")
    visit(page, f"/admin/crm_twitter/case/{case.pk}/change/", "#case_form")
    page.click(".field-orders .select2-selection")
    page.wait_for_selector(".select2-results__option")
    assert violations(page) == []

    # Reports: the dashboard with its charts.
    visit(page, reverse("crm_twitter_reports:dashboard"), "svg")

    # API docs: Swagger UI draws the schema from our own static files.
    visit(page, "/api/docs/", ".swagger-ui .info .title")
    assert "crm_twitter API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-tag")
    assert violations(page) == []
