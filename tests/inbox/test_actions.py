"""Case actions from the inbox: each one reaches its service, says what happened, refuses stale forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm_twitter.models import CaseEvent, CaseStatus, ComplaintCategory, OutboundMessage, Promise, ReplyTemplate
from tests.factories import (
    ComplaintCategoryFactory,
    OrderFactory,
    OutboundMessageFactory,
    PromiseFactory,
    TeamMembershipFactory,
    TweetFactory,
    UserFactory,
)


def url(case, name):
    return reverse(f"crm_twitter_inbox:{name}", args=[case.pk])


def follow(client, case, name, data, **kwargs):
    return client.post(url(case, name), {"version": case.version, **data}, follow=True, **kwargs)


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def working_case(agent, team_case, brand):
    """A new case with the customer's first public tweet mentioning the brand."""
    case = team_case(status=CaseStatus.NEW)
    TweetFactory(
        case=case,
        brand_account=brand,
        author=case.customer_x_user,
        text=f"@{brand.handle} my parcel never arrived",
        mentioned_user_ids=[brand.x_user_id],
    )
    return case


def test_assign_to_me(client, agent, working_case):
    client.force_login(agent)
    response = follow(client, working_case, "take", {})
    working_case.refresh_from_db()
    assert working_case.assignee == agent
    assert "You own this case now." in flash(response)


def test_supervisor_assigns_to_a_team_member_and_agent_cannot(client, agent, supervisor, working_case):
    bob = UserFactory(username="bob", roles=["crm_agent"])
    TeamMembershipFactory(team=agent.crm_team, user=bob)
    client.force_login(agent)
    response = follow(client, working_case, "assign", {"assignee": bob.pk})
    assert "Only supervisors" in flash(response)[0]
    client.force_login(supervisor)
    response = follow(client, working_case, "assign", {"assignee": bob.pk})
    working_case.refresh_from_db()
    assert working_case.assignee == bob
    assert any("Assigned to" in m for m in flash(response))


def test_status_change_follows_the_lifecycle(client, agent, working_case):
    client.force_login(agent)
    response = follow(client, working_case, "transition", {"to_status": CaseStatus.IN_DM})
    working_case.refresh_from_db()
    assert working_case.status == CaseStatus.IN_DM
    assert "Status changed to In DM." in flash(response)
    response = follow(client, working_case, "transition", {"to_status": CaseStatus.NEW})
    working_case.refresh_from_db()
    assert working_case.status == CaseStatus.IN_DM
    assert flash(response)  # the rule's refusal, shown to the agent


def test_stale_form_is_refused_with_a_message(client, agent, working_case):
    client.force_login(agent)
    old_version = working_case.version
    type(working_case).objects.filter(pk=working_case.pk).update(version=old_version + 1)
    response = client.post(url(working_case, "transition"), {"version": old_version, "to_status": "in_dm"}, follow=True)
    working_case.refresh_from_db()
    assert working_case.status == CaseStatus.NEW
    assert "changed while you were looking" in flash(response)[0]


def test_resolve_asks_for_the_category_while_nobody_confirmed_it(client, agent, working_case):
    client.force_login(agent)
    page = client.get(reverse("crm_twitter_inbox:case", args=[working_case.pk]))
    assert b"Complaint category" in page.content  # the resolve form asks
    response = follow(client, working_case, "resolve", {"outcome": "reship"})
    working_case.refresh_from_db()
    assert working_case.status != CaseStatus.RESOLVED
    assert any("Choose the complaint category" in m for m in flash(response))


def test_resolve_with_a_refund(client, agent, working_case):
    client.force_login(agent)
    damaged = ComplaintCategory.objects.get(slug="damaged")
    response = follow(
        client,
        working_case,
        "resolve",
        {
            "outcome": "refund",
            "refund_amount": "59.90",
            "refund_currency": "eur",
            "note": "PayPal",
            "category": damaged.pk,
        },
    )
    working_case.refresh_from_db()
    assert working_case.status == CaseStatus.RESOLVED
    assert working_case.category == damaged and working_case.category_confirmed
    assert working_case.refund_amount == Decimal("59.90") and working_case.refund_currency == "EUR"
    assert any("Case resolved" in m for m in flash(response))
    assert b"Refund" in response.content and b"59.90 EUR" in response.content


