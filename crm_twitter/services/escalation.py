"""Escalation: levels 0–3 that tell supervisors a case is at risk of going over our heads.

Raised manually (with a reason) or by rule. The rules and their levels live in the
``ESCALATION`` setting: an executive account mentioned, a promise missed, an SLA breached, a
public nudge on a case already in DM, reach above a threshold (followers or engagement), and
one rule per kind of risk signal (chargeback, payment dispute, legal, regulator, press,
marketplace claim — ``crm_twitter.classify.risk``). A rule fires once per case; when it fires the
level becomes max(current + 1, the rule's level), at most 3 — so each new reason to worry
raises the case, and a case that collects several reasons reaches 3. A rule level of 0 turns
the rule off. Rules never lower a level; only a person can (``case_escalate`` with a lower level).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils import timezone

from crm_twitter.conf import app_settings
from crm_twitter.models import OPEN_STATUSES, Case, CaseEvent, Notification
from crm_twitter.roles import user_may_lower_escalations
from crm_twitter.services.errors import CaseRuleError, NotPermitted

MAX_LEVEL = 3

RULES: dict[str, tuple[str, str]] = {
    "executive_mention": ("EXECUTIVE_MENTION_LEVEL", "Executive account mentioned"),
    "promise_missed": ("PROMISE_MISSED_LEVEL", "Promise missed"),
    "sla_breached": ("SLA_BREACH_LEVEL", "SLA breached"),
    "public_nudge": ("PUBLIC_NUDGE_LEVEL", "Public nudge on a case in DM"),
    "reach": ("REACH_LEVEL", "High reach"),
    "risk_chargeback": ("RISK_CHARGEBACK_LEVEL", "Chargeback through the bank or card issuer announced"),
    "risk_payment_dispute": ("RISK_PAYMENT_DISPUTE_LEVEL", "Payment-provider dispute announced (PayPal, Klarna…)"),
    "risk_platform_claim": ("RISK_PLATFORM_CLAIM_LEVEL", "Marketplace claim announced (A-to-z, eBay, AliExpress…)"),
    "risk_legal": ("RISK_LEGAL_LEVEL", "Lawyer, lawsuit or police mentioned"),
    "risk_regulator": ("RISK_REGULATOR_LEVEL", "Regulator or consumer body mentioned"),
    "risk_press": ("RISK_PRESS_LEVEL", "Press or media mentioned"),
}


def risk_rules(kinds: Iterable[str]) -> list[str]:
    """The escalation rules of the risk-signal kinds found in a message, in a stable order."""
    wanted = {f"risk_{k}" for k in kinds}
    return [rule for rule in RULES if rule in wanted]


@dataclass(frozen=True)
class EscalationStep:
    rule: str
    from_level: int
    to_level: int
    reason: str


def rule_level(rule: str) -> int:
    setting, _ = RULES[rule]
    return max(0, min(MAX_LEVEL, int(app_settings.ESCALATION.get(setting, 0) or 0)))


def level_after_rule(current: int, rule: str) -> int:
    """max(current + 1, the rule's level), at most 3 — the level formula (see the module docstring)."""
    return min(MAX_LEVEL, max(current + 1, rule_level(rule)))


def next_escalation_level(current: int, rule: str) -> int | None:
    """The level a case at ``current`` reaches when ``rule`` fires for it the first time, or None
    when the rule moves nothing (turned off, or the case is already at the top).

    The one escalation rule: the single-case path, the batch intake (``rules_apply``), the SLA
    sweep and the demo history all ask it. Pure: whether the rule already fired for the case is
    the caller's to know (``rules_fired``).
    """
    if rule_level(rule) == 0 or current >= MAX_LEVEL:
        return None
    new = level_after_rule(current, rule)
    return new if new > current else None


def escalation_step(current: int, rule: str) -> EscalationStep | None:
    """``next_escalation_level`` as a step (from, to, reason) for events and notifications."""
    new = next_escalation_level(current, rule)
    return None if new is None else EscalationStep(rule, current, new, RULES[rule][1])


def step_message(step: EscalationStep) -> str:
    """The timeline line of an escalation by rule."""
    return f"{step.reason}: escalated to level {step.to_level}"


def escalation_notice(case_label: str, *, level: int, reason: str) -> str:
    """The ESCALATED notification's line, whichever path escalated (single change, batch intake,
    SLA sweep): one wording, which ``notification_text`` recognises to translate it for the reader."""
    return f"{case_label} escalated to level {level}: {reason}"


def step_data(step: EscalationStep) -> dict:
    """The ESCALATED event's data (``rules_fired`` reads ``rule`` back from it)."""
    return {"rule": step.rule, "from": step.from_level, "level": step.to_level, "reason": step.reason}


def reach_exceeds(*, reach: int, engagement: int = 0) -> bool:
    """High reach: followers or engagement on the complaint at or above the ``ESCALATION`` thresholds."""
    esc = app_settings.ESCALATION
    followers = int(esc.get("REACH_FOLLOWERS") or 0)
    engaged = int(esc.get("REACH_ENGAGEMENT") or 0)
    return bool((followers and reach >= followers) or (engaged and engagement >= engaged))


def rules_fired(case_ids: Sequence[int]) -> dict[int, set[str]]:
    """The rules that already escalated each case (one query)."""
    out: dict[int, set[str]] = defaultdict(set)
    if not case_ids:
        return out
    # ``kind || ''`` keeps the planner on the (case, created_at) index: a handful of events per
    # case. Matching ``kind`` directly lets SQLite (no statistics unless ANALYZE ran) pick the
    # (kind, created_at) index and scan every escalation ever recorded — on each ingest page.
    events = CaseEvent.objects.alias(kind_text=Concat("kind", Value(""))).filter(
        case_id__in=list(case_ids), kind_text=CaseEvent.Kind.ESCALATED
    )
    for case_id, data in events.order_by().values_list("case_id", "data"):
        if isinstance(data, dict) and data.get("rule"):
            out[case_id].add(data["rule"])
    return out


class FiredRules:
    """``rules_fired`` for a batch of cases, read on first use.

    Most customer messages trigger no escalation rule, so most ingest pages never need to know
    which rules already fired; when one does, the whole batch is read in the same one query.
    """

    def __init__(self, case_ids: Iterable[int]) -> None:
        self._case_ids = list(case_ids)
        self._fired: dict[int, set[str]] | None = None

    def __getitem__(self, case_id: int) -> set[str]:
        if self._fired is None:
            self._fired = rules_fired(self._case_ids)
        return self._fired[case_id]


def rules_apply(case: Case, rules: Iterable[str], *, fired: set[str]) -> list[EscalationStep]:
    """Apply rules to the case in memory; returns the steps taken (for events and notifications)."""
    steps: list[EscalationStep] = []
    if case.status not in OPEN_STATUSES:
        return steps
    for rule in rules:
        if rule in fired or rule_level(rule) == 0 or case.escalation_level >= MAX_LEVEL:
            continue
        fired.add(rule)
        step = escalation_step(case.escalation_level, rule)
        if step is None:
            continue
        steps.append(step)
        case.escalation_level = step.to_level
        case.escalation_reason = step.reason
    return steps


def step_event(case: Case, step: EscalationStep, *, actor=None, at=None) -> CaseEvent:
    """An unsaved ESCALATED event for a step (bulk callers bulk_create them)."""
    return CaseEvent(
        case_id=case.pk,
        actor_id=getattr(actor, "pk", actor),
        kind=CaseEvent.Kind.ESCALATED,
        message=step_message(step),
        data=step_data(step),
        created_at=at or timezone.now(),
    )


def case_escalate(
    *,
    case: Case,
    actor,
    reason: str,
    level: int | None = None,
    rule: str = "manual",
    expected_version: int | None = None,
) -> Case:
    """Raise (or, manually, lower) a case's escalation level and tell assignee and supervisors.

    ``level=None`` means one step up. A manual change needs a reason; lowering the level is a
    supervisor's call, whoever asks (inbox, API, admin). A rule (``rule`` one of ``RULES``) fires
    once per case and never lowers the level. ``expected_version`` is the case
    version the person saw: "one step up" from an outdated picture is refused, not guessed.
    """
    from crm_twitter.services.case_writes import case_lock, case_save, event_add
    from crm_twitter.services.notifications import case_watchers_ids, notification_send

    reason = (reason or "").strip()
    if rule == "manual" and not reason:
        raise CaseRuleError("Say why the case is escalated.", field="reason", code="reason_required")
    if rule != "manual" and rule not in RULES:
        raise CaseRuleError(f"Unknown escalation rule {rule!r}.", field="rule", code="unknown_rule")
    if level is not None and (not isinstance(level, int) or not 0 <= level <= MAX_LEVEL):
        raise CaseRuleError("Escalation levels go from 0 to 3.", field="level", code="invalid_level")
    with transaction.atomic():
        case = case_lock(case, expected_version=expected_version, actor=actor)
        if case.status not in OPEN_STATUSES:
            raise CaseRuleError(
                f"{case} is not open; reopen it before escalating.", field="level", code="case_not_open"
            )
        current = case.escalation_level
        if rule != "manual":
            if rule in rules_fired([case.pk])[case.pk]:
                return case
            # next_escalation_level is None when the rule is off (or the case is at the top).
            target = (next_escalation_level(current, rule) or current) if level is None else max(level, current)
        else:
            target = current + 1 if level is None else level
            if target > MAX_LEVEL:
                raise CaseRuleError(
                    "The case is already at the highest escalation level.", field="level", code="max_level"
                )
            if target == current:
                raise CaseRuleError(f"The case is already at level {current}.", field="level", code="same_level")
            if target < current and actor is not None and not user_may_lower_escalations(actor):
                raise NotPermitted(
                    f"Only a supervisor lowers an escalation (the case is at level {current}).", field="level"
                )
        if target == current:
            return case
        case.escalation_level = target
        case.escalation_reason = reason[:300] or RULES.get(rule, ("", ""))[1]
        case_save(case, ["escalation_level", "escalation_reason"])
        kind = CaseEvent.Kind.ESCALATED if target > current else CaseEvent.Kind.DEESCALATED
        verb = "Escalated" if target > current else "De-escalated"
        event_add(
            case,
            kind,
            actor,
            f"{verb} to level {target}: {case.escalation_reason}",
            {"rule": rule, "from": current, "level": target, "reason": case.escalation_reason},
        )
        if target > current:
            notification_send(
                users=case_watchers_ids(case),
                case=case,
                kind=Notification.Kind.ESCALATED,
                message=escalation_notice(str(case), level=target, reason=case.escalation_reason),
                exclude_user_id=getattr(actor, "pk", None),
            )
    return case
