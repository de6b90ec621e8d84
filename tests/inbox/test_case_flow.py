"""Issue #16, the case page's flow: actions answer with the parts that changed (swapped in place),
the composer stays on the channel just used, the ★ template follows the case's step, resolving
asks for what is missing and keeps promises, system events wait behind an "activity" toggle."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from crm_twitter.models import CaseEvent, CaseStatus, ComplaintCategory, OutboundMessage, Promise, ReplyTemplate
from tests.factories import OutboundMessageFactory, PromiseFactory, TweetFactory

HTMX = {"HX-Request": "true"}


def url(case, name):
    return reverse(f"crm_twitter_inbox:{name}", args=[case.pk])


@pytest.fixture
def working_case(agent, team_case, brand):
    """A new case of the agent's, with the customer's first public tweet mentioning the brand."""
    case = team_case(status=CaseStatus.NEW, assignee=agent)
    TweetFactory(
        case=case,
        brand_account=brand,
        author=case.customer_x_user,
        text=f"@{brand.handle} my parcel never arrived",
        mentioned_user_ids=[brand.x_user_id],
    )
    return case


def oob_ids(html: str) -> set[str]:
    return set(re.findall(r'id="([\w-]+)"[^>]*hx-swap-oob=', html))


def starred(html: str) -> list[str]:
    return re.findall(r"<option[^>]*>★ ([^<]*)</option>", html)


def test_a_status_change_from_the_page_answers_with_the_changed_parts_not_a_page(client, agent, working_case):
    client.force_login(agent)
    response = client.post(
        url(working_case, "transition"),
        {"version": working_case.version, "to_status": CaseStatus.ACKNOWLEDGED},
        headers=HTMX,
    )
    assert response.status_code == 200 and response["X-CRM-Case-Update"] == "1"
    html = response.content.decode()
    assert "<html" not in html
    assert {"case-head-main", "case-meta", "action-bar", "timeline", "side-col", "flash-stack"} <= oob_ids(html)
    assert "Status changed to Acknowledged." in html
    working_case.refresh_from_db()
    # Every version token on the page moves with the case, so the next action is not "stale".
    assert f'id="presence-version" value="{working_case.version}"' in html
    assert f'id="compose-version" value="{working_case.version}"' in html
    # The draft in the composer is left alone by a status change.
    assert 'id="composer-fields"' not in html


def test_an_agents_dm_then_a_status_change_at_once_are_both_accepted(client, agent, working_case):
    client.force_login(agent)
    sent = client.post(
        url(working_case, "compose"),
        {"version": working_case.version, "channel": "dm", "text": "Could you send your order number?"},
        headers=HTMX,
    )
    assert sent.status_code == 200 and "Direct message queued for sending." in sent.content.decode()
    version = int(re.search(r'id="presence-version" value="(\d+)"', sent.content.decode()).group(1))
    changed = client.post(
        url(working_case, "transition"), {"version": version, "to_status": CaseStatus.AWAITING_CUSTOMER}, headers=HTMX
    )
    assert "Status changed to Awaiting customer." in changed.content.decode()
    assert "flash-error" not in changed.content.decode()
    working_case.refresh_from_db()
    assert working_case.status == CaseStatus.AWAITING_CUSTOMER


def test_after_a_dm_the_composer_stays_on_dm_with_and_without_javascript(client, agent, working_case):
    client.force_login(agent)
    data = {"version": working_case.version, "channel": "dm", "text": "Thanks, we are on it."}
    html = client.post(url(working_case, "compose"), data, headers=HTMX).content.decode()
    assert re.search(r'id="composer-fields" hx-swap-oob', html)
    assert 'id="compose-channel" value="dm"' in html
    assert re.search(r"<textarea[^>]*id=\"id_compose_text\"[^>]*>\s*</textarea>", html)  # emptied after the send

    working_case.refresh_from_db()
    data = {"version": working_case.version, "channel": "dm", "text": "One more thing."}
    response = client.post(url(working_case, "compose"), data)
    assert response.status_code == 302 and "channel=dm" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert 'data-mode="dm"' in page and 'id="compose-channel" value="dm"' in page


def test_a_refused_reply_comes_back_in_place_with_the_draft_and_the_reason(client, agent, working_case):
    client.force_login(agent)
    data = {"version": working_case.version, "channel": "public", "text": "Your refund to jane@example.com is sent"}
    response = client.post(url(working_case, "compose"), data, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 422 and response["X-CRM-Case-Update"] == "1"
    assert re.search(r'id="compose-error" role="alert" hx-swap-oob="true"><div class="form-error">', html)
    assert "Your refund to jane@example.com is sent</textarea>" in html
    assert not OutboundMessage.objects.filter(case=working_case).exists()


def test_the_starred_template_follows_the_step_of_the_case(client, agent, working_case):
    client.force_login(agent)
    page = client.get(url(working_case, "case")).content.decode()
    assert starred(page) == ["[Public] Acknowledge, move to DM · en"]

    ack = ReplyTemplate.objects.get(step="acknowledge", language="en")
    OutboundMessageFactory(case=working_case, channel="public", template=ack, text="Hi")
    page = client.get(url(working_case, "case")).content.decode()
    assert starred(page) == []  # the acknowledgement is on its way: no second one

    close = ReplyTemplate.objects.get(step="public_close", language="en")
    working_case.status, working_case.resolved_at = CaseStatus.RESOLVED, timezone.now() - dt.timedelta(minutes=5)
    working_case.save()
    page = client.get(url(working_case, "case")).content.decode()
    assert starred(page) == ["[Public] Public close · en"]
    OutboundMessageFactory(case=working_case, channel="public", template=close, text="Glad we could help")
    page = client.get(url(working_case, "case")).content.decode()
    assert starred(page) == []  # closed publicly: the public close is not suggested again


def test_resolving_asks_for_an_unconfirmed_category_and_keeps_the_ticked_promises(client, agent, working_case):
    category = ComplaintCategory.objects.get(slug="delivery-delay")
    working_case.status, working_case.suggested_category = CaseStatus.IN_DM, category
    working_case.save()
    due = timezone.now() + dt.timedelta(days=1)
    refund = PromiseFactory(case=working_case, kind="refund", description="Refund to PayPal", due_at=due)
    call = PromiseFactory(case=working_case, kind="callback", description="Call back", due_at=due)
    client.force_login(agent)
    page = client.get(url(working_case, "case")).content.decode()
    assert 'name="category"' in page.split('id="resolve"')[1].split("</details>")[0]
    assert f'name="keep_promises" value="{refund.pk}"' in page and "Refund to PayPal" in page

    data = {"version": working_case.version, "outcome": "replacement", "note": "New one sent"}
    refused = client.post(url(working_case, "resolve"), {**data, "keep_promises": [refund.pk]}, headers=HTMX)
    assert "Choose the complaint category before resolving" in refused.content.decode()
    refund.refresh_from_db()
    assert refund.status == Promise.Status.OPEN  # all or nothing

    done = client.post(
        url(working_case, "resolve"), {**data, "keep_promises": [refund.pk], "category": category.pk}, headers=HTMX
    )
    assert "Case resolved." in done.content.decode()
    working_case.refresh_from_db()
    refund.refresh_from_db()
    call.refresh_from_db()
    assert working_case.status == CaseStatus.RESOLVED and working_case.category_confirmed
    assert (refund.status, call.status) == (Promise.Status.KEPT, Promise.Status.OPEN)
    assert working_case.events.filter(kind=CaseEvent.Kind.PROMISE_KEPT).count() == 1


def test_system_events_wait_behind_the_activity_toggle(client, agent, working_case):
    CaseEvent.objects.create(
        case=working_case, kind=CaseEvent.Kind.ASSIGNED, message="Assigned to Alice", created_at=timezone.now()
    )
    CaseEvent.objects.create(
        case=working_case, kind=CaseEvent.Kind.NOTE, message="Customer is a VIP", actor=agent, created_at=timezone.now()
    )
    client.force_login(agent)
    page = client.get(url(working_case, "case")).content.decode()
    assert re.search(r'<input type="checkbox" id="show-activity"[^>]*>', page)
    assert re.search(r'id="activity-count"[^>]*>1<', page)  # the note is conversation, not activity
    assert 'class="tl-item event ev-assigned"' in page and "Customer is a VIP" in page


def test_a_host_project_overrides_the_template_of_a_timeline_entry_kind(
    client, agent, working_case, settings, tmp_path
):
    """Every timeline entry kind is a real template (crm_twitter/inbox/timeline/<kind>.html) that a
    project's own template directory replaces."""
    from django.core.cache import cache

    CaseEvent.objects.create(
        case=working_case,
        kind=CaseEvent.Kind.NOTE,
        message="Call her after 5pm",
        actor=agent,
        created_at=timezone.now(),
    )
    override = tmp_path / "crm_twitter" / "inbox" / "timeline"
    override.mkdir(parents=True)
    (override / "note.html").write_text('<li class="house-note">{{ item.actor }} wrote: {{ item.text }}</li>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    cache.clear()
    client.force_login(agent)
    page = client.get(url(working_case, "case")).content.decode()
    assert f'<li class="house-note">{escape(agent.get_full_name())} wrote: Call her after 5pm</li>' in page
    assert "@acmehelp my parcel never arrived" in page  # the other kinds keep the app's templates


def test_the_desk_does_not_warn_about_its_own_acknowledgement(client, agent, working_case):
    """The seeded public acknowledgement carries no link: no URL price, no warning, about $0.010."""
    ack = ReplyTemplate.objects.get(step="acknowledge", language="en")
    client.force_login(agent)
    inserted = client.post(url(working_case, "template"), {"template": ack.pk}).content.decode()
    text = re.search(r"<textarea[^>]*>(.*?)</textarea>", inserted, re.S).group(1).strip()
    assert text.startswith("Hi @") and "http" not in text
    verdict = client.post(url(working_case, "compose_preview"), {"channel": "public", "text": text}).content.decode()
    assert 'class="warning"' not in verdict and "verdict-block" not in verdict
    assert "≈ $0.010" in verdict