def test_refund_without_an_amount_is_refused(client, agent, working_case):
    client.force_login(agent)
    response = follow(client, working_case, "resolve", {"outcome": "refund", "refund_currency": "EUR"})
    working_case.refresh_from_db()
    assert working_case.status == CaseStatus.NEW
    assert "A refund needs an amount." in flash(response)[0]


def test_escalate_with_a_reason(client, agent, working_case):
    client.force_login(agent)
    response = follow(client, working_case, "escalate", {"reason": "Customer threatens chargeback"})
    working_case.refresh_from_db()
    assert working_case.escalation_level == 1
    assert "Escalated to level 1." in flash(response)
    assert follow(client, working_case, "escalate", {"reason": ""}).status_code == 200
    working_case.refresh_from_db()
    assert working_case.escalation_level == 1


def test_internal_note_is_recorded_and_never_sent(client, agent, working_case):
    client.force_login(agent)
    response = client.post(url(working_case, "note"), {"text": "Warehouse says shipped on Monday"}, follow=True)
    assert working_case.events.filter(kind=CaseEvent.Kind.NOTE, message="Warehouse says shipped on Monday").exists()
    assert not OutboundMessage.objects.filter(case=working_case).exists()
    assert b"Warehouse says shipped on Monday" in response.content
    assert b"Internal note \xc2\xb7 never sent" in response.content


def test_confirm_suggested_category_or_change_it(client, agent, team_case):
    suggested = ComplaintCategoryFactory(slug="damaged-t", name="Damaged T")
    other = ComplaintCategoryFactory(slug="customs-t", name="Customs T")
    case = team_case(suggested_category=suggested)
    client.force_login(agent)
    page = client.get(url(case, "case")).content.decode()
    assert "Suggested:" in page and "Damaged T" in page and "Confirm" in page
    follow(client, case, "category", {"category": suggested.pk})
    case.refresh_from_db()
    assert case.category == suggested and case.category_confirmed
    follow(client, case, "category", {"category": other.pk})
    case.refresh_from_db()
    assert case.category == other


def test_link_and_unlink_an_order(client, agent, working_case, order_with_items):
    order = order_with_items(order_number="40004321", customer=working_case.customer)
    client.force_login(agent)
    response = follow(client, working_case, "order_link", {"order": order.pk})
    assert list(working_case.orders.all()) == [order]
    assert "Order 40004321 linked." in flash(response)
    working_case.refresh_from_db()
    follow(client, working_case, "order_unlink", {"order": order.pk})
    assert not working_case.orders.exists()


def test_record_and_keep_a_promise(client, agent, working_case):
    client.force_login(agent)
    due = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = follow(
        client, working_case, "promise", {"kind": "refund", "description": "Refund by Friday", "due_at": due}
    )
    promise = working_case.promises.get()
    assert promise.status == Promise.Status.OPEN
    assert any("Promise recorded" in m for m in flash(response))
    working_case.refresh_from_db()
    response = follow(client, working_case, "promise_keep", {"promise": promise.pk})
    promise.refresh_from_db()
    assert promise.status == Promise.Status.KEPT


def test_promise_in_the_past_is_refused(client, agent, working_case):
    client.force_login(agent)
    past = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = follow(client, working_case, "promise", {"kind": "refund", "description": "x", "due_at": past})
    assert not working_case.promises.exists()
    assert "future" in flash(response)[0]


def test_public_reply_is_queued_and_shown_as_queued(client, agent, working_case):
    client.force_login(agent)
    response = follow(client, working_case, "compose", {"channel": "public", "text": "Sorry! Please DM us."})
    message = OutboundMessage.objects.get(case=working_case)
    assert message.channel == OutboundMessage.Channel.PUBLIC_REPLY
    assert message.status == OutboundMessage.Status.QUEUED
    assert "Public reply queued for sending." in flash(response)
    assert b"Queued" in response.content


def test_dm_is_queued_to_the_customer(client, agent, working_case):
    client.force_login(agent)
    follow(client, working_case, "compose", {"channel": "dm", "text": "Hi, what is your order number?"})
    message = OutboundMessage.objects.get(case=working_case)
    assert message.channel == OutboundMessage.Channel.DM
    assert message.recipient == working_case.customer_x_user


