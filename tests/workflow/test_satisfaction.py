"""The satisfaction survey: parsing answers in six languages and storing the rating."""

from __future__ import annotations

import sys
import types

import pytest

from crm_twitter.models import CaseEvent, CaseStatus
from crm_twitter.services.case_inputs import MessageArrival
from crm_twitter.services.case_intake import case_messages_received
from crm_twitter.services.lifecycle import case_resolve
from crm_twitter.services.satisfaction import satisfaction_parse
from tests.factories import CaseFactory

from .conftest import NOW


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("5", 5),
        ("1", 1),
        (" 3 ", 3),
        ("４", 4),
        ("4/5", 4),
        ("2 / 5", 2),
        ("3 out of 5", 3),
        ("4 von 5", 4),
        ("4 sur 5", 4),
        ("5 stars", 5),
        ("5分", 5),
        ("★★★★☆", 4),
        ("★★☆☆☆", 2),
        ("⭐⭐⭐⭐⭐", 5),
        ("⭐⭐⭐", 3),
        ("5️⃣", 5),
        ("3️⃣", 3),
        ("five", 5),
        ("cuatro", 4),
        ("Excellent!", 5),
        ("great job, thanks", 5),
        ("good", 4),
        ("not good", 2),
        ("not bad", 3),
        ("terrible", 1),
        ("非常满意", 5),
        ("满意", 4),
        ("不满意", 2),
        ("一般", 3),
        ("很差", 1),
        ("muy bien", 4),
        ("excelente", 5),
        ("pésimo", 1),
        ("regular", 3),
        ("sehr gut", 5),
        ("gut", 4),
        ("geht so", 3),
        ("schlecht", 2),
        ("sehr schlecht", 1),
        ("très bien", 4),
        ("excellent service", 5),
        ("pas satisfait", 2),
        ("nul", 1),
        ("とても満足", 5),
        ("満足", 4),
        ("まあまあ", 3),
        ("最悪", 1),
    ],
)
def test_answers_are_understood(text, score):
    assert satisfaction_parse(text) == score


@pytest.mark.parametrize(
    "text",
    [
        "",
        "thanks",
        "10",
        "0",
        "6/5",
        "3 or 4",
        "good but bad",
        "☆☆☆☆☆",
        "⭐⭐⭐⭐⭐⭐",
        "order 40001234",
        "I gave 2 stars to the courier and 5 to you",
    ],
)
def test_unsure_answers_return_none(text):
    assert satisfaction_parse(text) is None


def test_a_short_dm_reply_after_the_survey_is_stored_without_reopening(frozen):
    case = CaseFactory(status=CaseStatus.RESOLVED, resolved_at=NOW, satisfaction_requested_at=NOW)
    [same] = case_messages_received(arrivals=[MessageArrival(case_id=case.pk, at=NOW, channel="dm", text="⭐⭐⭐⭐")])
    assert same.status == CaseStatus.RESOLVED and same.satisfaction == 4
    assert same.events.get(kind=CaseEvent.Kind.SATISFACTION).data == {"score": 4, "version": same.version}


def test_a_long_message_after_the_survey_reopens_instead(frozen):
    case = CaseFactory(status=CaseStatus.RESOLVED, resolved_at=NOW, satisfaction_requested_at=NOW)
    [same] = case_messages_received(
        arrivals=[
            MessageArrival(
                case_id=case.pk,
                at=NOW,
                channel="dm",
                text="1 problem remains: the replacement is also broken and I want my money back now",
            )
        ]
    )
    assert same.status != CaseStatus.RESOLVED and same.satisfaction is None


def test_no_rating_without_a_survey(frozen):
    case = CaseFactory(status=CaseStatus.RESOLVED, resolved_at=NOW)
    [same] = case_messages_received(arrivals=[MessageArrival(case_id=case.pk, at=NOW, channel="dm", text="5")])
    assert same.satisfaction is None and same.status != CaseStatus.RESOLVED


@pytest.fixture
def fake_outbound(monkeypatch):
    """Stand-ins for the outbound helper's compose/templates modules."""
    sent = []
    compose = types.ModuleType("crm_twitter.services.compose")
    templates = types.ModuleType("crm_twitter.services.templates")
    compose.reply_compose = lambda **kw: sent.append(kw)
    templates.template_choose = lambda **kw: types.SimpleNamespace(language=kw["language"])
    templates.template_render = lambda **kw: "How did we do? Reply 1-5"
    monkeypatch.setitem(sys.modules, "crm_twitter.services.compose", compose)
    monkeypatch.setitem(sys.modules, "crm_twitter.services.templates", templates)
    return sent


def test_resolution_queues_the_survey_dm_after_commit(frozen, agent, fake_outbound, django_capture_on_commit_callbacks):
    case = CaseFactory(status=CaseStatus.IN_DM)
    with django_capture_on_commit_callbacks(execute=True):
        case_resolve(case=case, actor=agent, outcome="reship")
    assert len(fake_outbound) == 1 and fake_outbound[0]["channel"] == "dm"
    case.refresh_from_db()
    assert case.satisfaction_requested_at == NOW


def test_no_survey_when_switched_off(frozen, agent, fake_outbound, settings, django_capture_on_commit_callbacks):
    settings.CRM_TWITTER = {**getattr(settings, "CRM_TWITTER", {}), "SATISFACTION_SURVEY": False}
    with django_capture_on_commit_callbacks(execute=True):
        case_resolve(case=CaseFactory(), actor=agent, outcome="reship")
    assert fake_outbound == []


def test_a_refused_survey_never_undoes_the_resolution(frozen, agent, fake_outbound, django_capture_on_commit_callbacks):
    from crm_twitter.services.errors import ComposeRefused

    def refuse(**kw):
        raise ComposeRefused("DMs closed")

    sys.modules["crm_twitter.services.compose"].reply_compose = refuse
    case = CaseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        case_resolve(case=case, actor=agent, outcome="reship")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.satisfaction_requested_at is None


def test_the_survey_is_asked_once_when_queued_twice(frozen, agent, fake_outbound, django_capture_on_commit_callbacks):
    """A retried task or a double click must not DM the customer the same question twice."""
    from crm_twitter.services.satisfaction import satisfaction_survey_queue

    case = CaseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        case_resolve(case=case, actor=agent, outcome="reship")
    assert satisfaction_survey_queue(case_id=case.pk, actor=agent) is False
    assert len(fake_outbound) == 1


def test_a_refused_survey_is_one_log_line_without_a_traceback(
    frozen, agent, fake_outbound, django_capture_on_commit_callbacks, caplog
):
    """`make run`'s demo load printed the refusal with a traceback, which reads like a crash."""
    import logging

    from crm_twitter.services.errors import ComposeRefused

    def refuse(**kw):
        raise ComposeRefused("@julien_martin does not accept DMs from @NovaShopEU")

    sys.modules["crm_twitter.services.compose"].reply_compose = refuse
    case = CaseFactory()
    with caplog.at_level(logging.INFO, logger="crm_twitter"), django_capture_on_commit_callbacks(execute=True):
        case_resolve(case=case, actor=agent, outcome="reship")
    (record,) = [r for r in caplog.records if "satisfaction survey" in r.getMessage()]
    assert record.exc_info is None and record.levelno < logging.WARNING
    assert "does not accept DMs" in record.getMessage()
