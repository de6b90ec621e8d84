"""The standard flow in a real browser, on the X sandbox: from the first public tweet to the public close.

Sign in → open the new case from Unassigned → acknowledge publicly with a template → move to DM
(and, as soon as the DM is delivered, mark the case as awaiting the customer — no conflict) →
link the order the customer gives in the DM → record a promise → resolve with a refund → post the
public close. Sending runs the real outbound pipeline (tweepy against the sandbox) synchronously
where a worker would run it. Screenshots land in docs/screenshots/. axe-core audits every page on the
way (serious or critical violations fail the test; see tests/plugins/axe.py).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from crm_twitter.models import Case, CaseStatus, OutboundMessage
from crm_twitter.services.media_archive import media_archive
from tests.factories import (
    CaseFactory,
    ComplaintCategoryFactory,
    OrderFactory,
    OrderItemFactory,
    TeamFactory,
    TeamMembershipFactory,
    TweetFactory,
    UserFactory,
    XUserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("desk_seeds")]


def send_queued() -> list[OutboundMessage]:
    """What the outbound worker would do: send every queued message now."""
    from crm_twitter.x.outbound import outbound_send

    sent = []
    for message in OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED).order_by("id"):
        sent.append(outbound_send(message_id=message.pk))
    return sent


def sync(brand) -> None:
    from crm_twitter.x.sync import account_sync

    account_sync(account_id=brand.pk)


def neighbours(team, brand) -> None:
    """Other open cases, so the queue looks like a working day."""
    now = timezone.now()
    rows = [
        (
            "Jonas Weber",
            "jonasw",
            "de",
            "@AcmeHelp Paket ist beschädigt angekommen, der Mixer ist kaputt",
            40,
            0,
            "damaged",
        ),
        (
            "Mia Thompson",
            "miat",
            "en",
            "@AcmeHelp still no refund after 14 days?? I'll file a chargeback",
            -25,
            2,
            "refund-delay",
        ),
        (
            "Carlos Ruiz",
            "cruiz",
            "es",
            "@AcmeHelp me enviaron el artículo equivocado, talla incorrecta",
            190,
            0,
            "wrong-or-missing-item",
        ),
        (
            "Emma Johnson",
            "emmaj",
            "en",
            "@AcmeHelp charged twice for the same order, please fix",
            320,
            1,
            "payment-double-charge",
        ),
        (
            "Noah Smith",
            "noahs",
            "en",
            "@AcmeHelp where is my order?? tracking hasn't moved in 10 days",
            75,
            3,
            "delivery-delay",
        ),
    ]
    for n, (name, handle, lang, text, minutes, level, slug) in enumerate(rows):
        who = XUserFactory(handle=handle, name=name, lang=lang, followers_count=15_000 if level == 3 else 300)
        case = CaseFactory(
            reference=f"CS-2026-00{n + 4211}",
            customer=who.customer,
            customer_x_user=who,
            brand_account=brand,
            team=team,
            language=lang,
            sla_due_at=now + dt.timedelta(minutes=minutes),
            escalation_level=level,
            is_overdue=minutes < 0,
            suggested_category=ComplaintCategoryFactory(slug=slug),
            last_message_preview=text,
            reach=who.followers_count,
            opened_at=now - dt.timedelta(hours=3),
        )
        TweetFactory(case=case, brand_account=brand, author=who, text=text)


def test_agent_handles_a_complaint_from_first_tweet_to_public_close(
    sandbox, browser_page, browser_login, screenshot, live_server, axe_audit, settings
):
    page = browser_page
    # DM photos are served by X only with the account's credentials: the inbox shows the archived
    # copy, which the worker fetches from the sandbox (plain HTTP on 127.0.0.1, allowed here only).
    sandbox_host = urlsplit(sandbox.base_url).netloc
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "MEDIA_INSECURE_HOSTS": [sandbox_host]}
    brand = sandbox.brand_account("AcmeHelp")
    team = TeamFactory(name="EU desk", languages=["en", "de", "es"])
    customer = sandbox.state.add_user("pauline_d", name="Pauline Dubois", followers=1200, location="Lyon")
    sandbox.state.customer_tweet(
        customer, "@AcmeHelp my blender never arrived, it's been 3 weeks. I want a refund!", lang="en"
    )
    sync(brand)
    case = Case.objects.get(customer_x_user__handle="pauline_d")
    assert case.status == CaseStatus.NEW and case.assignee is None
    # Her order, imported from the shop and matched to her by X handle (an agent may only find and
    # link orders of the customers whose cases they can see).
    order = OrderFactory(
        order_number="40001234",
        currency="EUR",
        total_amount="59.90",
        carrier="DHL",
        tracking_number="RR123456789CN",
        customer=case.customer,
        customer_handle="pauline_d",
        customer_email="pauline.dubois@example.fr",
    )
    OrderItemFactory(order=order, title="Blender Pro 600", unit_price="59.90")
    agent = UserFactory(username="alice", first_name="Alice", last_name="Martin", roles=["crm_agent"])
    TeamMembershipFactory(team=team, user=agent)
    Case.objects.filter(pk=case.pk).update(team=team)
    neighbours(team, brand)

    # Sign in and open the new case from the Unassigned queue.
    browser_login(page, agent)
    assert page.get_by_role("heading", name=re.compile("My cases")).is_visible()
    axe_audit(page, "My cases")
    page.get_by_role("link", name=re.compile("Unassigned")).first.click()
    page.wait_for_selector("#queue-title:has-text('Unassigned')")
    row = page.locator(".case-row", has_text="Pauline Dubois")
    assert "my blender never arrived" in row.inner_text()
    axe_audit(page, "Unassigned queue")
    screenshot(page, "queue")
    row.locator(".row-link").click()
    page.wait_for_selector(".case-page")
    assert page.locator(".case-title .status").inner_text() == "New"
    assert "my blender never arrived" in page.locator("#timeline").inner_text()
    axe_audit(page, "new case")

    # System events wait behind the "activity" toggle; the conversation reads first.
    page.evaluate("() => { window.samePage = true; }")  # gone if an action reloads the page
    assert page.locator("#timeline .tl-item.event").count() >= 1
    assert not page.locator("#timeline .tl-item.event").first.is_visible()
    page.get_by_label(re.compile("Show activity")).check()
    assert page.locator("#timeline .tl-item.event").first.is_visible()
    page.get_by_label(re.compile("Show activity")).uncheck()
    page.locator("#show-activity").blur()  # single-key shortcuts never act from a field

    # Take it, then acknowledge publicly with the suggested template (in the customer's language).
    # Every action updates the page in place: no reload, the changed parts swapped.
    page.keyboard.press("a")
    page.wait_for_selector(".flash-success:has-text('You own this case now.')")
    assert page.locator(".assignee-box").inner_text().find("You") >= 0
    assert page.evaluate("() => window.samePage === true")
    assert page.locator("#template-select option:checked").inner_text().startswith("★")
    page.get_by_role("button", name="Insert template").click()
    page.wait_for_function("() => document.querySelector('#id_compose_text').value.includes('@pauline_d')")
    text = page.locator("#id_compose_text").input_value()
    assert "{handle}" not in text and "DM" in text
    assert "http" not in text  # no link: no URL price, no warning about the desk's own template
    page.wait_for_selector("[data-counter]")
    assert re.search(r"\d+ / 280", page.locator("#compose-verdict").inner_text())
    axe_audit(page, "case taken, public reply drafted")
    page.get_by_role("button", name="Send public reply").click()
    page.wait_for_selector(".flash-success:has-text('Public reply queued')")
    assert page.locator(".pending-queued").count() == 1
    assert page.locator("#id_compose_text").input_value() == ""
    assert page.evaluate("() => window.samePage === true")

    sent = send_queued()
    assert [m.status for m in sent] == [OutboundMessage.Status.SENT]
    assert sandbox.state.posts[-1]["text"] == text
    page.reload()
    assert page.locator(".case-title .status").inner_text() == "Acknowledged"
    assert page.locator(".msg-out.msg-public .delivery-sent").count() == 1
    axe_audit(page, "acknowledged case")

    # Move to DM: ask for the order details privately.
    page.get_by_role("radio", name=re.compile("Direct message")).check()
    option = page.locator("#template-select option", has_text="Ask for order details")
    page.locator("#template-select").select_option(option.get_attribute("value"))
    page.get_by_role("button", name="Insert template").click()
    page.wait_for_function("() => document.querySelector('#id_compose_text').value.includes('order number')")
    axe_audit(page, "direct message drafted")
    page.evaluate("() => { window.samePage = true; }")
    page.get_by_role("button", name="Send DM").click()
    page.wait_for_selector(".flash-success:has-text('Direct message queued')")
    # The composer stays on the channel just used.
    assert page.get_by_role("radio", name=re.compile("Direct message")).is_checked()
    assert page.locator("#compose-channel").input_value() == "dm"
    send_queued()
    assert sandbox.state.dm_events[-1]["text"].startswith("Thanks")

    # At once, on the same page (no reload): waiting for the customer's answer. The DM's delivery
    # is the agent's own doing, so it is no conflict (issue #16: it used to refuse this click).
    page.locator(".flash-close").first.click()
    page.locator("button[data-status='awaiting_customer']").click()
    page.wait_for_selector(".flash-success:has-text('Status changed to Awaiting customer.')")
    assert page.locator(".flash-error").count() == 0
    assert page.locator(".case-title .status").inner_text() == "Awaiting customer"
    assert page.evaluate("() => window.samePage === true")
    # The presence check runs again (every 4 s) on the version the in-place update brought: still
    # no "updated by someone else" banner.
    with page.expect_response(lambda r: "/presence/" in r.url):
        pass
    with page.expect_response(lambda r: "/presence/" in r.url):
        pass
    assert page.locator(".changed-banner").count() == 0

    # The customer answers in DM with the e-mail used at checkout and a photo; the desk syncs it in.
    sandbox.state.customer_dm(
        customer,
        brand.x_user_id,
        "Sure! I ordered with pauline.dubois@example.fr and paid with PayPal. Photo of the label:",
        media=1,
    )
    sync(brand)
    media_archive()  # the worker's archive task, run after ingest
    assert not case.orders.exists()  # nothing the matcher could link by itself
    page.reload()
    assert page.locator(".case-title .status").inner_text() == "In DM"
    assert "pauline.dubois@example.fr" in page.locator("#timeline").inner_text()
    axe_audit(page, "case in DM")
    page.locator(".msg-dm .thumb").first.click()
    page.wait_for_selector("#lightbox[open]")
    axe_audit(page, "photo from the DM")
    page.keyboard.press("Escape")

    # Find the order by the e-mail from the DM and link it.
    page.get_by_label("Find an order").fill("pauline.dubois@example.fr")
    found = page.locator("#order-results .order-card", has_text="#40001234")
    found.get_by_role("button", name="Link to case").click()
    page.wait_for_selector(".flash-success:has-text('Order 40001234 linked.')")
    linked = page.locator("#orders .order-card").first
    assert "Blender Pro 600" in linked.inner_text() and "RR123456789CN" in linked.inner_text()

    # Record a promise with a deadline.
    promises = page.locator("#promises")
    promises.get_by_label("What").select_option("refund")
    promises.get_by_label("Description").fill("Refund 59.90 EUR to PayPal")
    promises.get_by_role("button", name="Record promise").click()
    page.wait_for_selector(".flash-success:has-text('Promise recorded')")
    assert "Refund 59.90 EUR to PayPal" in page.locator("#promises .promises").inner_text()
    assert "left" in page.locator("#promises .promises").inner_text()
    page.locator(".flash-close").first.click()
    page.evaluate("() => { document.querySelector('.side-col').scrollTop = 0; }")
    axe_audit(page, "order linked, promise recorded")
    screenshot(page, "case")

    # Resolve with a refund (amount and currency come from the linked order).
    page.locator("#resolve summary").click()
    axe_audit(page, "resolve form")
    assert page.get_by_label("Refund amount").input_value() == "59.90"
    assert page.get_by_label("Currency").input_value() == "EUR"
    page.get_by_label("Resolution note").fill("Refunded via PayPal")
    page.get_by_label(re.compile("Refund 59.90 EUR to PayPal")).check()  # the open promise, kept
    page.get_by_role("button", name="Resolve case").click()
    page.wait_for_selector(".flash-success:has-text('Case resolved')")
    assert page.locator(".case-title .status").inner_text() == "Resolved"
    assert page.locator("#promises .chip-kept").count() == 1  # ticked as kept in the resolve form
    assert "59.90 EUR" in page.locator(".panel-status").inner_text()
    axe_audit(page, "resolved case")

    # Post the public close.
    page.get_by_role("radio", name=re.compile("Public reply")).check()
    assert "Public close" in page.locator("#template-select option:checked").inner_text()
    page.get_by_role("button", name="Insert template").click()
    page.wait_for_function("() => document.querySelector('#id_compose_text').value.includes('@pauline_d')")
    page.get_by_role("button", name="Send public reply").click()
    page.wait_for_selector(".flash-success:has-text('Public reply queued')")
    # Closed publicly: the public close is not suggested again.
    assert "★" not in page.locator("#template-select").inner_text()
    send_queued()
    page.reload()
    assert page.locator(".msg-out.msg-public .delivery-sent").count() == 2
    assert len(sandbox.state.posts) == 2
    axe_audit(page, "public close sent")
    screenshot(page, "case-resolved")

    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.orders.get() == order
    assert case.refund_amount is not None and case.refund_currency == "EUR"


def test_two_agents_on_one_case_see_each_other_typing(chromium, live_server, browser_login):
    team = TeamFactory()
    alice = UserFactory(username="alice", first_name="Alice", last_name="Martin", roles=["crm_agent"])
    bob = UserFactory(username="bob", first_name="Bob", last_name="Chen", roles=["crm_agent"])
    for user in (alice, bob):
        TeamMembershipFactory(team=team, user=user)
    case = CaseFactory(team=team, reference="CS-2026-009001")
    TweetFactory(case=case, author=case.customer_x_user, brand_account=case.brand_account)
    pages = []
    for user in (alice, bob):
        context = chromium.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
        page = context.new_page()
        browser_login(page, user)
        page.goto(f"/inbox/case/{case.pk}/")
        pages.append(page)
    alice_page, bob_page = pages
    alice_page.wait_for_selector(".viewer:has-text('Bob Chen is viewing')", timeout=12_000)
    bob_page.locator("#id_compose_text").type("Hello")
    alice_page.wait_for_selector(".viewer.is-typing:has-text('Bob Chen is typing')", timeout=12_000)
    for page in pages:
        page.context.close()


def test_keyboard_moves_through_the_queue_and_back(browser_page, browser_login):
    page = browser_page
    team = TeamFactory()
    agent = UserFactory(username="alice", first_name="Alice", last_name="Martin", roles=["crm_agent"])
    TeamMembershipFactory(team=team, user=agent)
    now = timezone.now()
    first, second = (
        CaseFactory(team=team, reference=f"CS-2026-00900{n}", sla_due_at=now + dt.timedelta(hours=n + 1))
        for n in range(2)
    )
    browser_login(page, agent)
    page.goto("/inbox/?queue=all_open")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.locator(".case-row.is-selected").get_attribute("data-case") == str(first.pk)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/inbox/case/{first.pk}/")
    # A case page fetches its composer's preview as it loads: let it finish before moving on, as a
    # reader would. The test's in-memory SQLite is one connection shared by the live server's
    # request threads, and that fetch overlapping the next page's request used it from two threads
    # at once (a 404 for the next case, once in a CI run on Python 3.12).
    page.wait_for_load_state("networkidle")
    page.keyboard.press("j")
    page.wait_for_url(f"**/inbox/case/{second.pk}/")
    page.wait_for_load_state("networkidle")
    page.keyboard.press("n")
    assert page.evaluate("() => document.activeElement.id") == "id_note_text"
    page.keyboard.press("Escape")
    page.keyboard.press("u")
    page.wait_for_url("**/inbox/?queue=all_open")
    page.keyboard.press("?")
    assert page.locator("#shortcuts-dialog").is_visible()