def test_public_reply_with_private_data_is_refused_and_the_text_kept(client, agent, working_case):
    client.force_login(agent)
    text = "Your refund to jane.doe@example.com is on its way"
    response = client.post(
        url(working_case, "compose"), {"version": working_case.version, "channel": "public", "text": text}
    )
    assert response.status_code == 422
    assert not OutboundMessage.objects.filter(case=working_case).exists()
    html = response.content.decode()
    assert "jane.doe@example.com is on its way</textarea>" in html
    assert 'class="form-error"' in html


def test_reply_on_a_stale_page_keeps_the_text_and_asks_to_review(client, agent, working_case):
    client.force_login(agent)
    type(working_case).objects.filter(pk=working_case.pk).update(version=working_case.version + 5)
    response = client.post(
        url(working_case, "compose"), {"version": working_case.version, "channel": "dm", "text": "draft survives"}
    )
    assert response.status_code == 422
    assert not OutboundMessage.objects.filter(case=working_case).exists()
    html = response.content.decode()
    assert "draft survives</textarea>" in html and "changed while you were writing" in html
    assert f'name="version" value="{working_case.version + 5}"' in html  # resend is possible


def test_preview_counts_weighted_length_and_warns_about_private_data(client, agent, working_case):
    client.force_login(agent)
    response = client.post(url(working_case, "compose_preview"), {"channel": "public", "text": "你好" * 3})
    assert b"12 / 280" in response.content
    response = client.post(
        url(working_case, "compose_preview"), {"channel": "public", "text": "Mail us at jane.doe@example.com"}
    )
    assert b"Private data in a public reply" in response.content
    response = client.post(url(working_case, "compose_preview"), {"channel": "dm", "text": ""})
    assert b"0 / 10000" in response.content


def test_template_is_inserted_in_the_customers_language_with_placeholders_filled(client, agent, working_case):
    working_case.language = "de"
    working_case.save(update_fields=["language"])
    client.force_login(agent)
    page = client.get(url(working_case, "case"))
    templates = page.context["templates"]
    acknowledge = next(t for t in templates if t.step == ReplyTemplate.Step.ACKNOWLEDGE)
    assert acknowledge.language == "de"
    response = client.post(url(working_case, "template"), {"template_choice": acknowledge.pk})
    html = response.content.decode()
    assert f"Hallo @{working_case.customer_x_user.handle}" in html
    assert "{handle}" not in html and "{dm_link}" not in html
    assert 'name="channel" id="compose-channel" value="public"' in html


def test_agent_cannot_link_an_order_of_a_customer_outside_their_cases(client, agent, working_case, order_with_items):
    """Same rule as the API's /orders/: an order of someone else's customer answers 404."""
    stranger = order_with_items(order_number="40009876")
    client.force_login(agent)
    response = client.post(url(working_case, "order_link"), {"version": working_case.version, "order": stranger.pk})
    assert response.status_code == 404
    assert not working_case.orders.exists()
    assert not CaseEvent.objects.filter(case=working_case, kind=CaseEvent.Kind.ORDER_LINKED).exists()


def test_supervisor_may_link_any_order(client, supervisor, working_case, order_with_items):
    order = order_with_items(order_number="40009877")
    client.force_login(supervisor)
    follow(client, working_case, "order_link", {"order": order.pk})
    assert list(working_case.orders.all()) == [order]


def test_inactive_template_is_neither_offered_nor_inserted(client, agent, working_case):
    client.force_login(agent)
    offered = client.get(url(working_case, "case")).context["templates"]
    withdrawn = offered[0]
    ReplyTemplate.objects.filter(pk=withdrawn.pk).update(is_active=False)
    page = client.get(url(working_case, "case"))
    assert withdrawn.pk not in {t.pk for t in page.context["templates"]}
    picker = page.content.decode().split('id="template-select"')[1].split("</select>")[0]
    assert f'<option value="{withdrawn.pk}"' not in picker
    assert client.post(url(working_case, "template"), {"template_choice": withdrawn.pk}).status_code == 404


