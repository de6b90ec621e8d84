"""An agent on a screen reader or a keyboard works a full shift without losing their place (issue #23).

In headless Chromium: axe-core over every inbox, report and admin page an agent or admin opens;
the queue's refresh keeping the focus and the scroll position; live regions that stay silent
while nothing changes; single-key shortcuts that never fire from a focused control and can be
turned off; lists that do not act on an arrow key; a focus ring that survives forced colours.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from crm_twitter.inbox.views import case as case_views
from crm_twitter.inbox.views import queue as queue_views
from crm_twitter.models import Case, CaseStatus
from tests.factories import (
    BrandAccountFactory,
    CaseFactory,
    TeamFactory,
    TeamMembershipFactory,
    UserFactory,
    XUserFactory,
)
from tests.inbox.conftest import conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Markup the app hosts but does not write: Django admin's filter sidebar (its links are smaller
# than WCAG 2.2's 24 px targets), the select2 widget of autocomplete fields and the unlabelled
# inputs Django draws for list_editable columns; Swagger UI.
DJANGO_ADMIN_WIDGETS = (
    "#changelist-filter",
    ".select2-container",
    "#result_list td > input",
    "#result_list td > select",
)
SWAGGER_UI = ("#swagger-ui",)

# Counts the DOM changes a screen reader notices under the given elements: nodes and text, and
# attributes other than ``class`` (htmx marks a requesting element with a class; nothing is said).
# The ticking SLA countdowns are left out.
WATCH = """(selectors) => {
  const ticking = (node) => { const el = node.nodeType === 1 ? node : node.parentElement; return !!(el && el.closest('time[data-countdown]')); };
  window.__changes = Object.fromEntries(selectors.map((s) => [s, 0]));
  window.__watchers = selectors.map((sel) => {
    const observer = new MutationObserver((records) => {
      window.__changes[sel] += records.filter((r) => !ticking(r.target) && !(r.type === 'attributes' && r.attributeName === 'class')).length;
    });
    observer.observe(document.querySelector(sel), {childList: true, subtree: true, characterData: true, attributes: true});
    return observer;
  });
}"""
# Counts the htmx requests made by the elements matching a selector.
COUNT_REQUESTS = """(selector) => {
  window.__requests = 0;
  document.body.addEventListener('htmx:afterRequest', (ev) => {
    if (ev.detail.elt && ev.detail.elt.matches(selector)) window.__requests += 1;
  });
}"""
# Counts what a key or a choice may set off on one control (the element matching the selector, its
# form): a choice committed (crm:commit), the form submitted, an htmx request begun. The page's own
# polls (queue, presence) are not counted. Read with ``settled``: "nothing happened" is then a
# fact, not a pause.
COUNT_ACTIONS = """(selector) => {
  window.__actions = 0;
  const watched = document.querySelector(selector);
  const ours = (el) => !!el && (el === watched || watched.contains(el) || (el.tagName === 'FORM' && el.contains(watched)));
  const count = (ev) => { if (ours((ev.detail && ev.detail.elt) || ev.target)) window.__actions += 1; };
  for (const kind of ['crm:commit', 'submit', 'htmx:beforeRequest']) document.addEventListener(kind, count, true);
}"""


def settled(page) -> int:
    """The actions counted once the tasks the last key queued have run (shortcuts, commits and
    submissions are dispatched within the key's own task; a later task finds them all)."""
    return page.evaluate("() => new Promise((done) => setTimeout(() => setTimeout(() => done(window.__actions))))")


@pytest.fixture
def desk():
    """A team with an agent (Alice) and a supervisor (Sam, also an admin), a brand and its X user."""
    team = TeamFactory(name="EU desk", languages=["en", "de", "es"])
    alice = UserFactory(username="alice", first_name="Alice", last_name="Martin", roles=["crm_agent"])
    TeamMembershipFactory(team=team, user=alice)
    sam = UserFactory(
        username="sam", first_name="Sam", last_name="Lee", roles=["crm_supervisor"], is_staff=True, is_superuser=True
    )
    brand = BrandAccountFactory(handle="acmehelp", x_user_id="900001")
    brand_user = XUserFactory(x_id=brand.x_user_id, handle=brand.handle, name="Acme Help", customer=None)

    def case(talk: bool = True, **kwargs):
        """A case of the team; ``talk`` adds a public thread, DMs with a photo and a note."""
        kwargs.setdefault("team", team)
        kwargs.setdefault("brand_account", brand)
        kwargs.setdefault("language", "en")
        kwargs.setdefault("sla_due_at", timezone.now() + dt.timedelta(hours=3))
        built = CaseFactory(**kwargs)
        if talk:
            conversation(built, brand_user)
        return built

    return type("Desk", (), {"team": team, "alice": alice, "sam": sam, "brand": brand, "case": staticmethod(case)})


def active(page, expression: str):
    return page.evaluate(f"() => {{ const el = document.activeElement; return {expression}; }}")


# ---------------------------------------------------------------------------------------------
# axe-core over every page
# ---------------------------------------------------------------------------------------------


def test_the_audit_fails_on_a_serious_violation(browser_page, axe_audit):
    browser_page.set_content(
        '<html lang="en"><main><p style="color: #b8b8b8; background: #fff">faint</p></main></html>'
    )
    with pytest.raises(AssertionError, match="color-contrast"):
        axe_audit(browser_page, "a page with faint text")


def test_axe_finds_nothing_serious_on_the_inbox_pages(browser_page, browser_login, axe_audit, desk):
    page = browser_page
    now = timezone.now()
    case = desk.case(reference="CS-2026-000101")
    desk.case(
        reference="CS-2026-000102", escalation_level=2, sla_due_at=now - dt.timedelta(minutes=30), is_overdue=True
    )
    desk.case(reference="CS-2026-000103", status=CaseStatus.AWAITING_CUSTOMER)
    resolved = desk.case(
        reference="CS-2026-000104", status=CaseStatus.RESOLVED, resolved_at=now, outcome="refund", assignee=desk.sam
    )

    page.goto("/accounts/login/")
    axe_audit(page, "login")
    browser_login(page, desk.sam, password="password")

    # Every queue, and the filters opened.
    page.goto("/inbox/")
    for link in [a.get_attribute("href") for a in page.locator(".queue-link").all()]:
        page.goto("/inbox/" + link)
        axe_audit(page, f"queue {link}")
    page.locator(".more-filters summary").click()
    axe_audit(page, "queue with more filters")

    # The case page in each composer mode, with a privacy finding, the resolve form, the dialogs.
    page.goto(f"/inbox/case/{case.pk}/")
    page.wait_for_selector("[data-counter]")
    axe_audit(page, "case page, public reply")
    page.locator("#id_compose_text").fill("Sure, write to me at jane.doe@example.com")
    page.wait_for_selector("#compose-verdict .finding")
    axe_audit(page, "case page, privacy finding")
    page.get_by_role("radio", name=re.compile("Direct message")).check()
    axe_audit(page, "case page, direct message")
    page.get_by_role("radio", name=re.compile("Internal note")).check()
    axe_audit(page, "case page, internal note")
    page.locator("#resolve summary").click()
    axe_audit(page, "case page, resolve form")
    page.get_by_role("button", name="Keyboard shortcuts").click()
    axe_audit(page, "shortcut help")
    page.keyboard.press("Escape")
    page.locator(".thumb").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#lightbox[open]", state="attached")
    axe_audit(page, "media lightbox")
    page.keyboard.press("Escape")
    page.goto(f"/inbox/case/{resolved.pk}/")
    axe_audit(page, "resolved case page")

    # Chinese interface, switched with the language list's Apply button.
    page.goto(f"/inbox/case/{case.pk}/")
    page.locator("#lang-select").select_option("zh-hans")
    page.get_by_role("button", name="Apply language").click()
    page.wait_for_selector("html[lang='zh-hans']")
    axe_audit(page, "case page in Chinese")
    page.goto("/inbox/?queue=all_open")
    axe_audit(page, "queue in Chinese")


def test_axe_finds_nothing_serious_on_the_reports_and_the_api_docs(browser_page, browser_login, axe_audit, desk):
    page = browser_page
    desk.case(reference="CS-2026-000111")
    desk.case(reference="CS-2026-000112", status=CaseStatus.RESOLVED, resolved_at=timezone.now(), outcome="refund")
    browser_login(page, desk.sam)
    month = timezone.localtime().strftime("%Y-%m")
    page.goto("/reports/")
    found = axe_audit(page, "dashboard")
    # The lesser findings of the audit are gone too: empty corner headers, unfocusable scroll areas.
    assert not {"empty-table-header", "scrollable-region-focusable", "link-in-text-block"} & {v["id"] for v in found}
    page.goto(f"/reports/export/?month={month}&format=html")
    axe_audit(page, "exported HTML report")

    # API docs: Swagger UI's widget is theirs, the page around it ours.
    page.goto("/api/docs/")
    page.wait_for_selector("#swagger-ui .info")
    axe_audit(page, "API docs", exclude=SWAGGER_UI)


def test_axe_finds_nothing_serious_in_the_apps_admin_pages(browser_page, browser_login, axe_audit, desk):
    """The index, every crm_twitter list, a case and the API token form (Django's own widgets aside)."""
    page = browser_page
    case = desk.case(reference="CS-2026-000121")
    browser_login(page, desk.sam)
    page.goto("/admin/")
    axe_audit(page, "admin index", exclude=DJANGO_ADMIN_WIDGETS)
    lists = sorted(
        {
            href
            for href in (a.get_attribute("href") for a in page.locator("#content-main a").all())
            if href and re.fullmatch(r"/admin/crm_twitter/\w+/", href)
        }
    )
    assert len(lists) > 10
    for href in lists:
        page.goto(href)
        axe_audit(page, f"admin {href}", exclude=DJANGO_ADMIN_WIDGETS)
    page.goto(f"/admin/crm_twitter/case/{case.pk}/change/")
    axe_audit(page, "admin case", exclude=DJANGO_ADMIN_WIDGETS)
    page.goto("/admin/crm_twitter/apitoken/add/")
    axe_audit(page, "admin new API token", exclude=DJANGO_ADMIN_WIDGETS)


# ---------------------------------------------------------------------------------------------
# The queue's refresh
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def busy_queue(desk, monkeypatch):
    """30 open cases (the page scrolls) and a queue that refreshes every second."""
    monkeypatch.setattr(queue_views, "POLL_SECONDS", 1)
    now = timezone.now()
    return [
        desk.case(reference=f"CS-2026-0002{n:02d}", sla_due_at=now + dt.timedelta(hours=1, minutes=n), talk=False)
        for n in range(30)
    ]


def wait_for_refresh(page) -> None:
    page.evaluate("() => { window.__old = document.getElementById('queue-results'); }")
    page.wait_for_function("() => !window.__old.isConnected", timeout=10_000)


def test_queue_refresh_keeps_the_focused_case_and_the_scroll_position(browser_page, browser_login, desk, busy_queue):
    page = browser_page
    browser_login(page, desk.alice)
    page.goto("/inbox/?queue=all_open")
    for _ in range(15):
        page.keyboard.press("j")
    focused = busy_queue[14]
    assert active(page, "el.closest('.case-row').dataset.case") == str(focused.pk)
    scrolled = page.evaluate("() => window.scrollY")
    assert scrolled > 0

    # A more urgent case arrives: the refresh redraws every row and the focused one moves down.
    desk.case(reference="CS-2026-000299", sla_due_at=timezone.now() + dt.timedelta(minutes=5), talk=False)
    wait_for_refresh(page)

    assert page.locator(".case-row").first.get_attribute("data-case") != str(busy_queue[0].pk)
    assert active(page, "el.classList.contains('row-link') && el.closest('.case-row').dataset.case") == str(focused.pk)
    assert page.evaluate("() => window.scrollY") == scrolled
    # The next Tab goes on from there, not back to "Skip to content".
    page.keyboard.press("Tab")
    assert active(page, "el.closest('.case-row') && el.closest('.case-row').dataset.case") == str(busy_queue[15].pk)


def test_when_the_focused_case_leaves_the_queue_its_neighbour_takes_the_focus(
    browser_page, browser_login, desk, busy_queue
):
    page = browser_page
    browser_login(page, desk.alice)
    page.goto("/inbox/?queue=all_open")
    for _ in range(5):
        page.keyboard.press("j")
    Case.objects.filter(pk=busy_queue[4].pk).update(status=CaseStatus.RESOLVED, resolved_at=timezone.now())
    wait_for_refresh(page)
    assert page.locator(f'.case-row[data-case="{busy_queue[4].pk}"]').count() == 0
    assert active(page, "el.closest('.case-row') && el.closest('.case-row').dataset.case") == str(busy_queue[5].pk)


def test_a_refresh_that_brings_nothing_new_leaves_the_queue_untouched(browser_page, browser_login, desk, busy_queue):
    page = browser_page
    browser_login(page, desk.alice)
    page.goto("/inbox/?queue=all_open")
    page.evaluate(COUNT_REQUESTS, "#queue-results")
    page.evaluate(WATCH, ["#queue-results", "#queue-nav"])
    page.wait_for_function("() => window.__requests >= 3", timeout=10_000)
    assert page.evaluate("() => window.__changes") == {"#queue-results": 0, "#queue-nav": 0}


def test_the_queue_does_not_refresh_while_a_filter_has_the_focus(browser_page, browser_login, desk, busy_queue):
    page = browser_page
    browser_login(page, desk.alice)
    page.goto("/inbox/?queue=all_open")
    page.locator("#id_q").focus()
    page.evaluate(COUNT_REQUESTS, "#queue-results")
    # Counted after inbox.js's own hook (same target, registered later): each refresh the poll tried.
    page.evaluate(
        """() => { window.__polls = 0; window.__refused = 0;
        document.addEventListener('htmx:beforeRequest', (ev) => {
          if (ev.detail.elt && ev.detail.elt.id === 'queue-results') { window.__polls += 1; if (ev.defaultPrevented) window.__refused += 1; }
        }); }"""
    )
    page.wait_for_function("() => window.__polls >= 2", timeout=10_000)
    assert page.evaluate("() => [window.__refused === window.__polls, window.__requests]") == [True, 0]
    page.locator("#id_q").blur()
    page.wait_for_function("() => window.__requests >= 1", timeout=10_000)


# ---------------------------------------------------------------------------------------------
# Live regions
# ---------------------------------------------------------------------------------------------


def test_whos_here_is_read_out_only_when_someone_arrives(chromium, live_server, browser_login, desk, monkeypatch):
    monkeypatch.setattr(case_views, "PRESENCE_SECONDS", 1)
    bob = UserFactory(username="bob", first_name="Bob", last_name="Chen", roles=["crm_agent"])
    TeamMembershipFactory(team=desk.team, user=bob)
    case = desk.case()
    pages = []
    for user in (desk.alice, bob):
        context = chromium.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
        pages.append(context.new_page())
        browser_login(pages[-1], user)
    alice_page, bob_page = pages
    try:
        alice_page.goto(f"/inbox/case/{case.pk}/")
        alice_page.evaluate(COUNT_REQUESTS, "#presence")
        alice_page.evaluate(WATCH, ["#presence", "#presence-status"])
        alice_page.wait_for_function("() => window.__requests >= 4", timeout=12_000)
        # Four pings, nothing changed: nothing redrawn, nothing said ("Only you here" every 4 s before).
        assert alice_page.evaluate("() => window.__changes") == {"#presence": 0, "#presence-status": 0}
        assert alice_page.locator("#presence-status").inner_text() == ""

        bob_page.goto(f"/inbox/case/{case.pk}/")
        alice_page.wait_for_function(
            "() => document.getElementById('presence-status').textContent.includes('Bob Chen is viewing')",
            timeout=12_000,
        )
        said = alice_page.evaluate("() => window.__changes['#presence-status']")
        alice_page.evaluate("() => { window.__requests = 0; }")
        alice_page.wait_for_function("() => window.__requests >= 4", timeout=12_000)
        assert alice_page.evaluate("() => window.__changes['#presence-status']") == said == 1
        assert alice_page.locator(".viewer", has_text="Bob Chen is viewing").is_visible()
    finally:
        for page in pages:
            page.context.close()


def test_the_composer_is_quiet_while_typing_and_reads_a_finding_once(browser_page, browser_login, desk):
    page = browser_page
    case = desk.case()
    browser_login(page, desk.alice)
    page.clock.install()  # runs on its own, and jumps past the composer's pause before it speaks
    page.goto(f"/inbox/case/{case.pk}/")
    page.wait_for_selector("[data-counter]")
    page.evaluate(WATCH, ["#compose-status"])
    page.evaluate(COUNT_REQUESTS, "#id_compose_text")
    page.locator("#id_compose_text").click()
    page.keyboard.type("Thanks", delay=40)
    page.wait_for_function("() => document.querySelector('[data-counter]').textContent.includes('6 / 280')")
    page.evaluate("() => { window.__counter = document.querySelector('[data-counter]'); }")

    page.keyboard.type(" for your patience, we are on it", delay=40)
    page.wait_for_function("() => window.__counter.textContent.includes('38 / 280')")
    page.clock.run_for(1600)  # past VERDICT_PAUSE_MS (inbox.js): anything it had to say is said by now
    assert page.evaluate("() => window.__changes['#compose-status']") == 0
    # Only the length moved: the counter was updated in place, not redrawn with the rest.
    assert page.evaluate("() => window.__counter.isConnected")

    page.keyboard.type(" - or mail me at jane.doe@example.com and I will", delay=40)
    assert page.evaluate("() => window.__changes['#compose-status']") == 0  # not while typing
    page.wait_for_function(
        "() => document.getElementById('compose-status').textContent.includes('Private data in a public reply')",
        timeout=5_000,
    )
    page.clock.run_for(1500)  # and said once: no second reading after another pause
    assert page.evaluate("() => window.__changes['#compose-status']") == 1


# ---------------------------------------------------------------------------------------------
# Shortcuts, lists, the composer's modes, focus
# ---------------------------------------------------------------------------------------------


def test_single_key_shortcuts_never_fire_from_a_focused_button(browser_page, browser_login, desk):
    page = browser_page
    case = desk.case()
    browser_login(page, desk.alice)
    page.goto(f"/inbox/case/{case.pk}/")
    page.locator("#compose-send").focus()
    page.evaluate(COUNT_ACTIONS, "#take-form")
    page.keyboard.press("n")
    page.keyboard.press("a")
    assert settled(page) == 0  # "a" would have submitted the take form
    assert page.locator("#composer").get_attribute("data-mode") == "public"
    assert active(page, "el.id") == "compose-send"
    case.refresh_from_db()
    assert case.assignee is None

    # From the page itself they work.
    page.locator("#compose-send").blur()
    page.keyboard.press("n")
    assert page.locator("#composer").get_attribute("data-mode") == "note"
    assert active(page, "el.id") == "id_note_text"


def test_single_key_shortcuts_can_be_turned_off_and_stay_off(browser_page, browser_login, desk):
    page = browser_page
    case = desk.case()
    browser_login(page, desk.alice)
    page.goto(f"/inbox/case/{case.pk}/")
    page.get_by_role("button", name="Keyboard shortcuts").click()
    page.get_by_label("Single-key shortcuts").uncheck()
    page.keyboard.press("Escape")
    assert active(page, "el.dataset.shortcutsOpen !== undefined")  # the dialog gave the focus back

    page.reload()
    page.evaluate(COUNT_ACTIONS, "#take-form")
    page.keyboard.press("n")
    page.keyboard.press("a")
    assert settled(page) == 0
    assert page.locator("#composer").get_attribute("data-mode") == "public"
    case.refresh_from_db()
    assert case.assignee is None
    page.goto("/inbox/?queue=all_open")
    page.keyboard.press("j")
    assert page.locator(".case-row.is-selected").count() == 0

    page.get_by_role("button", name="Keyboard shortcuts").click()
    page.get_by_label("Single-key shortcuts").check()
    page.keyboard.press("Escape")
    page.keyboard.press("j")  # the focus is back on the shortcuts button: still nothing
    assert page.locator(".case-row.is-selected").count() == 0
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("j")
    assert page.locator(".case-row.is-selected").count() == 1


def test_the_language_list_waits_for_apply(browser_page, browser_login, desk):
    page = browser_page
    browser_login(page, desk.alice)
    page.goto("/inbox/")
    page.evaluate("() => { window.__samePage = true; }")
    page.evaluate(COUNT_ACTIONS, "#lang-select")
    page.locator("#lang-select").focus()
    page.keyboard.press("ArrowDown")
    assert settled(page) == 0
    assert page.locator("#lang-select").input_value() == "zh-hans"
    assert page.evaluate("() => window.__samePage === true") and page.locator("html").get_attribute("lang") == "en"

    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the Apply button
    page.wait_for_selector("html[lang='zh-hans']")


def test_the_assignee_list_waits_for_the_assign_button(browser_page, browser_login, desk):
    page = browser_page
    case = desk.case()
    browser_login(page, desk.sam)
    page.goto(f"/inbox/case/{case.pk}/")
    page.evaluate("() => { window.__samePage = true; }")
    page.evaluate(COUNT_ACTIONS, "#assign-select")
    page.locator("#assign-select").focus()
    page.keyboard.press("ArrowDown")
    assert settled(page) == 0
    chosen = page.locator("#assign-select").input_value()
    assert chosen and page.evaluate("() => window.__samePage === true")
    case.refresh_from_db()
    assert case.assignee is None

    page.get_by_role("button", name="Assign", exact=True).click()
    page.wait_for_selector(".flash-success:has-text('Assigned to')")
    case.refresh_from_db()
    assert str(case.assignee_id) == chosen


def test_a_queue_filter_applies_on_enter_not_on_each_arrow_key(browser_page, browser_login, desk):
    page = browser_page
    desk.case(talk=False)
    browser_login(page, desk.alice)
    page.goto("/inbox/?queue=all_open")
    page.evaluate(COUNT_REQUESTS, "form.filters")
    page.evaluate(COUNT_ACTIONS, "#id_status")
    page.locator("#id_status").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert settled(page) == 0
    assert page.evaluate("() => window.__requests") == 0
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.__requests === 1")
    assert "status=" in page.url


def test_composer_modes_are_one_tab_stop_moved_with_arrow_keys(browser_page, browser_login, desk):
    page = browser_page
    case = desk.case()
    browser_login(page, desk.alice)
    page.goto(f"/inbox/case/{case.pk}/")
    page.keyboard.press("Tab")  # Skip to content
    page.keyboard.press("Tab")  # Skip to the reply box
    assert active(page, "el.textContent") == "Skip to the reply box"
    page.keyboard.press("Enter")
    assert active(page, "el.id") == "id_compose_text"

    page.locator("#mode-public").focus()
    page.keyboard.press("ArrowRight")
    assert page.locator("#composer").get_attribute("data-mode") == "dm"
    assert active(page, "el.id") == "mode-dm"  # arrows stay in the group
    page.keyboard.press("Tab")
    assert active(page, "el.id") == "id_compose_text"  # one Tab stop for the three modes
    page.keyboard.press("Shift+Tab")
    assert active(page, "el.id") == "mode-dm"


def test_the_focus_ring_is_an_outline_that_survives_forced_colours(browser_page, browser_login, desk):
    page = browser_page
    case = desk.case()
    browser_login(page, desk.alice)
    page.goto(f"/inbox/case/{case.pk}/")

    def ring(selector: str) -> dict:
        return page.evaluate(
            "(sel) => { const s = getComputedStyle(document.querySelector(sel));"
            " return {style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }",
            selector,
        )

    page.locator("#compose-send").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies
    assert active(page, "el.id") == "compose-send"
    assert ring("#compose-send") == {"style": "solid", "width": 3}
    page.emulate_media(forced_colors="active")
    assert ring("#compose-send")["style"] == "solid"
    page.emulate_media(forced_colors="none")

    # The lightbox's Close button, focused when the photo opens from the keyboard.
    thumb = page.locator(".thumb").first
    thumb.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#lightbox[open]", state="attached")
    assert active(page, "el.classList.contains('lightbox-close')")
    assert ring(".lightbox-close") == {"style": "solid", "width": 3}
    page.keyboard.press("Escape")
    assert active(page, "el.classList.contains('thumb')")  # focus returns to the photo
