"""The case lifecycle: one transition table, one place that applies it, an event for every move.

``new → acknowledged → in_dm → pending_merchant ⇄ awaiting_customer → resolved → closed``, plus
``not_actionable`` (spam, praise) and reopening from resolved / closed / not actionable when
the customer writes again. Resolving needs an outcome (refunds with a positive amount in a
known ISO 4217 currency; a decline with its reason), and every outcome is kept as history
(``CaseOutcome``): reopening never erases one. Every write here locks the case row
(``select_for_update``), refuses a stale ``expected_version`` and bumps ``Case.version``, so
two agents acting at once end with one accepted change and one clear refusal.

Optimistic concurrency — what ``Case.version`` counts. The version is the token every form and
API action carries (``expected_version``); it moves only for changes a person must see before
acting on the case, and every service that changes a case checks it under the row lock
(``case_lock``), so the rule is enforced in one place whichever interface calls:

* it moves for a person's change (any service here: status, resolve, assignment, escalation,
  category, edits, orders, promises, merge, a reply queued — a colleague's reply on its way is
  news to anyone about to answer), for the customer writing (``case_messages_received``), for the
  desk's own rules acting on a single case (routing) and for a brand reply sent on X itself;
* it does not move for bookkeeping that cannot contradict what the agent sees or is doing: the
  delivery of a message the desk queued (its sender already knows — it was their own action,
  and the queueing moved the version), SLA clocks, breach marks and the sweep's escalations
  (``sla_sweep``), category re-suggestions, presence, and internal notes (they only add).

Each event written by a change that moved the version records that version in
``data["version"]``, so ``crm_twitter.selectors.case_changes`` can tell a refused agent whether
the customer wrote or a colleague changed something since the version their page showed.
``expected_version=None`` skips the check (tasks, sweeps, bulk admin actions: no page was seen).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from crm_twitter.currencies import currency_is_valid
from crm_twitter.models import OPEN_STATUSES, Case, CaseEvent, CaseOutcome, CaseStatus, ComplaintCategory, Outcome
from crm_twitter.services.case_writes import case_lock, case_save, event_add
from crm_twitter.services.categorisation import category_confirm, category_label_record, category_validate
from crm_twitter.services.errors import CaseRuleError, IllegalTransition
from crm_twitter.services.sla import sla_pause, sla_refresh, sla_resume, sla_start, sla_targets

S = CaseStatus

REOPEN_TARGETS = (S.NEW, S.ACKNOWLEDGED, S.IN_DM, S.PENDING_MERCHANT)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NEW: (S.ACKNOWLEDGED, S.IN_DM, S.PENDING_MERCHANT, S.AWAITING_CUSTOMER, S.RESOLVED, S.NOT_ACTIONABLE),
    S.ACKNOWLEDGED: (S.IN_DM, S.PENDING_MERCHANT, S.AWAITING_CUSTOMER, S.RESOLVED, S.NOT_ACTIONABLE),
    S.IN_DM: (S.PENDING_MERCHANT, S.AWAITING_CUSTOMER, S.RESOLVED, S.NOT_ACTIONABLE),
    S.PENDING_MERCHANT: (S.AWAITING_CUSTOMER, S.IN_DM, S.RESOLVED),
    S.AWAITING_CUSTOMER: (S.PENDING_MERCHANT, S.IN_DM, S.RESOLVED),
    S.RESOLVED: (S.CLOSED, *REOPEN_TARGETS),
    S.CLOSED: REOPEN_TARGETS,
    S.NOT_ACTIONABLE: (S.CLOSED, *REOPEN_TARGETS),
}

CLOSED_STATUSES = (S.RESOLVED, S.CLOSED, S.NOT_ACTIONABLE)

# A merge closes the duplicate (``services/merge.py``): the one move from an open status straight to
# closed, so it has its own rows here and is never offered as a status to pick. A resolved or
# closed case is not merged: merged cases are not complaints, so its outcome (a refund paid) would
# quietly leave the monthly report — it is reopened first, like a target.
MERGE_TRANSITIONS: dict[str, tuple[str, ...]] = {status: (S.CLOSED,) for status in (*OPEN_STATUSES, S.NOT_ACTIONABLE)}


# --- Rules ----------------------------------------------------------------------------------------


def allowed_transitions(case: Case) -> list[str]:
    """The statuses a person may move this case to now (merged cases are frozen)."""
    if case.merged_into_id:
        return []
    return list(TRANSITIONS.get(case.status, ()))


def _check_status(to_status: str) -> None:
    if to_status not in CaseStatus.values:
        raise CaseRuleError(f"Unknown status {to_status!r}.", field="to_status", code="unknown_status")


def transition_allowed(case: Case, to_status: str, *, merge: bool = False) -> bool:
    """Whether the transition table lets ``case`` move to ``to_status`` now (pure: no query).

    ``merge``: the move a merge makes of its source (``MERGE_TRANSITIONS``), not a person's pick.
    """
    table = MERGE_TRANSITIONS if merge else TRANSITIONS
    return not case.merged_into_id and to_status != case.status and to_status in table.get(case.status, ())


def transition_check(case: Case, to_status: str, *, merge: bool = False) -> None:
    """Refuse a move the transition table does not allow, saying why (the one transition check).

    ``apply_status`` calls it, so the single-case services, the batch intake and a merge alike
    cannot set a status the table forbids.
    """
    _check_status(to_status)
    if transition_allowed(case, to_status, merge=merge):
        return
    if case.merged_into_id:
        raise IllegalTransition(f"{case} was merged into another case; work on that one.", field="to_status")
    if merge:
        raise IllegalTransition(
            f"A {CaseStatus(case.status).label.lower()} case cannot be merged; reopen it first.", field="source"
        )
    if to_status == case.status:
        raise IllegalTransition(f"{case} is already {case.get_status_display().lower()}.", field="to_status")
    if to_status not in TRANSITIONS.get(case.status, ()):
        raise IllegalTransition(
            f"A {CaseStatus(case.status).label.lower()} case cannot move to {CaseStatus(to_status).label.lower()}.",
            field="to_status",
        )


def reopen_target(case: Case, channel: str | None = None) -> str:
    """Where a reopened case restarts: in DM if the conversation had moved there, else acknowledged/new."""
    if channel == "dm" or case.moved_to_dm_at:
        return S.IN_DM
    return S.ACKNOWLEDGED if case.first_response_at else S.NEW


def status_after_message(case: Case, channel: str) -> str | None:
    """The status a customer's message moves the case to, or None when it stays (pure).

    A resolved, closed or not-actionable case reopens (``reopen_target``); a case awaiting the
    customer goes back to in DM. (Whether a late message opens a follow-up case instead, or is
    a satisfaction rating, is decided before: see ``services.case_intake``.)
    """
    if case.status in CLOSED_STATUSES:
        to_status = reopen_target(case, channel)
    elif case.status == S.AWAITING_CUSTOMER:
        to_status = S.IN_DM
    else:
        return None
    return to_status if transition_allowed(case, to_status) else None


def status_after_reply(case: Case, channel: str) -> str | None:
    """The status a brand reply moves an open case to, or None when it stays (pure).

    The first public reply acknowledges a new case; the first DM moves a new or acknowledged
    case to in DM.
    """
    if channel == "public" and case.status == S.NEW:
        to_status = S.ACKNOWLEDGED
    elif channel == "dm" and case.status in (S.NEW, S.ACKNOWLEDGED):
        to_status = S.IN_DM
    else:
        return None
    return to_status if transition_allowed(case, to_status) else None


def apply_status(case: Case, to_status: str, *, at: dt.datetime, targets=None, merge: bool = False) -> list[str]:
    """Check the move against the table, then set the status and its side fields in memory
    (SLA pause/resume, milestones). Returns the changed fields; the caller saves them.

    ``merge``: the source of a merge is being closed (checked against ``MERGE_TRANSITIONS``).
    """
    transition_check(case, to_status, merge=merge)
    from_status = case.status
    targets = targets or sla_targets(case.priority)
    fields = [
        "status",
        "sla_due_at",
        "sla_paused_at",
        "sla_first_response_due",
        "sla_next_response_due",
        "sla_resolution_due",
    ]
    case.status = to_status
    if from_status == S.AWAITING_CUSTOMER:
        sla_resume(case, at=at)
    if from_status in CLOSED_STATUSES and to_status in OPEN_STATUSES:
        # Reopened: fresh clocks from now. Recorded outcomes stay (``CaseOutcome``, and the case
        # keeps its latest one): a refund that was paid is money gone, whatever happens next.
        opened_at = case.opened_at
        case.opened_at = at
        sla_start(case, targets=targets)
        case.opened_at = opened_at
        case.resolved_at = case.closed_at = None
        case.satisfaction_requested_at = None
        fields += ["resolved_at", "closed_at", "satisfaction_requested_at"]
    if to_status == S.IN_DM and not case.moved_to_dm_at:
        case.moved_to_dm_at = at
        fields.append("moved_to_dm_at")
    if to_status == S.AWAITING_CUSTOMER:
        sla_pause(case, at=at, targets=targets)
    if to_status == S.RESOLVED:
        case.resolved_at = at
        case.is_overdue = False
        fields += ["resolved_at", "is_overdue"]
    if to_status in (S.CLOSED, S.NOT_ACTIONABLE):
        case.closed_at = at
        case.is_overdue = False
        fields += ["closed_at", "is_overdue"]
    sla_refresh(case)
    return fields


def case_transition(
    *, case: Case, to_status: str, actor, reason: str = "", expected_version: int | None = None
) -> Case:
    """Move a case along the lifecycle table; anything else raises IllegalTransition.

    Resolving goes through ``case_resolve`` because it needs an outcome.
    """
    _check_status(to_status)
    if to_status == S.RESOLVED:
        raise CaseRuleError(
            "Resolving needs an outcome: use resolve with the outcome.", field="outcome", code="outcome_required"
        )
    with transaction.atomic():
        case = case_lock(case, expected_version=expected_version, actor=actor)
        transition_check(case, to_status)
        now = timezone.now()
        from_status = case.status
        fields = apply_status(case, to_status, at=now)
        case_save(case, fields)
        reopened = from_status in CLOSED_STATUSES and to_status in OPEN_STATUSES
        event_add(
            case,
            CaseEvent.Kind.REOPENED if reopened else CaseEvent.Kind.STATUS_CHANGED,
            actor,
            reason or f"{CaseStatus(from_status).label} → {CaseStatus(to_status).label}",
            {"from": from_status, "to": to_status, "reason": reason},
            at=now,
        )
    return case


def outcome_validate(*, outcome: str, refund_amount, refund_currency: str, note: str) -> tuple[Decimal | None, str]:
    """Check an outcome's details; returns the (amount, currency) to store."""
    if not outcome:
        raise CaseRuleError("Choose an outcome to resolve the case.", field="outcome", code="outcome_required")
    if outcome not in Outcome.values:
        raise CaseRuleError(f"Unknown outcome {outcome!r}.", field="outcome", code="unknown_outcome")
    amount: Decimal | None = None
    if refund_amount not in (None, ""):
        try:
            amount = Decimal(str(refund_amount))
        except InvalidOperation:
            raise CaseRuleError("The refund amount is not a number.", field="refund_amount", code="invalid_amount")
        if not amount.is_finite():
            raise CaseRuleError("The refund amount is not a number.", field="refund_amount", code="invalid_amount")
        if amount < 0:
            raise CaseRuleError("A refund cannot be negative.", field="refund_amount", code="negative_refund")
        if amount.as_tuple().exponent < -2 or amount >= Decimal("1e10"):
            raise CaseRuleError(
                "Give the refund amount with at most two decimals.", field="refund_amount", code="invalid_amount"
            )
    currency = (refund_currency or "").strip().upper()
    if outcome in (Outcome.REFUND, Outcome.PARTIAL_REFUND):
        if amount is None or amount <= 0:
            raise CaseRuleError(
                "A refund needs an amount above zero.", field="refund_amount", code="refund_amount_required"
            )
        if not currency:
            raise CaseRuleError("A refund needs a currency.", field="refund_currency", code="currency_required")
    if currency and not currency_is_valid(currency):
        raise CaseRuleError(
            f"Unknown currency {refund_currency!r} (use an ISO 4217 code such as USD or EUR).",
            field="refund_currency",
            code="unknown_currency",
        )
    if amount is not None and not currency:
        raise CaseRuleError("Give the currency of the amount.", field="refund_currency", code="currency_required")
    if outcome == Outcome.DECLINED and not (note or "").strip():
        raise CaseRuleError("Say why the request is declined.", field="note", code="reason_required")
    return amount, currency