def test_reply_under_an_inactive_template_is_refused_and_the_text_kept(client, agent, working_case):
    template = ReplyTemplate.objects.filter(is_active=True, channel=ReplyTemplate.Channel.PUBLIC).first()
    client.force_login(agent)
    text = f"@{working_case.customer_x_user.handle} thanks, we are looking into it"
    form = {"version": working_case.version, "channel": "public", "text": text, "template": template.pk}
    ReplyTemplate.objects.filter(pk=template.pk).update(is_active=False)  # withdrawn after it was inserted
    response = client.post(url(working_case, "compose"), form)
    assert response.status_code == 422
    assert not OutboundMessage.objects.filter(case=working_case).exists()
    html = response.content.decode()
    assert "no longer in use" in html and "we are looking into it" in html
    assert '<input type="hidden" name="template" value="">' in html  # sending again goes without it
    response = client.post(url(working_case, "compose"), {**form, "template": ""}, follow=True)
    assert OutboundMessage.objects.filter(case=working_case).count() == 1


def test_failed_message_can_be_retried(client, agent, working_case):
    message = OutboundMessageFactory(case=working_case, status=OutboundMessage.Status.FAILED, last_error="503")
    client.force_login(agent)
    response = follow(client, working_case, "retry", {"message": message.pk})
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.QUEUED
    assert "Sending again." in flash(response)


@pytest.mark.parametrize(
    "name",
    [
        "take",
        "assign",
        "transition",
        "resolve",
        "escalate",
        "note",
        "category",
        "order_link",
        "order_unlink",
        "promise",
        "promise_keep",
        "compose",
        "compose_preview",
        "template",
        "retry",
    ],
)
def test_actions_refuse_get_and_answer_404_outside_the_team(client, agent, name):
    from tests.factories import CaseFactory, TeamFactory

    case = CaseFactory(team=TeamFactory())
    client.force_login(agent)
    assert client.get(url(case, name)).status_code == 405
    assert client.post(url(case, name), {"version": case.version}).status_code == 404


def test_action_query_counts_are_bounded(client, agent, working_case, django_assert_max_num_queries):
    PromiseFactory(case=working_case)
    client.force_login(agent)
    with django_assert_max_num_queries(30):
        client.post(url(working_case, "note"), {"text": "bounded"})
    with django_assert_max_num_queries(30):
        client.post(url(working_case, "compose_preview"), {"channel": "public", "text": "hello"})


# --- the stale-form check lives in the services; the inbox only says what changed ----------------


@pytest.fixture
def bob(agent):
    user = UserFactory(username="bob", first_name="Bob", last_name="Chen", roles=["crm_agent"])
    TeamMembershipFactory(team=agent.crm_team, user=user)
    return user


@pytest.fixture
def desk_case(sandbox, agent):
    """A case on the X sandbox in the agent's team, acknowledged publicly: the next step is a DM."""
    from tests.outbound.conftest import make_desk

    desk = make_desk(sandbox)
    type(desk.case).objects.filter(pk=desk.case.pk).update(
        team=agent.crm_team, status=CaseStatus.ACKNOWLEDGED, first_response_at=timezone.now()
    )
    desk.case.refresh_from_db()
    return desk.case


def page_version(client, case) -> int:
    """The version the case page's forms carry right now."""
    return client.get(url(case, "case")).context["case"].version


def test_own_dm_delivered_then_a_status_change_and_a_category_confirm_are_not_conflicts(client, agent, desk_case):
    """Issue #16, bug 1: the agent's own DM, delivered a few seconds later, refused their next click."""
    from crm_twitter.x.outbound import outbound_send

    client.force_login(agent)
    follow(client, desk_case, "compose", {"channel": "dm", "text": "Could you send us your order number?"})
    version = page_version(client, desk_case)  # after POST → redirect → GET
    sent = outbound_send(message_id=OutboundMessage.objects.get(case=desk_case).pk)  # the worker, ~5 s later
    assert sent.status == OutboundMessage.Status.SENT
    ping = client.post(url(desk_case, "presence"), {"v": version}).content.decode()
    assert "changed-banner" not in ping

    response = client.post(
        url(desk_case, "transition"), {"version": version, "to_status": CaseStatus.PENDING_MERCHANT}, follow=True
    )
    assert flash(response) == ["Status changed to Pending merchant."]
    version = response.context["case"].version
    damaged = ComplaintCategory.objects.get(slug="damaged")
    response = client.post(url(desk_case, "category"), {"version": version, "category": damaged.pk}, follow=True)
    assert flash(response) == [f"Category set to {damaged.name}."]
    desk_case.refresh_from_db()
    assert desk_case.status == CaseStatus.PENDING_MERCHANT and desk_case.category == damaged


