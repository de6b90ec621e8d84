"""Opening cases in bulk, feeding them messages, category suggestions, edits, merges, notifications."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from crm_twitter.models import Case, CaseEvent, CaseStatus, ComplaintCategory, Notification, Promise
from crm_twitter.services.case_edits import (
    case_add_note,
    case_edit,
    case_link_order,
    case_set_category,
    case_unlink_order,
)
from crm_twitter.services.case_inputs import CaseOpenSpec, MessageArrival, ResponseArrival
from crm_twitter.services.case_intake import case_messages_received, case_open_many, case_responses_recorded
from crm_twitter.services.categorisation import category_suggest
from crm_twitter.services.errors import CaseRuleError, StaleCase
from crm_twitter.services.merge import case_merge
from crm_twitter.services.notifications import notification_send, notifications_mark_read, notifications_unread
from tests.factories import (
    BrandAccountFactory,
    CaseFactory,
    ComplaintCategoryFactory,
    CustomerFactory,
    DirectMessageFactory,
    OrderFactory,
    OutboundMessageFactory,
    PromiseFactory,
    TweetFactory,
)

from .conftest import NOW


def _specs(n, **kwargs):
    account, customer = BrandAccountFactory(credentials={}), CustomerFactory()
    return [
        CaseOpenSpec(
            customer_id=customer.pk,
            brand_account_id=account.pk,
            opened_at=NOW,
            language="en",
            text=f"@brandhelp order {i} never arrived",
            **kwargs,
        )
        for i in range(n)
    ]


# --- Bulk opening ---------------------------------------------------------------------------------


def test_references_are_year_and_zero_padded_id(frozen):
    cases = case_open_many(specs=_specs(3))
    for case in cases:
        assert re.fullmatch(r"CS-2026-\d{6,}", case.reference)
        assert case.reference == f"CS-2026-{case.pk:06d}"
        assert Case.objects.get(pk=case.pk).reference == case.reference


def test_reference_prefix_is_a_setting(frozen, settings):
    settings.CRM_TWITTER = {**getattr(settings, "CRM_TWITTER", {}), "CASE_REFERENCE_PREFIX": "TW"}
    [case] = case_open_many(specs=_specs(1))
    assert Case.objects.get(pk=case.pk).reference.startswith("TW-2026-")


def test_every_opened_case_has_a_created_event(frozen):
    cases = case_open_many(specs=_specs(4))
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.CREATED, case__in=cases).count() == 4


def test_private_data_posted_in_public_is_flagged(frozen):
    [case] = case_open_many(specs=_specs(1, contains_private_data=True))
    assert case.has_private_data_in_public
    assert case.events.filter(kind=CaseEvent.Kind.PRIVATE_DATA_FLAGGED).exists()
    [dm_case] = case_open_many(specs=_specs(1, contains_private_data=True, channel="dm"))
    assert not dm_case.has_private_data_in_public


def test_opening_a_batch_takes_a_fixed_number_of_queries(frozen, make_team, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_team(agents=3, supervisors=1)
    counts = []
    for n in (5, 15):
        specs = _specs(n, reach=50_000, mentions_executive=True)
        with CaptureQueriesContext(connection) as ctx:
            case_open_many(specs=specs)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 16


def test_a_page_of_100_messages_takes_a_fixed_number_of_queries(frozen, make_team, django_assert_max_num_queries):
    make_team(agents=2, supervisors=1)
    cases = case_open_many(specs=_specs(50))
    arrivals = [
        MessageArrival(
            case_id=c.pk,
            at=NOW + dt.timedelta(minutes=i),
            channel="public",
            text="hello?",
            is_public_nudge=True,
            mentions_executive=bool(i % 2),
        )
        for i, c in enumerate(cases * 2)
    ]
    # SQLite splits bulk writes into chunks of 999 parameters; PostgreSQL needs one statement each.
    with django_assert_max_num_queries(25):
        result = case_messages_received(arrivals=arrivals)
    assert [c.pk for c in result] == [c.pk for c in cases * 2]
    assert Case.objects.get(pk=cases[0].pk).contact_count == 3
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.MESSAGE_RECEIVED).count() == 100


def test_responses_in_bulk(frozen, django_assert_max_num_queries):
    cases = case_open_many(specs=_specs(30))
    with django_assert_max_num_queries(12):
        result = case_responses_recorded(
            responses=[ResponseArrival(case_id=c.pk, at=NOW, channel="public") for c in cases]
        )
    assert {c.status for c in result} == {CaseStatus.ACKNOWLEDGED}


def test_messages_for_unknown_cases_are_refused(frozen):
    with pytest.raises(CaseRuleError):
        case_messages_received(arrivals=[MessageArrival(case_id=999_999, at=NOW, channel="dm")])


def test_messages_for_a_merged_case_land_on_the_survivor(frozen, agent):
    source, target = CaseFactory(), CaseFactory()
    case_merge(source=source, target=target, actor=agent)
    [landed] = case_messages_received(arrivals=[MessageArrival(case_id=source.pk, at=NOW, channel="dm", text="hi")])
    assert landed.pk == target.pk


# --- Categories -----------------------------------------------------------------------------------


@pytest.fixture
def categories(db):
    """The seeded categories the shipped model was trained on."""
    return {
        "late": ComplaintCategory.objects.get(slug="delivery-delay"),
        "lost": ComplaintCategory.objects.get(slug="not-received"),
        "broken": ComplaintCategory.objects.get(slug="damaged"),
    }


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("My parcel NEVER arrived and the tracking says delivered", "not-received"),
        ("Mi pedido tiene mucho retraso, lleva 3 semanas en tránsito", "delivery-delay"),
        ("Die Lieferung ist seit zwei Wochen verspätet", "delivery-delay"),
        ("我的快递没收到，显示已签收", "not-received"),
        ("Colis jamais reçu, il est perdu", "not-received"),
        ("荷物が届くのがずっと遅れています", "delivery-delay"),
        ("Das Paket kam kaputt an, alles zerbrochen", "damaged"),
    ],
)
def test_category_is_suggested_in_every_language(categories, text, slug):
    suggestion = category_suggest(text)
    assert (suggestion.slug if suggestion else None) == slug


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂", "https://t.co/abc", "@brandhelp"])
def test_no_suggestion_when_there_is_nothing_to_read(categories, text):
    assert category_suggest(text) is None


def test_no_suggestion_below_the_confidence_threshold(categories, settings):
    settings.CRM_TWITTER = {"CATEGORY_MIN_CONFIDENCE": 0.99}
    assert category_suggest("the box arrived damaged") is None


def test_an_inactive_category_is_never_suggested(categories):
    categories["broken"].is_active = False
    categories["broken"].save()
    suggestion = category_suggest("the box arrived smashed and broken")
    assert suggestion is None or suggestion.slug != "damaged"


def test_suggestion_is_never_confirmed_automatically_only_by_an_agent(frozen, categories, open_case, agent):
    case = open_case(text="the box arrived damaged, the glass is smashed")
    assert case.suggested_category == categories["broken"]
    assert 0 < case.suggested_confidence <= 1 and case.suggestion_model.startswith("shipped-")
    assert case.category is None and not case.category_confirmed
    case = case_set_category(case=case, actor=agent, category=categories["broken"])
    assert case.category == categories["broken"] and case.category_confirmed
    event = case.events.get(kind=CaseEvent.Kind.CATEGORY_SET)
    assert event.data["accepted_suggestion"] is True and event.actor == agent


def test_inactive_category_is_refused(frozen, categories, agent):
    old = ComplaintCategoryFactory(slug="t-old", is_active=False)
    with pytest.raises(CaseRuleError):
        case_set_category(case=CaseFactory(), actor=agent, category=old)


# --- Edits ----------------------------------------------------------------------------------------


def test_notes_are_recorded_and_empty_ones_refused(frozen, agent):
    case = CaseFactory()
    note = case_add_note(case=case, actor=agent, text="Called the carrier")
    assert note.kind == CaseEvent.Kind.NOTE and note.actor == agent
    with pytest.raises(CaseRuleError):
        case_add_note(case=case, actor=agent, text="  ")


def test_edit_changes_language_and_remedy_with_an_event(frozen, agent):
    case = CaseFactory(language="en")
    case = case_edit(case=case, actor=agent, expected_version=case.version, language="de", requested_remedy="refund")
    assert (case.language, case.requested_remedy) == ("de", "refund")
    assert case.events.get(kind=CaseEvent.Kind.UPDATED).data["language"] == {"from": "en", "to": "de"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"priority": "asap"}, "priority"),
        ({"requested_remedy": "pony"}, "requested_remedy"),
        ({"language": "English!"}, "language"),
    ],
)
def test_edit_refuses_unknown_values(frozen, agent, kwargs, field):
    with pytest.raises(CaseRuleError) as exc:
        case_edit(case=CaseFactory(), actor=agent, **kwargs)
    assert exc.value.field == field


def test_edit_with_a_stale_version_is_refused(frozen, agent):
    case = CaseFactory()
    case_edit(case=case, actor=agent, priority="high")
    with pytest.raises(StaleCase):
        case_edit(case=case, actor=agent, expected_version=case.version, priority="low")


def test_orders_link_and_unlink(frozen, agent):
    case, order = CaseFactory(), OrderFactory()
    case_link_order(case=case, actor=agent, order=order)
    case_link_order(case=case, actor=agent, order=order)  # idempotent
    assert list(case.orders.all()) == [order]
    assert case.events.filter(kind=CaseEvent.Kind.ORDER_LINKED).count() == 1
    case_unlink_order(case=case, actor=agent, order=order)
    assert not case.orders.exists()
    with pytest.raises(CaseRuleError):
        case_unlink_order(case=case, actor=agent, order=order)


# --- Merge ----------------------------------------------------------------------------------------


def test_merge_moves_everything_to_the_survivor(frozen, agent):
    target = CaseFactory(opened_at=NOW, escalation_level=1, contact_count=1, conversation_ids=["1"])
    source = CaseFactory(
        opened_at=NOW - dt.timedelta(hours=2),
        escalation_level=2,
        contact_count=2,
        has_risk_words=True,
        conversation_ids=["2"],
        customer=target.customer,
    )
    tweet = TweetFactory(case=source)
    dm = DirectMessageFactory(case=source)
    order = OrderFactory()
    source.orders.add(order)
    promise = PromiseFactory(case=source)
    outbound = OutboundMessageFactory(case=source)
    old_event = CaseEvent.objects.create(case=source, kind=CaseEvent.Kind.NOTE, message="hi", created_at=NOW)

    survivor = case_merge(source=source, target=target, actor=agent)
    source.refresh_from_db()
    assert source.merged_into == survivor == target
    assert source.status == CaseStatus.CLOSED
    for row in (tweet, dm, promise, outbound, old_event):
        row.refresh_from_db()
        assert row.case_id == target.pk
    assert list(target.orders.all()) == [order] and not source.orders.exists()
    assert survivor.opened_at == NOW - dt.timedelta(hours=2)
    assert survivor.escalation_level == 2 and survivor.has_risk_words and survivor.contact_count == 3
    assert survivor.conversation_ids == ["1", "2"]
    assert survivor.events.filter(kind=CaseEvent.Kind.MERGED).exists()
    assert source.events.filter(kind=CaseEvent.Kind.MERGED).exists()
    assert Promise.objects.filter(case=target).count() == 1


def test_merge_refuses_itself_and_merged_cases(frozen, agent):
    a, b, c = CaseFactory(), CaseFactory(), CaseFactory()
    with pytest.raises(CaseRuleError):
        case_merge(source=a, target=a, actor=agent)
    case_merge(source=a, target=b, actor=agent)
    with pytest.raises(CaseRuleError):
        case_merge(source=a, target=c, actor=agent)
    with pytest.raises(CaseRuleError):
        case_merge(source=c, target=a, actor=agent)


# --- Notifications --------------------------------------------------------------------------------


def test_notifications_are_stored_and_mailed_after_commit(
    frozen, agent, mailoutbox, django_capture_on_commit_callbacks
):
    case = CaseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            users=[agent, agent.pk], case=case, kind=Notification.Kind.ESCALATED, message=f"{case} escalated"
        )
    assert [n.message for n in notifications_unread(agent)] == [f"{case} escalated"]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [agent.email]
    assert notifications_mark_read(user=agent) == 1
    assert not notifications_unread(agent).exists()


def test_no_mail_when_switched_off(frozen, agent, mailoutbox, settings, django_capture_on_commit_callbacks):
    settings.CRM_TWITTER = {**getattr(settings, "CRM_TWITTER", {}), "NOTIFY_BY_EMAIL": False}
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(users=[agent], case=CaseFactory(), kind=Notification.Kind.ASSIGNED, message="x")
    assert mailoutbox == [] and Notification.objects.count() == 1


def test_team_supervisors_address_gets_the_mail(frozen, make_team, mailoutbox, django_capture_on_commit_callbacks):
    team = make_team(agents=1)
    team.supervisors_email = "leads@example.com"
    team.save()
    case = CaseFactory(team=team, assignee=team.agents[0])
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(users=[team.agents[0]], case=case, kind=Notification.Kind.ESCALATED, message="up")
    assert {m.to[0] for m in mailoutbox} == {team.agents[0].email, "leads@example.com"}
