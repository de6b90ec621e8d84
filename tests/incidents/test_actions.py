"""Acting on an incident (issue #19): the public status update, a reply to every linked customer,
resolve all, merge, unlink, close — each case keeping its own events, ineligible cases reported,
supervisors only, a stale page refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError

from crm_twitter.models import (
    CaseEvent,
    CaseStatus,
    Incident,
    IncidentCase,
    IncidentEvent,
    OutboundMessage,
    Tweet,
)
from crm_twitter.services import incidents as svc
from crm_twitter.services.compose import outbound_cancel, outbound_retry
from crm_twitter.services.errors import CaseRuleError, ComposeRefused, NotPermitted, StaleCase
from crm_twitter.x.outbound import outbound_drain
from tests.factories import BrandAccountFactory, CaseFactory, OrderFactory
from tests.incidents.action_builders import case_with_mention, incident_make

pytestmark = pytest.mark.django_db

POST = "POST /2/tweets"


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.CRM_TWITTER = {**settings.CRM_TWITTER, "OUTBOUND_BACKOFF_SECONDS": 0, "OUTBOUND_MAX_BACKOFF_SECONDS": 0}


@pytest.fixture
def account(db):
    return BrandAccountFactory(handle="shophelp")


# --- status update ---------------------------------------------------------------------------------


def test_the_draft_is_in_the_language_most_linked_customers_write_in(account, supervisor):
    cases = [case_with_mention(account, language=lang) for lang in ("es", "es", "pt", "en")]
    incident = incident_make(account, cases, title="Retraso · Correos · ES")

    draft = svc.incident_status_update_draft(incident=incident, actor=supervisor)

    assert draft.startswith("Sabemos que algunos")
    assert "Retraso · Correos · ES" in draft


def test_the_preview_refuses_private_data_of_a_linked_case_and_shows_the_post_price(account):
    case = case_with_mention(account)
    case.orders.add(OrderFactory(order_number="40001234"))
    incident = incident_make(account, [case])

    leaking = svc.incident_status_update_preview(incident=incident, text="Order 40001234 is delayed, sorry")
    fine = svc.incident_status_update_preview(incident=incident, text="Some DHL parcels to Brazil are delayed.")
    too_long = svc.incident_status_update_preview(incident=incident, text="x" * 281)

    assert (leaking.ok, leaking.error_code) == (False, "private_data")
    assert fine.ok and fine.estimated_cost == Decimal("0.015") and fine.resource_kind == "post_create"
    assert not too_long.ok and too_long.weighted_length == 281


def test_the_status_update_is_one_public_post_sent_once_even_when_the_drain_runs_twice(sandbox, supervisor):
    account = sandbox.brand_account("shophelp")
    incident = incident_make(account, [case_with_mention(account, sandbox=sandbox)])
    version = incident.version

    message = svc.incident_status_update_post(
        incident=incident, actor=supervisor, text="Some DHL parcels to Brazil are delayed.", expected_version=version
    )
    assert (message.case_id, message.incident_id, message.channel) == (None, incident.pk, "post")
    assert incident.version == version + 1

    outbound_drain()
    outbound_drain()

    [post] = sandbox.state.posts
    assert post["text"] == "Some DHL parcels to Brazil are delayed."
    assert "in_reply_to_user_id" not in post or not post["in_reply_to_user_id"]
    message.refresh_from_db()
    assert (message.status, message.x_id) == ("sent", post["id"])
    states = list(
        IncidentEvent.objects.filter(incident=incident, kind=IncidentEvent.Kind.STATUS_UPDATE).values_list(
            "data__state", flat=True
        )
    )
    assert states == ["queued", "sent"]
    tweet = Tweet.objects.get(x_id=post["id"])
    assert tweet.case_id is None and tweet.sent_via_desk


def test_a_status_update_that_timed_out_after_x_posted_it_is_found_not_posted_again(sandbox, supervisor):
    account = sandbox.brand_account("shophelp")
    incident = incident_make(account, [case_with_mention(account, sandbox=sandbox)])
    message = svc.incident_status_update_post(incident=incident, actor=supervisor, text="We are on the DHL delays.")
    sandbox.faults.timeout_after_processing(POST)

    outbound_drain()
    message.refresh_from_db()
    assert (message.status, message.ambiguous) == ("queued", True)
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
    outbound_drain()
    outbound_drain()

    message.refresh_from_db()
    [post] = sandbox.state.posts
    assert (message.status, message.x_id) == ("sent", post["id"])
    assert len(sandbox.state.requests_to(POST)) == 1
    sent = IncidentEvent.objects.get(incident=incident, data__state="sent")
    assert sent.data["found_on_x"] is True


def test_a_status_update_x_refuses_fails_on_the_incident_without_touching_any_case(sandbox, supervisor):
    account = sandbox.brand_account("shophelp")
    case = case_with_mention(account, sandbox=sandbox)
    incident = incident_make(account, [case])
    sandbox.state.tweet(sandbox.state.users[account.x_user_id], "We are on the DHL delays.")
    message = svc.incident_status_update_post(incident=incident, actor=supervisor, text="We are on the DHL delays.")

    outbound_drain()

    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "duplicate")
    assert IncidentEvent.objects.filter(incident=incident, data__state="failed").count() == 1
    assert not CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.REPLY_FAILED).exists()


def test_a_queued_status_update_can_be_cancelled_but_is_not_retried_outside_its_incident(account, supervisor):
    incident = incident_make(account, [case_with_mention(account)])
    message = svc.incident_status_update_post(incident=incident, actor=supervisor, text="Delays with DHL")

    outbound_cancel(message=message, actor=supervisor)

    assert OutboundMessage.objects.get(pk=message.pk).status == "cancelled"
    assert IncidentEvent.objects.filter(incident=incident, data__state="cancelled").count() == 1
    OutboundMessage.objects.filter(pk=message.pk).update(status="failed")
    message.refresh_from_db()
    with pytest.raises(ComposeRefused) as refused:
        outbound_retry(message=message, actor=supervisor)
    assert refused.value.code == "incident_status_update"


@pytest.mark.parametrize("who", ["agent", "manager"])
def test_only_supervisors_may_act_on_an_incident(account, who, request):
    actor = request.getfixturevalue(who)
    incident = incident_make(account, [case_with_mention(account)])
    with pytest.raises(NotPermitted):
        svc.incident_status_update_post(incident=incident, actor=actor, text="Delays with DHL")
    with pytest.raises(NotPermitted):
        svc.incident_resolve_all(incident=incident, actor=actor, outcome="information_only")
    with pytest.raises(NotPermitted):
        svc.incident_close(incident=incident, actor=actor, root_cause="DHL customs strike")
    assert not OutboundMessage.objects.exists()
    assert Incident.objects.get(pk=incident.pk).version == incident.version


def test_an_action_from_a_stale_page_is_refused_with_the_current_version(account, supervisor):
    incident = incident_make(account, [case_with_mention(account)])
    seen = incident.version
    svc.incident_status_update_post(incident=incident, actor=supervisor, text="Delays with DHL", expected_version=seen)

    with pytest.raises(StaleCase) as refused:
        svc.incident_close(
            incident=Incident.objects.get(pk=incident.pk), actor=supervisor, root_cause="x", expected_version=seen
        )
    assert refused.value.current_version == seen + 1
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.OPEN


# --- reply to every linked customer -------------------------------------------------------------------


def test_the_reply_plan_renders_each_customers_language_and_lists_who_is_left_out_and_why(account):
    es = case_with_mention(account, language="es", handle="lucia")
    de = case_with_mention(account, language="de", handle="jonas")
    resolved = case_with_mention(account, status=CaseStatus.RESOLVED)
    no_mention = CaseFactory(brand_account=account)  # never mentioned the brand: X refuses a reply
    merged = case_with_mention(account, merged_into=es)
    incident = incident_make(account, [es, de, resolved, no_mention, merged])

    plan = svc.incident_reply_plan(incident=incident, channel="public")

    texts = {reply.case_id: reply.text for reply in plan.replies}
    assert texts[es.pk].startswith("Hola @lucia")
    assert texts[de.pk].startswith("Hallo @jonas")
    assert plan.count == 2 and plan.total_cost == Decimal("0.020")
    reasons = dict(plan.skipped)
    assert reasons[resolved.pk] == "Already resolved."
    assert "mentions @shophelp" in reasons[no_mention.pk]
    assert reasons[merged.pk] == f"Merged into case #{es.pk}."


def test_a_dm_plan_leaves_out_customers_who_refuse_dms(account):
    open_dms = case_with_mention(account, language="fr")
    closed_dms = case_with_mention(account)
    closed_dms.customer_x_user.accepts_dms = False
    closed_dms.customer_x_user.save()
    incident = incident_make(account, [open_dms, closed_dms])

    plan = svc.incident_reply_plan(incident=incident, channel="dm")

    [reply] = plan.replies
    assert reply.case_id == open_dms.pk and reply.text.startswith("Bonjour")
    assert plan.total_cost == Decimal("0.015")
    assert "does not accept DMs" in dict(plan.skipped)[closed_dms.pk]


def test_reply_all_queues_one_reply_per_case_with_its_own_event_and_refuses_a_changed_total(account, supervisor):
    cases = [case_with_mention(account, language=lang) for lang in ("en", "ja", "zh")]
    incident = incident_make(account, cases)
    plan = svc.incident_reply_plan(incident=incident, channel="public")

    with pytest.raises(StaleCase) as changed:
        svc.incident_reply_all(
            incident=incident,
            actor=supervisor,
            channel="public",
            template_id=None,
            confirmed_total_cost=Decimal("0.01"),
        )
    assert changed.value.code == "plan_changed" and "0.030" in changed.value.message
    assert not OutboundMessage.objects.exists()

    result = svc.incident_reply_all(
        incident=incident,
        actor=supervisor,
        channel="public",
        template_id=None,
        confirmed_total_cost=plan.total_cost,
        expected_version=incident.version,
    )

    assert sorted(result.done) == sorted(c.pk for c in cases) and result.skipped == ()
    for case in cases:
        message = OutboundMessage.objects.get(case=case)
        assert message.incident_id == incident.pk and message.status == "queued"
        assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.REPLY_QUEUED).count() == 1
    event = IncidentEvent.objects.get(incident=incident, kind=IncidentEvent.Kind.CUSTOMERS_REPLIED)
    assert (event.data["queued"], event.data["total_cost"]) == (3, "0.030")

    again = svc.incident_reply_plan(incident=incident, channel="dm")
    assert again.count == 0 and {reason for _pk, reason in again.skipped} == {"Already replied to for this incident."}


def test_queuing_200_replies_sends_no_faster_than_the_accounts_post_limit(sandbox, supervisor):
    """The drain sends until X answers 429, then leaves the account's messages for after X's reset."""
    account = sandbox.brand_account("shophelp")
    sandbox.state.set_rate_limit(POST, 50)
    cases = [case_with_mention(account, sandbox=sandbox) for _ in range(200)]
    incident = incident_make(account, cases)
    plan = svc.incident_reply_plan(incident=incident, channel="public")
    assert plan.count == 200

    svc.incident_reply_all(
        incident=incident, actor=supervisor, channel="public", template_id=None, confirmed_total_cost=plan.total_cost
    )
    outbound_drain(limit=100)
    outbound_drain(limit=100)
    outbound_drain(limit=100)

    assert len(sandbox.state.posts) == 50
    assert OutboundMessage.objects.filter(status="sent").count() == 50
    assert OutboundMessage.objects.filter(status="queued").count() == 150
    assert not OutboundMessage.objects.filter(status="failed").exists()
    refused = [r for r in sandbox.state.requests_to(POST) if r.get("status") == 429]
    assert 1 <= len(refused) <= 3  # one probe per drain run, not one per message


# --- resolve all -------------------------------------------------------------------------------------


def test_resolve_all_resolves_each_eligible_case_with_its_own_events_and_reports_the_rest(account, supervisor):
    open_cases = [case_with_mention(account) for _ in range(3)]
    already = case_with_mention(account, status=CaseStatus.CLOSED)
    incident = incident_make(account, [*open_cases, already])

    result = svc.incident_resolve_all(
        incident=incident, actor=supervisor, outcome="reship", note="Reshipped with another carrier"
    )

    assert sorted(result.done) == sorted(c.pk for c in open_cases)
    assert result.skipped == ((already.pk, "Already closed."),)
    for case in open_cases:
        case.refresh_from_db()
        assert (case.status, case.outcome) == ("resolved", "reship")
        assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.OUTCOME_RECORDED).count() == 1
    event = IncidentEvent.objects.get(incident=incident, kind=IncidentEvent.Kind.CASES_RESOLVED)
    assert (event.data["resolved"], event.data["skipped"]) == (3, 1)


def test_one_case_refusing_does_not_undo_the_others(account, supervisor, monkeypatch):
    first, refusing, broken, last = (case_with_mention(account) for _ in range(4))
    incident = incident_make(account, [first, refusing, broken, last])
    real = svc.case_resolve

    def resolve(*, case, **kwargs):
        if case.pk == refusing.pk:
            raise CaseRuleError("A colleague moved this case meanwhile.")
        if case.pk == broken.pk:
            raise DatabaseError("deadlock detected")
        return real(case=case, **kwargs)

    monkeypatch.setattr(svc, "case_resolve", resolve)
    result = svc.incident_resolve_all(incident=incident, actor=supervisor, outcome="information_only")

    assert sorted(result.done) == sorted([first.pk, last.pk])
    assert result.skipped[0] == (refusing.pk, "A colleague moved this case meanwhile.")
    assert result.skipped[1][0] == broken.pk and "database error" in result.skipped[1][1]
    refusing.refresh_from_db()
    assert refusing.status == "new"
    event = IncidentEvent.objects.get(incident=incident, kind=IncidentEvent.Kind.CASES_RESOLVED)
    assert (event.data["resolved"], event.data["skipped"]) == (2, 2)


def test_resolve_all_refuses_an_invalid_outcome_before_touching_any_case(account, supervisor):
    case = case_with_mention(account)
    incident = incident_make(account, [case])
    with pytest.raises(CaseRuleError):
        svc.incident_resolve_all(incident=incident, actor=supervisor, outcome="refund")  # no amount
    case.refresh_from_db()
    assert case.status == "new"
    assert not IncidentEvent.objects.filter(incident=incident).exists()


# --- merge, unlink, close -------------------------------------------------------------------------------


def test_merge_moves_the_links_without_duplicates_and_records_it_on_both(account, supervisor):
    shared, only_source, only_target = (case_with_mention(account) for _ in range(3))
    source = incident_make(account, [shared, only_source])
    target = incident_make(account, [shared, only_target])

    svc.incident_merge(incident=source, into=target, actor=supervisor)

    source.refresh_from_db()
    target.refresh_from_db()
    assert (source.status, source.merged_into_id, source.case_count) == ("merged", target.pk, 0)
    assert set(IncidentCase.objects.filter(incident=target).values_list("case_id", flat=True)) == {
        shared.pk,
        only_source.pk,
        only_target.pk,
    }
    assert target.case_count == 3
    assert IncidentEvent.objects.filter(kind=IncidentEvent.Kind.MERGED).count() == 2
    assert CaseEvent.objects.filter(case=only_source, kind=CaseEvent.Kind.INCIDENT_LINKED).count() == 1


def test_merge_refuses_another_brand_account_or_a_closed_incident(account, supervisor):
    source = incident_make(account, [case_with_mention(account)])
    other = incident_make(BrandAccountFactory(), [])
    closed = incident_make(account, [], status=Incident.Status.CLOSED)
    with pytest.raises(CaseRuleError, match="same brand account"):
        svc.incident_merge(incident=source, into=other, actor=supervisor)
    with pytest.raises(CaseRuleError, match="closed"):
        svc.incident_merge(incident=source, into=closed, actor=supervisor)
    source.refresh_from_db()
    assert source.status == "open" and source.case_count == 1


def test_unlinking_a_case_tells_the_case_and_recounts(account, supervisor):
    keep, drop = case_with_mention(account), case_with_mention(account)
    incident = incident_make(account, [keep, drop])

    svc.incident_unlink_case(incident=incident, case=drop, actor=supervisor)

    assert incident.case_count == 1
    assert list(IncidentCase.objects.filter(incident=incident).values_list("case_id", flat=True)) == [keep.pk]
    assert CaseEvent.objects.filter(case=drop, kind=CaseEvent.Kind.INCIDENT_UNLINKED).count() == 1
    with pytest.raises(CaseRuleError, match="not linked"):
        svc.incident_unlink_case(incident=incident, case=drop, actor=supervisor)


def test_close_needs_a_bounded_root_cause_and_then_refuses_further_actions(account, supervisor):
    incident = incident_make(account, [case_with_mention(account)])
    with pytest.raises(CaseRuleError, match="caused"):
        svc.incident_close(incident=incident, actor=supervisor, root_cause="   ")
    with pytest.raises(CaseRuleError, match="at most"):
        svc.incident_close(incident=incident, actor=supervisor, root_cause="x" * (svc.ROOT_CAUSE_MAX_LENGTH + 1))

    svc.incident_close(incident=incident, actor=supervisor, root_cause="DHL customs strike in São Paulo")

    incident.refresh_from_db()
    assert (incident.status, incident.closed_by_id, incident.root_cause) == (
        "closed",
        supervisor.pk,
        "DHL customs strike in São Paulo",
    )
    assert incident.closed_at is not None
    assert IncidentEvent.objects.filter(incident=incident, kind=IncidentEvent.Kind.CLOSED).count() == 1
    with pytest.raises(CaseRuleError) as refused:
        svc.incident_status_update_post(incident=incident, actor=supervisor, text="Delays with DHL")
    assert refused.value.code == "incident_not_open"
    with pytest.raises(CaseRuleError, match="closed"):
        svc.incident_resolve_all(incident=incident, actor=supervisor, outcome="information_only")