def test_a_colleagues_change_raises_the_banner_naming_them(client, agent, bob, working_case):
    from crm_twitter.services.case_edits import case_edit

    client.force_login(agent)
    version = page_version(client, working_case)
    case_edit(case=working_case, actor=bob, priority="high")
    ping = client.post(url(working_case, "presence"), {"v": version}).content.decode()
    assert "Bob Chen changed this case while you were looking at it." in ping
    assert "updated by someone else" not in ping


def test_the_banner_says_when_the_customer_wrote(client, agent, working_case):
    from crm_twitter.services.case_inputs import MessageArrival
    from crm_twitter.services.case_intake import case_messages_received

    client.force_login(agent)
    version = page_version(client, working_case)
    case_messages_received(
        arrivals=[MessageArrival(case_id=working_case.pk, at=timezone.now(), channel="public", text="hello??")]
    )
    ping = client.post(url(working_case, "presence"), {"v": version}).content.decode()
    assert "The customer wrote while you were looking at this case." in ping


def _inbox_actions(case, agent) -> dict[str, dict]:
    order = OrderFactory(customer=case.customer)
    linked = OrderFactory(customer=case.customer)
    case.orders.add(linked)
    promise = PromiseFactory(case=case)
    damaged = ComplaintCategory.objects.get(slug="damaged")
    due = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    return {
        "take": {},
        "assign": {"assignee": agent.pk},
        "transition": {"to_status": CaseStatus.IN_DM},
        "resolve": {"outcome": "reship", "category": damaged.pk},
        "escalate": {"reason": "Customer threatens a chargeback"},
        "category": {"category": damaged.pk},
        "order_link": {"order": order.pk},
        "order_unlink": {"order": linked.pk},
        "promise": {"kind": "refund", "description": "Refund by Friday", "due_at": due},
        "promise_keep": {"promise": promise.pk},
    }


@pytest.mark.parametrize(
    "name",
    [
        "take",
        "assign",
        "transition",
        "resolve",
        "escalate",
        "category",
        "order_link",
        "order_unlink",
        "promise",
        "promise_keep",
    ],
)
def test_every_action_on_an_outdated_page_is_refused_by_its_service_naming_the_colleague(
    client, agent, bob, working_case, name
):
    from crm_twitter.services.case_edits import case_edit

    data = _inbox_actions(working_case, agent)[name]
    client.force_login(agent)
    version = page_version(client, working_case)
    case_edit(case=working_case, actor=bob, language="de")
    events = CaseEvent.objects.filter(case=working_case).count()
    response = client.post(url(working_case, name), {"version": version, **data}, follow=True)
    assert flash(response) == [
        "Bob Chen changed this case while you were looking at it. Review the latest state and try again."
    ]
    working_case.refresh_from_db()
    assert working_case.version == version + 1
    assert CaseEvent.objects.filter(case=working_case).count() == events  # nothing was done
    response = client.post(url(working_case, name), {"version": working_case.version, **data}, follow=True)
    assert not any("changed this case" in m for m in flash(response)), flash(response)


def test_a_reply_written_while_the_customer_wrote_keeps_the_draft_and_says_why(client, agent, working_case):
    from crm_twitter.services.case_inputs import MessageArrival
    from crm_twitter.services.case_intake import case_messages_received

    client.force_login(agent)
    version = page_version(client, working_case)
    case_messages_received(
        arrivals=[MessageArrival(case_id=working_case.pk, at=timezone.now(), channel="public", text="hello??")]
    )
    response = client.post(
        url(working_case, "compose"), {"version": version, "channel": "dm", "text": "draft survives"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "The customer wrote while you were looking at this case. Review the timeline" in html
    assert "draft survives</textarea>" in html
    assert f'name="version" value="{version + 1}"' in html
    assert not OutboundMessage.objects.filter(case=working_case).exists()
