"""The incident list and page in the inbox: who sees them, who may act, what they show."""

from __future__ import annotations

import re
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse

from crm_twitter.models import CaseStatus, Incident, OutboundMessage
from crm_twitter.services.incidents import BulkResult
from tests.factories import OutboundMessageFactory
from tests.incidents.page_builders import surge_incident

pytestmark = pytest.mark.django_db

LIST = reverse("crm_twitter_inbox:incidents")


def page_url(incident, name="incident"):
    return reverse(f"crm_twitter_inbox:{name}", args=[incident.pk])


@pytest.fixture
def surge():
    return surge_incident()


def test_an_agent_gets_the_friendly_403_and_no_nav_link(client, agent, surge):
    client.force_login(agent)
    for url in (LIST, page_url(surge.incident)):
        response = client.get(url)
        assert response.status_code == 403
        assert "Incidents are for supervisors and managers." in response.content.decode()
    queue = client.get(reverse("crm_twitter_inbox:queue")).content.decode()
    assert 'id="nav-incidents"' not in queue


def test_an_agent_cannot_act_either(client, agent, surge):
    client.force_login(agent)
    response = client.post(page_url(surge.incident, "incident_close"), {"version": 1, "root_cause": "x"})
    assert response.status_code == 403
    surge.incident.refresh_from_db()
    assert surge.incident.status == Incident.Status.OPEN


def test_the_nav_shows_incidents_with_the_open_count(client, supervisor, surge):
    surge_incident(title="Broken blender · SKU-9", status=Incident.Status.CLOSED)
    client.force_login(supervisor)
    html = client.get(reverse("crm_twitter_inbox:queue")).content.decode()
    link = re.search(r'<a href="/inbox/incidents/" id="nav-incidents"[^>]*>(.*?)</a>', html, re.S).group(1)
    assert '<span class="nav-badge">1<span class="sr-only"> open</span></span>' in link


def test_the_list_puts_open_incidents_first_and_filters(client, manager, surge):
    closed = surge_incident(title="Broken blender · SKU-9", status=Incident.Status.CLOSED, opened_hours_ago=1)
    client.force_login(manager)
    html = client.get(LIST).content.decode()
    assert html.index("Lost parcel · DHL · BR") < html.index("Broken blender · SKU-9")
    assert 'aria-current="page"' in re.search(r'<a href="/inbox/incidents/" id="nav-incidents"[^>]*>', html).group(0)

    html = client.get(LIST, {"status": "closed"}).content.decode()
    assert "Broken blender" in html and "Lost parcel" not in html
    html = client.get(LIST, {"brand_account": str(closed.brand.pk)}).content.decode()
    assert "Broken blender" in html and "Lost parcel" not in html


def test_a_manager_sees_the_page_but_no_action(client, manager, surge):
    client.force_login(manager)
    response = client.get(page_url(surge.incident))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lost parcel · DHL · BR" in html
    assert "Read-only: your role can see incidents but not act on them." in html
    assert "<form" not in html.split('id="incident-actions"')[1].split("</section>")[0]
    assert "Unlink" not in html
    # ...and the actions answer 403.
    response = client.post(page_url(surge.incident, "incident_close"), {"version": 1, "root_cause": "x"})
    assert response.status_code == 403
    assert "Your role can see incidents but not act on them." in response.content.decode()


def test_the_page_shows_what_surges_since_when_how_fast_and_the_cases(client, supervisor, surge):
    client.force_login(supervisor)
    with mock.patch("crm_twitter.services.incidents.incident_status_update_draft", return_value="We know about DHL"):
        html = client.get(page_url(surge.incident)).content.decode()
    facts = html.split('class="facts compact incident-facts"')[1].split("</dl>")[0]
    assert "<dt>Carrier</dt><dd>DHL</dd>" in facts
    assert "<dt>Destination country</dt><dd>BR</dd>" in facts
    assert "2.0 cases per hour" in facts  # 6 cases in 3 hours
    # Linked cases with their status, customer and language.
    for case in surge.cases:
        assert f'<a href="/inbox/case/{case.pk}/">{case.reference}</a>' in html
    assert html.count("<td>PT</td>") == 4 and html.count("<td>EN</td>") == 2
    # Affected orders, aggregated.
    orders = html.split('id="affected-orders-title"')[1].split("</section>")[0]
    assert '<span class="count-pill">6</span>' in orders
    assert "<td>DHL</td><td>6</td>" in orders and "<td>BR</td><td>6</td>" in orders
    assert "<td>SKU-BLENDER-1</td><td>6</td>" in orders
    # The chart and its numbers: the hour the incident opened counts its customers; the baseline the week before.
    assert 'data-chart="incident"' in html and "<svg" in html
    assert "Opened" in html
    # The supervisor's actions, the draft prefilled.
    assert "We know about DHL</textarea>" in html
    for form_id in ("status-update-form", "reply-plan-form", "resolve-all-form"):
        assert f'id="{form_id}"' in html
    assert "History" in html and "6 customers in 1 h" in html


