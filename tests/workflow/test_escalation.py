"""Escalation rules (each one), manual escalation, and the priority score behind the inbox order."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_twitter.classify.risk import risk_signals_find
from crm_twitter.models import CaseEvent, CaseStatus, Notification
from crm_twitter.services.case_inputs import MessageArrival, ResponseArrival
from crm_twitter.services.case_intake import case_messages_received, case_response_recorded
from crm_twitter.services.errors import CaseRuleError
from crm_twitter.services.escalation import case_escalate
from crm_twitter.services.priority import (
    PrioritySignals,
    priority_for_score,
    priority_score,
)
from tests.factories import CaseFactory, CustomerFactory

from .conftest import NOW


def _rules(case):
    return [e.data["rule"] for e in case.events.filter(kind=CaseEvent.Kind.ESCALATED).order_by("id")]


def _message(case, **kwargs):
    kwargs.setdefault("channel", "public")
    kwargs.setdefault("at", NOW)
    return case_messages_received(arrivals=[MessageArrival(case_id=case.pk, **kwargs)])[0]


# --- Rules ----------------------------------------------------------------------------------------


def test_executive_mention_escalates_to_its_level(frozen, open_case):
    case = open_case(text="@founder @brandhelp my refund is stuck", mentions_executive=True)
    assert case.escalation_level == 2 and _rules(case) == ["executive_mention"]


def test_executive_mention_in_a_later_message_escalates(frozen, open_case):
    case = _message(open_case(), text="cc @founder", mentions_executive=True)
    assert case.escalation_level == 2


def test_high_follower_reach_escalates(frozen, open_case):
    assert open_case(reach=10_000).escalation_level == 1
    assert open_case(reach=9_999).escalation_level == 0


def test_high_engagement_escalates(frozen, open_case):
    case = open_case(engagement=250)
    assert case.escalation_level == 1 and _rules(case) == ["reach"]


@pytest.mark.parametrize(
    ("text", "rule", "level"),
    [
        ("I'm going to file a chargeback", "risk_chargeback", 2),
        ("Opening a PayPal dispute today", "risk_payment_dispute", 2),
        ("我要找律师", "risk_legal", 3),
        ("Ich schalte meinen Anwalt ein", "risk_legal", 3),
        ("Je vais ouvrir un litige PayPal", "risk_payment_dispute", 2),
        ("消費者センターに相談します", "risk_regulator", 3),
        ("Vou reclamar no Procon", "risk_regulator", 3),
        ("Я напишу жалобу в Роспотребнадзор", "risk_regulator", 3),
        ("소비자원에 신고할 거예요", "risk_regulator", 3),
        ("سأرفع قضية في المحكمة", "risk_legal", 3),
        ("I'll open an A-to-z claim on Amazon", "risk_platform_claim", 2),
    ],
)
def test_each_kind_of_risk_signal_escalates_to_its_level(frozen, open_case, text, rule, level):
    case = open_case(text=text, language="")  # as a first-contact DM: no language known yet
    assert case.has_risk_words and rule.removeprefix("risk_") in case.risk_kind_list
    assert case.escalation_level == level and _rules(case) == [rule]


def test_a_later_message_with_a_new_kind_escalates_again(frozen, open_case):
    case = open_case(text="Chargeback if this isn't fixed")
    assert case.escalation_level == 2
    case = _message(case, text="And my lawyer will hear about it")
    assert case.escalation_level == 3 and _rules(case) == ["risk_chargeback", "risk_legal"]
    assert case.risk_kind_list == ["chargeback", "legal"]


def test_a_negated_threat_does_not_escalate(frozen, open_case):
    case = open_case(text="I'm not threatening a chargeback, I just want my parcel")
    assert not case.has_risk_words and case.escalation_level == 0


def test_a_kind_set_to_level_0_does_not_escalate(frozen, open_case, settings):
    settings.CRM_TWITTER = {"ESCALATION": {"RISK_PRESS_LEVEL": 0}}
    case = open_case(text="I'm sending this to the BBC and every journalist I know")
    assert case.risk_kind_list == ["press"] and case.escalation_level == 0


def test_public_nudge_on_a_case_in_dm_escalates(frozen, open_case):
    case = open_case()
    case_response_recorded(response=ResponseArrival(case_id=case.pk, at=NOW, channel="dm"))
    case = _message(case, text="@brandhelp answer my DM", is_public_nudge=True)
    assert case.escalation_level == 1 and _rules(case) == ["public_nudge"]
    assert case.events.filter(kind=CaseEvent.Kind.PUBLIC_NUDGE).exists()


def test_public_message_on_a_case_not_in_dm_is_no_nudge_escalation(frozen, open_case):
    case = _message(open_case(), text="hello?", is_public_nudge=True)
    assert case.escalation_level == 0 and case.public_nudge_count == 1


def test_each_rule_fires_once_per_case(frozen, open_case):
    case = open_case(mentions_executive=True)
    case = _message(case, text="@ceo again", mentions_executive=True)
    assert case.escalation_level == 2 and _rules(case) == ["executive_mention"]


def test_several_rules_climb_one_level_each_up_to_3(frozen, open_case):
    case = open_case(reach=20_000)  # reach → 1
    case = _message(case, text="chargeback incoming")  # risk words → max(2, 2) = 2
    assert case.escalation_level == 2
    case = _message(case, text="@founder", mentions_executive=True)  # → max(3, 2) = 3
    assert case.escalation_level == 3


def test_rules_never_escalate_closed_cases(frozen, open_case):
    case = CaseFactory(status=CaseStatus.RESOLVED, resolved_at=NOW, satisfaction_requested_at=NOW)
    case = _message(case, text="5", channel="dm")
    assert case.escalation_level == 0


def test_escalation_notifies_assignee_and_supervisors(
    frozen, open_case, make_team, mailoutbox, django_capture_on_commit_callbacks
):
    team = make_team(agents=1, supervisors=1)
    team.supervisors_email = "leads@example.com"
    team.save()
    with django_capture_on_commit_callbacks(execute=True):
        case = open_case(mentions_executive=True)
    assert "leads@example.com" in {m.to[0] for m in mailoutbox}
    users = set(
        Notification.objects.filter(case=case, kind=Notification.Kind.ESCALATED).values_list("user_id", flat=True)
    )
    assert users == {team.agents[0].pk, team.supervisors[0].pk}


# --- Manual ---------------------------------------------------------------------------------------


def test_manual_escalation_needs_a_reason(frozen, agent):
    with pytest.raises(CaseRuleError) as exc:
        case_escalate(case=CaseFactory(), actor=agent, reason="  ")
    assert exc.value.field == "reason"


def test_manual_escalation_goes_up_one_level_and_is_recorded(frozen, agent, make_team):
    team = make_team(agents=1, supervisors=1)
    case = CaseFactory(team=team, assignee=team.agents[0])
    case = case_escalate(case=case, actor=agent, reason="Journalist asking")
    assert case.escalation_level == 1 and case.escalation_reason == "Journalist asking"
    event = case.events.get(kind=CaseEvent.Kind.ESCALATED)
    assert event.actor == agent and event.data == {
        "rule": "manual",
        "from": 0,
        "level": 1,
        "reason": "Journalist asking",
        "version": case.version,  # the case version this change produced
    }
    assert Notification.objects.filter(case=case, kind=Notification.Kind.ESCALATED).count() == 2


def test_manual_escalation_to_a_level_and_back_down(frozen, supervisor):
    case = case_escalate(case=CaseFactory(), actor=supervisor, reason="Press", level=3)
    assert case.escalation_level == 3
    with pytest.raises(CaseRuleError):
        case_escalate(case=case, actor=supervisor, reason="more")
    case = case_escalate(case=case, actor=supervisor, reason="Calmed down", level=1)
    assert case.escalation_level == 1
    assert case.events.filter(kind=CaseEvent.Kind.DEESCALATED).exists()


@pytest.mark.parametrize("level", [-1, 4, "2"])
def test_levels_outside_0_to_3_are_refused(frozen, supervisor, level):
    with pytest.raises(CaseRuleError):
        case_escalate(case=CaseFactory(), actor=supervisor, reason="x", level=level)


def test_rule_escalation_through_the_service_never_lowers(frozen):
    case = CaseFactory(escalation_level=3)
    case = case_escalate(case=case, actor=None, reason="", rule="reach")
    assert case.escalation_level == 3


def test_closed_cases_cannot_be_escalated(frozen, supervisor):
    with pytest.raises(CaseRuleError):
        case_escalate(case=CaseFactory(status=CaseStatus.CLOSED), actor=supervisor, reason="x")


# --- Priority -------------------------------------------------------------------------------------


def test_score_adds_each_signal_with_its_weight():
    base = priority_score(PrioritySignals())
    assert base == 0
    assert priority_score(PrioritySignals(reach=5_000)) == 5
    assert priority_score(PrioritySignals(reach=10_000_000)) == 30  # capped
    assert priority_score(PrioritySignals(engagement=100)) == 5
    assert priority_score(PrioritySignals(age=dt.timedelta(hours=12))) == 3
    assert priority_score(PrioritySignals(contact_count=3)) == 10
    assert priority_score(PrioritySignals(public_nudges=2)) == 30
    assert priority_score(PrioritySignals(has_risk_words=True)) == 25
    assert priority_score(PrioritySignals(is_vip=True)) == 20


def test_weights_and_thresholds_are_settings(settings):
    settings.CRM_TWITTER = {"PRIORITY_WEIGHTS": {"vip": 100}, "PRIORITY_THRESHOLDS": {"urgent": 90}}
    assert priority_score(PrioritySignals(is_vip=True)) == 100
    assert priority_for_score(95) == "urgent"
    assert priority_for_score(89) == "high"


@pytest.mark.parametrize(
    ("score", "priority"), [(0, "normal"), (29, "normal"), (30, "high"), (59, "high"), (60, "urgent")]
)
def test_score_maps_to_priority(score, priority):
    assert priority_for_score(score) == priority


def test_vip_and_risk_words_make_a_case_high(frozen, open_case):
    vip = CustomerFactory(is_vip=True)
    case = open_case(customer=vip, text="Where is my refund? Chargeback next.")
    assert case.priority_score == 45 and case.priority == "high"


def test_repeated_contact_and_nudges_raise_priority_but_never_lower_it(frozen, open_case):
    case = open_case()
    case_response_recorded(response=ResponseArrival(case_id=case.pk, at=NOW, channel="dm"))
    case = _message(case, text="??", is_public_nudge=True)
    case = _message(case, text="???", is_public_nudge=True)
    assert case.priority == "high"
    assert case.events.filter(kind=CaseEvent.Kind.PRIORITY_CHANGED).exists()
    from crm_twitter.services.case_edits import case_edit

    case = case_edit(case=case, actor=None, priority="low")
    case = _message(case, text="ok thanks", channel="dm")
    assert case.priority == "high"  # the score still says high: rules raise back, a person's low is not sticky


def test_risk_signals_are_found_as_words_not_inside_other_words():
    assert [r.kind for r in risk_signals_find("I will SUE you, chargeback!")] == ["legal", "chargeback"]
    assert risk_signals_find("the suede boots are lovely") == []
    assert risk_signals_find("my order 4412315990 is late") == []
    assert {r.kind for r in risk_signals_find("我要投诉到消协")} == {"regulator"}
