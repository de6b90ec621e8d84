"""Issue #16 in a real browser: the queue's address after several searches, the address after a
refused reply (a reload must not post it again), the reports link an agent is not offered."""

from __future__ import annotations

import pytest

from crm_twitter.models import OutboundMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_queue_address_stays_short_search_after_search(browser_page, browser_login, emma_shift):
    page = browser_page
    browser_login(page, emma_shift.emma)
    page.goto("/inbox/?queue=mine")
    lengths = []
    for term in ("parcel", "refund", "arrived", "parcel"):
        page.locator("#id_q").fill(term)
        page.locator("#id_q").press("Enter")
        page.wait_for_url(f"**q={term}**")
        page.wait_for_load_state("networkidle")
        lengths.append(len(page.url))
        assert page.url.count("q=") == 1, page.url
    assert max(lengths) - min(lengths) <= len("arrived") - len("parcel") + 1, lengths
    # The header counts what the search found, as the pager does.
    page.locator("#id_q").fill("no-such-words")
    page.locator("#id_q").press("Enter")
    page.wait_for_url("**q=no-such-words**")
    page.locator("#id_q").fill("parcel")
    page.locator("#id_q").press("Enter")
    page.wait_for_url("**q=parcel**")
    page.wait_for_load_state("networkidle")
    assert page.locator("#queue-title .count-pill").inner_text() == "2"


def test_a_reload_after_a_refused_reply_opens_the_case_and_posts_nothing(browser_page, browser_login, emma_shift):
    page = browser_page
    case = emma_shift.cases[0]
    browser_login(page, emma_shift.emma)
    page.goto(f"/inbox/case/{case.pk}/")
    page.locator("#id_compose_text").fill("Your refund to jane.doe@example.com is on its way")
    # Refused in place (the page is not replaced; the reason shows above the kept draft).
    page.locator("#compose-send").click()
    page.wait_for_selector("#compose-error .form-error")
    assert page.locator("#id_compose_text").input_value().endswith("is on its way")  # the draft is kept
    assert page.url.endswith(f"/inbox/case/{case.pk}/"), page.url
    reloaded = page.reload()
    assert reloaded.request.method == "GET" and reloaded.status == 200
    assert not OutboundMessage.objects.filter(case=case).exists()


def test_an_agent_has_no_reports_link_and_a_typed_url_gets_the_desks_page(browser_page, browser_login, emma_shift):
    page = browser_page
    browser_login(page, emma_shift.emma)
    page.goto("/inbox/")
    assert page.locator(".topnav a", has_text="Reports").count() == 0
    assert page.locator(".topbar .me .avatar").inner_text() == "EC"
    response = page.goto("/reports/")
    assert response.status == 403
    assert page.get_by_role("heading", name="This page is not part of your role").is_visible()
    page.get_by_role("link", name="Back to the inbox").click()
    page.wait_for_url("**/inbox/")