def test_the_chart_counts_customers_against_the_same_hours_last_week(surge):
    from crm_twitter.selectors.incidents import incident_series

    series = incident_series(incident=surge.incident, weeks=1)
    opened = series.opened_index
    assert sum(series.observed) == 6  # six distinct customers, all after the opening
    assert sum(series.observed[:opened]) == 0
    assert series.baseline[opened] == 1.0  # the week-old complaint, same hour
    assert len(series.hours) == len(series.observed) == len(series.baseline)


def test_hostile_titles_and_texts_are_escaped(client, supervisor):
    hostile = '<script>alert("x")</script>'
    surge = surge_incident(title=hostile, root_cause='<img src=x onerror="alert(1)">')
    surge.incident.carrier = "<b>DHL</b>"
    surge.incident.save(update_fields=["carrier"])
    OutboundMessageFactory(
        case=None,
        recipient=None,
        incident=surge.incident,
        brand_account=surge.brand,
        channel="post",
        text="<svg onload=alert(2)>",
    )
    client.force_login(supervisor)
    for url in (LIST, page_url(surge.incident)):
        html = client.get(url).content.decode()
        assert hostile not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    html = client.get(page_url(surge.incident)).content.decode()
    assert "<b>DHL</b>" not in html and "&lt;b&gt;DHL&lt;/b&gt;" in html
    assert '<img src=x onerror="alert(1)">' not in html
    assert "<svg onload=alert(2)>" not in html and "&lt;svg onload=alert(2)&gt;" in html


def test_page_and_list_query_counts_do_not_grow_with_cases(client, supervisor, django_assert_max_num_queries):
    small = surge_incident(cases=2)
    client.force_login(supervisor)
    # Session, user, roles, 11 for the incident and its chart, 2 permissions, the draft (2), the
    # reply templates, the merge targets and the nav badge.
    with django_assert_max_num_queries(21):
        client.get(page_url(small.incident))
    with django_assert_max_num_queries(6):
        client.get(LIST)
    big = surge_incident(cases=30, title="Big")
    for i in range(5):
        surge_incident(cases=1, title=f"Other {i}")
    with django_assert_max_num_queries(21):
        response = client.get(page_url(big.incident))
    assert response.status_code == 200 and len(response.context["cases"]) == 30
    with django_assert_max_num_queries(6):
        response = client.get(LIST)
    assert len(response.context["rows"]) == 7


def test_resolve_all_shows_what_was_done_and_what_was_skipped(client, supervisor, surge):
    done, skipped = surge.cases[:4], surge.cases[4:]
    result = BulkResult(
        done=tuple(c.pk for c in done), skipped=tuple((c.pk, "Already resolved by Ana") for c in skipped)
    )
    client.force_login(supervisor)
    with mock.patch("crm_twitter.services.incidents.incident_resolve_all", return_value=result) as resolve:
        response = client.post(
            page_url(surge.incident, "incident_resolve_all"),
            {"version": surge.incident.version, "outcome": "reship", "note": "Reshipped with Correios"},
        )
    assert response.status_code == 302 and response["Location"].endswith("#bulk-result")
    kwargs = resolve.call_args.kwargs
    assert (kwargs["outcome"], kwargs["note"], kwargs["expected_version"]) == (
        "reship",
        "Reshipped with Correios",
        surge.incident.version,
    )
    with mock.patch("crm_twitter.services.incidents.incident_status_update_draft", return_value=""):
        html = client.get(page_url(surge.incident)).content.decode()
    assert "Resolve all: 4 done, 2 skipped." in html
    box = html.split('id="bulk-result"')[1].split("</section>")[0]
    assert "Done for 4 cases." in box
    for case in skipped:
        assert f"<strong>{case.reference}</strong> — Already resolved by Ana" in box
    # Shown once.
    with mock.patch("crm_twitter.services.incidents.incident_status_update_draft", return_value=""):
        assert 'id="bulk-result"' not in client.get(page_url(surge.incident)).content.decode()


