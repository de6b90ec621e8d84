"""Issue #19 in a real browser, on the X sandbox: the ``surge`` scenario's month comes in through
the sync, the detection tick opens the incident, and a supervisor opens it from the nav, posts the
public status update (sent through the sandbox exactly once), resolves every linked case and sees
them resolved. axe-core audits the pages; the README's screenshot is taken here."""

from __future__ import annotations

import pytest

from crm_twitter import models as m
from crm_twitter.demo.desk import DemoDesk, Tally
from crm_twitter.sandbox.scenarios import scenario_play
from crm_twitter.services.incident_detection import incidents_detect
from crm_twitter.x.outbound import outbound_drain
from crm_twitter.x.sync import account_sync
from tests.factories import BrandAccountFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
expect = pytest.importorskip("playwright.sync_api").expect  # the browser tests' own skip says why


@pytest.fixture
def surge_incident_on_sandbox(sandbox, settings):
    """The surge scenario synced into the desk (its orders imported as the shop would), then one tick."""
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "SYNC_BACKFILL_DAYS": 35}
    player = scenario_play(sandbox.state, "surge")
    brand = player.scenario.brands[0]
    account = BrandAccountFactory(
        handle=brand["handle"], x_user_id=brand["x_user_id"], credentials=sandbox.credentials(brand["x_user_id"])
    )
    DemoDesk(write=lambda line: None, style=None).orders_load(player.scenario.customers, Tally())
    account_sync(account_id=account.pk)
    result = incidents_detect()
    assert len(result.opened) == 1, "the surge scenario must open exactly one incident"
    return m.Incident.objects.get(pk=result.opened[0])


def brand_posts(sandbox, account) -> list[dict]:
    return [p for p in sandbox.state.posts if p["author_id"] == account.x_user_id]


def test_a_supervisor_answers_the_surge_and_resolves_it(
    browser_page, browser_login, surge_incident_on_sandbox, sandbox, axe_audit, screenshot
):
    page = browser_page
    incident = surge_incident_on_sandbox
    account = incident.brand_account
    supervisor = UserFactory(username="dana", first_name="Dana", last_name="Demo", roles=["crm_supervisor"])
    browser_login(page, supervisor)

    # The nav says an incident is open; the list leads to it.
    nav = page.locator("#nav-incidents")
    expect(nav).to_contain_text("1")
    nav.click()
    expect(page.locator("h1")).to_have_text("Incidents")
    axe_audit(page, "incident list")
    page.get_by_role("link", name=incident.title).click()
    page.wait_for_url(f"**/inbox/incidents/{incident.pk}/")
    expect(page.locator("h1")).to_have_text(incident.title)
    facts = page.locator(".incident-facts")
    expect(facts).to_contain_text("Correios")
    expect(facts).to_contain_text("BR")
    expect(page.locator("#incident-case-count")).to_contain_text("40")
    expect(page.locator("#linked-cases tbody tr")).to_have_count(40)
    expect(page.locator("figure[data-chart='incident'] svg")).to_be_visible()
    # The draft is the status template for the incident, with its length and cost before sending.
    draft = page.locator("#id_text")
    assert incident.title in draft.input_value()
    expect(page.locator("#compose-verdict")).to_contain_text("≈ $")
    axe_audit(page, "incident page")
    screenshot(page, "incident")

    # Post the status update: refused until confirmed (the browser asks), then queued.
    page.locator("#id_confirm").check()
    page.locator("#status-update-post").click()
    expect(page.locator(".flash-success")).to_contain_text(f"Status update queued for posting from @{account.handle}")
    text = m.OutboundMessage.objects.get(incident=incident, case__isnull=True).text

    # The outbound worker sends it; a second drain sends nothing more.
    outbound_drain()
    outbound_drain()
    posts = brand_posts(sandbox, account)
    assert [p["text"] for p in posts] == [text]
    assert not posts[0].get("in_reply_to_user_id")
    page.reload()
    expect(page.locator("#status-updates")).to_contain_text("Sent")

    # Resolve every linked case with one outcome.
    page.locator("#resolve-all summary").click()
    page.locator("#resolve-all-form select[name='outcome']").select_option("reship")
    page.locator("#resolve-all-form textarea[name='note']").fill("Correios released the parcels; reshipped the rest.")
    page.locator("#resolve-all-submit").click()
    result = page.locator("#bulk-result")
    expect(result).to_contain_text("Done for 40 cases.")
    expect(page.locator("#linked-cases .st-resolved")).to_have_count(40)
    axe_audit(page, "incident page after resolve all")

    cases = m.Case.objects.filter(incident_links__incident=incident)
    assert set(cases.values_list("status", flat=True)) == {m.CaseStatus.RESOLVED}
    # Each case keeps its own resolution event.
    assert m.CaseEvent.objects.filter(case__in=cases, kind=m.CaseEvent.Kind.OUTCOME_RECORDED).count() == 40