def case_resolve(
    *,
    case: Case,
    actor,
    outcome: str,
    refund_amount=None,
    refund_currency: str = "",
    note: str = "",
    expected_version: int | None = None,
    category: ComplaintCategory | None = None,
) -> Case:
    """Resolve with an outcome; then (optionally) ask the customer for a rating by DM.

    ``category`` confirms the complaint category in the same step (the inbox asks for it when
    no agent has confirmed one, so the monthly report does not fill up with guesses).
    """
    amount, currency = outcome_validate(
        outcome=outcome, refund_amount=refund_amount, refund_currency=refund_currency, note=note
    )
    if category is not None:
        category_validate(category)
    with transaction.atomic():
        case = case_lock(case, expected_version=expected_version, actor=actor)
        transition_check(case, S.RESOLVED)
        now = timezone.now()
        from_status = case.status
        category_data = category_confirm(case, category) if category is not None else None
        fields = apply_status(case, S.RESOLVED, at=now)
        if category_data is not None:
            fields += ["category", "category_confirmed"]
        case.outcome, case.outcome_note, case.refund_amount, case.refund_currency = outcome, note, amount, currency
        fields += ["outcome", "outcome_note", "refund_amount", "refund_currency"]
        case_save(case, fields)
        # The history: a second resolution after a reopen adds a record, never replaces one.
        CaseOutcome.objects.create(
            case_id=case.pk,
            outcome=outcome,
            note=note,
            refund_amount=amount,
            refund_currency=currency if amount is not None else "",
            recorded_at=now,
            recorded_by_id=getattr(actor, "pk", actor) if actor is not None else None,
        )
        data = {
            "from": from_status,
            "to": S.RESOLVED,
            "outcome": outcome,
            "note": note,
            "refund_amount": str(amount) if amount is not None else None,
            "refund_currency": currency,
        }
        label = Outcome(outcome).label
        if amount is not None:
            label += f" {amount} {currency}"
        if category_data is not None:
            event_add(case, CaseEvent.Kind.CATEGORY_SET, actor, f"Category: {category}", category_data, at=now)
            category_label_record(case=case, category=category, actor=actor)
        event_add(
            case,
            CaseEvent.Kind.OUTCOME_RECORDED,
            actor,
            f"Outcome: {label}" + (f" — {note}" if note else ""),
            data,
            at=now,
        )
        event_add(
            case,
            CaseEvent.Kind.STATUS_CHANGED,
            actor,
            f"{CaseStatus(from_status).label} → {CaseStatus.RESOLVED.label}",
            data,
            at=now,
        )
        from crm_twitter.services.satisfaction import satisfaction_survey_queue

        case_id = case.pk
        transaction.on_commit(lambda: satisfaction_survey_queue(case_id=case_id, actor=actor))
    return case


def case_close(*, case: Case, actor, expected_version: int | None = None) -> Case:
    """Close a resolved (or not actionable) case: nothing more is expected on it."""
    return case_transition(case=case, to_status=S.CLOSED, actor=actor, expected_version=expected_version)


def case_reopen(*, case: Case, actor, reason: str = "", expected_version: int | None = None) -> Case:
    """Reopen a resolved/closed/not-actionable case (in DM if it had moved there)."""
    current = Case.objects.only("status", "moved_to_dm_at", "first_response_at").get(pk=case.pk)
    if current.status not in CLOSED_STATUSES:
        raise IllegalTransition(f"{case} is still open.", field="to_status")
    return case_transition(
        case=case,
        to_status=reopen_target(current),
        actor=actor,
        reason=reason or "Reopened",
        expected_version=expected_version,
    )