def test_a_refund_needs_an_amount_before_anything_is_resolved(client, supervisor, surge):
    client.force_login(supervisor)
    with mock.patch("crm_twitter.services.incidents.incident_resolve_all") as resolve:
        client.post(page_url(surge.incident, "incident_resolve_all"), {"version": 1, "outcome": "refund"})
    assert not resolve.called


def test_reply_to_all_shows_the_plan_then_sends_the_confirmed_cost(client, supervisor, surge):
    from crm_twitter.services.incidents import IncidentReplyPlan, PlannedReply

    replies = tuple(
        PlannedReply(
            case_id=c.pk, language=c.language, channel="dm", text=f"Olá {c.pk}", estimated_cost=Decimal("0.015")
        )
        for c in surge.cases[:5]
    )
    plan = IncidentReplyPlan(
        channel="dm",
        replies=replies,
        skipped=((surge.cases[5].pk, "The customer does not accept DMs"),),
        total_cost=Decimal("0.075"),
        count=5,
    )
    client.force_login(supervisor)
    with (
        mock.patch("crm_twitter.services.incidents.incident_reply_plan", return_value=plan),
        mock.patch("crm_twitter.services.incidents.incident_status_update_draft", return_value=""),
    ):
        html = client.get(page_url(surge.incident), {"reply_channel": "dm", "reply_template": ""}).content.decode()
    plan_html = html.split('id="reply-plan"')[1]
    assert "5 customers will get a reply." in plan_html
    assert "Estimated X cost: $0.075" in plan_html
    assert f"<strong>{surge.cases[5].reference}</strong> — The customer does not accept DMs" in plan_html
    assert 'name="confirmed_total_cost" value="0.075"' in plan_html

    with mock.patch(
        "crm_twitter.services.incidents.incident_reply_all",
        return_value=BulkResult(done=tuple(r.case_id for r in replies)),
    ) as reply_all:
        client.post(
            page_url(surge.incident, "incident_reply_all"),
            {"version": surge.incident.version, "channel": "dm", "template": "", "confirmed_total_cost": "0.075"},
        )
    kwargs = reply_all.call_args.kwargs
    assert kwargs["confirmed_total_cost"] == Decimal("0.075") and kwargs["channel"] == "dm"
    assert kwargs["template_id"] is None


def test_a_refused_action_says_why_and_changes_nothing(client, supervisor, surge):
    from crm_twitter.services.errors import CaseRuleError

    client.force_login(supervisor)
    with mock.patch("crm_twitter.services.incidents.incident_close", side_effect=CaseRuleError("stale", code="stale")):
        response = client.post(
            page_url(surge.incident, "incident_close"), {"version": 1, "root_cause": "Customs strike"}, follow=True
        )
    assert "This incident changed while you were looking at it" in response.content.decode()


def test_the_status_update_preview_reports_length_and_cost(client, supervisor, surge):
    from crm_twitter.services.compose import ComposeVerdict

    verdict = ComposeVerdict(ok=True, channel="public", weighted_length=42, limit=280, estimated_cost=Decimal("0.015"))
    client.force_login(supervisor)
    with mock.patch("crm_twitter.services.incidents.incident_status_update_preview", return_value=verdict):
        html = client.post(page_url(surge.incident, "incident_preview"), {"text": "We know"}).content.decode()
    assert "42 / 280" in html and "≈ $0.015" in html


def test_a_closed_incident_offers_no_action(client, supervisor):
    surge = surge_incident(status=Incident.Status.CLOSED, root_cause="Customs strike in São Paulo")
    client.force_login(supervisor)
    html = client.get(page_url(surge.incident)).content.decode()
    assert "This incident is no longer open" in html
    assert "Customs strike in São Paulo" in html
    assert 'id="status-update-form"' not in html


def test_the_status_updates_sent_are_listed_with_their_delivery(client, manager, surge):
    OutboundMessageFactory(
        case=None,
        recipient=None,
        incident=surge.incident,
        brand_account=surge.brand,
        channel=OutboundMessage.Channel.POST,
        text="We know about the DHL delays to Brazil",
        status=OutboundMessage.Status.SENT,
    )
    client.force_login(manager)
    html = client.get(page_url(surge.incident)).content.decode()
    updates = html.split('id="status-updates"')[1].split("</section>")[0]
    assert "We know about the DHL delays to Brazil" in updates and "Sent" in updates
    assert "≈ $0.015" in html  # one post of its own (post_create)


