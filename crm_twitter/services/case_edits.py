"""Single-case edits: notes, category, language/priority/remedy, linked orders.

Each one locks the case row (``case_lock``), refuses a stale ``expected_version``, saves the
fields it changed (bumping the version) and records a CaseEvent. Status moves, resolving,
assignment, escalation, promises and merges have their own modules (lifecycle, routing,
escalation, promises, merge).
"""

from __future__ import annotations

import re

from django.db import transaction

from crm_twitter.models import Case, CaseEvent, ComplaintCategory, Order, Priority, Remedy
from crm_twitter.services.case_writes import case_lock, case_save, event_add
from crm_twitter.services.categorisation import category_confirm, category_label_record, category_validate
from crm_twitter.services.errors import CaseRuleError
from crm_twitter.services.sla import sla_policies, sla_reprioritise, sla_targets

__all__ = ["case_add_note", "case_edit", "case_link_order", "case_set_category", "case_unlink_order"]

K = CaseEvent.Kind


def case_add_note(*, case: Case, actor, text: str, expected_version: int | None = None) -> CaseEvent:
    """An internal note on the timeline. It changes nothing on the case, so the version stays.

    A note only adds to the record, so the inbox sends none and an older page may still add
    one; an API client that sends ``expected_version`` gets the check it asked for.
    """
    text = (text or "").strip()
    if not text:
        raise CaseRuleError("The note is empty.", field="text", code="empty_note")
    if len(text) > 5000:
        raise CaseRuleError("Keep notes under 5000 characters.", field="text", code="too_long")
    with transaction.atomic():
        case = case_lock(case, expected_version=expected_version, actor=actor)
        return event_add(case, K.NOTE, actor, text)


def case_set_category(*, case: Case, actor, category: ComplaintCategory, expected_version: int | None = None) -> Case:
    """An agent confirms (or corrects) the complaint category the monthly report counts.

    The choice is also a label the classifier learns from (``CategoryLabel``).
    """
    category_validate(category)
    with transaction.atomic():
        case = case_lock(case, expected_version=expected_version, actor=actor)
        data = category_confirm(case, category)
        if data is None:
            return case
        case_save(case, ["category", "category_confirmed"])
        event_add(case, K.CATEGORY_SET, actor, f"Category: {category}", data)
        category_label_record(case=case, category=category, actor=actor)
    return case


LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def case_edit(
    *,
    case: Case,
    actor,
    expected_version: int | None = None,
    language: str | None = None,
    priority: str | None = None,
    requested_remedy: str | None = None,
) -> Case:
    """Change language, priority or requested remedy; a person may lower a priority, rules never do."""
    if priority is not None and priority not in Priority.values:
        raise CaseRuleError(f"Unknown priority {priority!r}.", field="priority", code="unknown_priority")
    if requested_remedy is not None and requested_remedy not in Remedy.values:
        raise CaseRuleError(f"Unknown remedy {requested_remedy!r}.", field="requested_remedy", code="unknown_remedy")
    if language is not None and language != "" and not LANGUAGE_RE.match(language):
        raise CaseRuleError(
            f"{language!r} is not a language code such as en, zh or pt-BR.", field="language", code="invalid_language"
        )
    with transaction.atomic():
        case = case_lock(case, expected_version=expected_version, actor=actor)
        changes: dict[str, tuple] = {}
        fields: list[str] = []
        if language is not None and language != case.language:
            changes["language"] = (case.language, language)
            case.language = language
            fields.append("language")
        if requested_remedy is not None and requested_remedy != case.requested_remedy:
            changes["requested_remedy"] = (case.requested_remedy, requested_remedy)
            case.requested_remedy = requested_remedy
            fields.append("requested_remedy")
        if priority is not None and priority != case.priority:
            policies = sla_policies()
            sla_reprioritise(case, old=sla_targets(case.priority, policies), new=sla_targets(priority, policies))
            changes["priority"] = (case.priority, priority)
            case.priority = priority
            fields += [
                "priority",
                "sla_first_response_due",
                "sla_next_response_due",
                "sla_resolution_due",
                "sla_due_at",
            ]
        if not fields:
            return case
        case_save(case, fields)
        if "priority" in changes:
            old, new = changes.pop("priority")
            event_add(
                case,
                K.PRIORITY_CHANGED,
                actor,
                f"Priority: {Priority(old).label} → {Priority(new).label}",
                {"from": old, "to": new},
            )
        if changes:
            event_add(
                case,
                K.UPDATED,
                actor,
                ", ".join(f"{k}: {v[0] or '—'} → {v[1] or '—'}" for k, v in changes.items()),
                {k: {"from": v[0], "to": v[1]} for k, v in changes.items()},
            )
    return case


def case_link_order(*, case: Case, actor, order: Order, expected_version: int | None = None) -> Case:
    """Link an imported order to the case (idempotent)."""
    with transaction.atomic():
        case = case_lock(case, expected_version=expected_version, actor=actor)
        if case.orders.filter(pk=order.pk).exists():
            return case
        case.orders.add(order)
        case_save(case, [])
        event_add(
            case,
            K.ORDER_LINKED,
            actor,
            f"Order {order.order_number} linked",
            {"order_id": order.pk, "order_number": order.order_number, "store": order.store},
        )
    return case


def case_unlink_order(*, case: Case, actor, order: Order, expected_version: int | None = None) -> Case:
    """Unlink an order that turned out not to belong to the case."""
    with transaction.atomic():
        case = case_lock(case, expected_version=expected_version, actor=actor)
        if not case.orders.filter(pk=order.pk).exists():
            raise CaseRuleError(
                f"Order {order.order_number} is not linked to {case}.", field="order", code="not_linked"
            )
        case.orders.remove(order)
        case_save(case, [])
        event_add(
            case,
            K.ORDER_UNLINKED,
            actor,
            f"Order {order.order_number} unlinked",
            {"order_id": order.pk, "order_number": order.order_number, "store": order.store},
        )
    return case