def test_cases_of_a_resolved_incident_keep_their_status(client, manager, surge):
    surge.cases[0].status = CaseStatus.RESOLVED
    surge.cases[0].save(update_fields=["status"])
    client.force_login(manager)
    html = client.get(page_url(surge.incident)).content.decode()
    assert '<span class="status st-resolved">Resolved</span>' in html
    assert "(5 open)" in html


def test_a_refused_status_update_keeps_the_text_and_says_why(client, supervisor, surge):
    client.force_login(supervisor)
    text = "Order 40001234 of Ana is stuck at customs"
    order = surge.cases[0].orders.first()
    text = f"Order {order.order_number} is stuck at customs"
    response = client.post(
        page_url(surge.incident, "incident_status_update"),
        {"version": surge.incident.version, "text": text, "confirm": "on"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f"{text}</textarea>" in html
    assert 'id="status-update-error"' in html
    assert not OutboundMessage.objects.filter(incident=surge.incident).exists()


def test_the_real_draft_is_in_the_majority_language(client, supervisor, surge, django_assert_max_num_queries):
    client.force_login(supervisor)
    with django_assert_max_num_queries(30):
        html = client.get(page_url(surge.incident)).content.decode()
    draft = html.split('id="id_text"')[1].split("</textarea>")[0]
    assert "Lost parcel · DHL · BR" in draft  # the incident's title in the template
    assert "Sabemos" in draft  # Portuguese: four of the six customers write it


def test_close_unlink_and_merge_go_through_the_services(client, supervisor):
    """The page's forms with the real services: unlink one case, merge another incident in, close."""
    surge = surge_incident()
    other = surge_incident(title="Correios · BR (second wave)", brand=surge.brand, cases=2)
    client.force_login(supervisor)

    unlinked = surge.cases[0]
    response = client.post(page_url(surge.incident, "incident_unlink"), {"case": unlinked.pk}, follow=True)
    assert f"Case {unlinked.reference} unlinked from the incident." in response.content.decode()
    assert not surge.incident.links.filter(case=unlinked).exists()

    html = client.get(page_url(other.incident)).content.decode()
    assert f'<option value="{surge.incident.pk}">Lost parcel · DHL · BR' in html  # a merge target
    response = client.post(page_url(other.incident, "incident_merge"), {"into": surge.incident.pk}, follow=True)
    assert response.redirect_chain[-1][0] == page_url(surge.incident)
    other.incident.refresh_from_db()
    assert other.incident.status == Incident.Status.MERGED and other.incident.merged_into == surge.incident

    surge.incident.refresh_from_db()
    response = client.post(
        page_url(surge.incident, "incident_close"),
        {"version": surge.incident.version, "root_cause": "Customs strike in São Paulo"},
        follow=True,
    )
    html = response.content.decode()
    assert "Incident closed." in html and "Customs strike in São Paulo" in html
    assert "This incident is no longer open" in html
    surge.incident.refresh_from_db()
    assert surge.incident.status == Incident.Status.CLOSED


def test_a_stale_close_is_refused_with_the_reason(client, supervisor, surge):
    client.force_login(supervisor)
    response = client.post(
        page_url(surge.incident, "incident_close"),
        {"version": surge.incident.version + 5, "root_cause": "Customs strike"},
        follow=True,
    )
    assert "This incident changed while you were looking at it" in response.content.decode()
    surge.incident.refresh_from_db()
    assert surge.incident.status == Incident.Status.OPEN


def test_reply_to_all_with_the_real_plan_queues_one_reply_per_eligible_case(client, supervisor, surge):
    from crm_twitter.services.incidents import incident_reply_plan

    plan = incident_reply_plan(incident=surge.incident, channel="public")
    assert plan.count > 0
    client.force_login(supervisor)
    html = client.get(page_url(surge.incident), {"reply_channel": "public", "reply_template": ""}).content.decode()
    assert f"{plan.count} customers will get a reply." in html
    cost = html.split('name="confirmed_total_cost" value="')[1].split('"')[0]
    assert Decimal(cost) == plan.total_cost

    response = client.post(
        page_url(surge.incident, "incident_reply_all"),
        {"version": surge.incident.version, "channel": "public", "template": "", "confirmed_total_cost": cost},
        follow=True,
    )
    html = response.content.decode()
    assert f"Reply to all: {plan.count} done, {len(plan.skipped)} skipped." in html
    assert OutboundMessage.objects.filter(incident=surge.incident, case__isnull=False).count() == plan.count
