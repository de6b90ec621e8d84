"""Merging duplicate cases: one customer, one problem, one case.

Everything of the source — tweets, DMs, orders, events, promises, outbound messages and its X
conversation ids — moves to the surviving target; the source is closed and points to the
survivor through ``merged_into`` so old links still lead somewhere. The survivor keeps the
stronger of the two for every signal (earliest opening, highest escalation, risk words …).
The person merging looks at the source: its ``expected_version`` is checked under the lock.

Closing the source is a transition like any other (``lifecycle.apply_status`` against the merge
rows of the table, ``MERGE_TRANSITIONS``): the same refusal whichever interface asks, the SLA
clocks stop, the version moves and the source records the status change a close records.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from crm_twitter.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    DirectMessage,
    OutboundMessage,
    Promise,
    Tweet,
)
from crm_twitter.models.choices import PRIORITY_RANK
from crm_twitter.services.case_writes import case_save, event_add, version_check
from crm_twitter.services.errors import CaseRuleError
from crm_twitter.services.lifecycle import apply_status, transition_check
from crm_twitter.services.sla import sla_refresh


def _earliest(*values):
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _latest(*values):
    present = [v for v in values if v is not None]
    return max(present) if present else None


def case_merge(*, source: Case, target: Case, actor, expected_version: int | None = None) -> Case:
    """Merge ``source`` into ``target`` and return the updated target.

    ``expected_version`` is the version of ``source`` the person saw (the case they act from).
    """
    if source.pk == target.pk:
        raise CaseRuleError("A case cannot be merged into itself.", field="target", code="same_case")
    with transaction.atomic():
        # Lock both rows in id order so two merges of the same pair cannot deadlock.
        locked = {
            c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
        }
        source, target = locked[source.pk], locked[target.pk]
        version_check(source, expected_version=expected_version, actor=actor)
        if source.merged_into_id:
            raise CaseRuleError(
                f"{source} was already merged into another case.", field="source", code="already_merged"
            )
        if target.merged_into_id:
            raise CaseRuleError(
                f"{target} was merged into another case; merge into that one.", field="target", code="already_merged"
            )
        if target.status not in OPEN_STATUSES:
            raise CaseRuleError(f"Reopen {target} before merging into it.", field="target", code="case_not_open")
        transition_check(source, CaseStatus.CLOSED, merge=True)
        now = timezone.now()

        moved = {
            "tweets": Tweet.objects.filter(case=source).update(case=target),
            "direct_messages": DirectMessage.objects.filter(case=source).update(case=target),
            "promises": Promise.objects.filter(case=source).update(case=target),
            "outbound": OutboundMessage.objects.filter(case=source).update(case=target),
            "events": CaseEvent.objects.filter(case=source).update(case=target),
        }
        order_ids = list(source.orders.values_list("pk", flat=True))
        if order_ids:
            target.orders.add(*order_ids)
            source.orders.clear()
        moved["orders"] = len(order_ids)

        target.conversation_ids = list(
            dict.fromkeys([*(target.conversation_ids or []), *(source.conversation_ids or [])])
        )
        target.opened_at = min(target.opened_at, source.opened_at)
        target.first_response_at = _earliest(target.first_response_at, source.first_response_at)
        target.moved_to_dm_at = _earliest(target.moved_to_dm_at, source.moved_to_dm_at)
        target.sla_first_response_due = _earliest(target.sla_first_response_due, source.sla_first_response_due)
        target.sla_resolution_due = _earliest(target.sla_resolution_due, source.sla_resolution_due)
        target.sla_next_response_due = _earliest(target.sla_next_response_due, source.sla_next_response_due)
        target.last_customer_message_at = _latest(target.last_customer_message_at, source.last_customer_message_at)
        target.last_agent_message_at = _latest(target.last_agent_message_at, source.last_agent_message_at)
        if source.last_message_at and (not target.last_message_at or source.last_message_at > target.last_message_at):
            target.last_message_at, target.last_message_preview = source.last_message_at, source.last_message_preview
        target.contact_count += source.contact_count
        target.public_nudge_count += source.public_nudge_count
        target.reach = max(target.reach, source.reach)
        target.has_risk_words = target.has_risk_words or source.has_risk_words
        target.has_private_data_in_public = target.has_private_data_in_public or source.has_private_data_in_public
        target.is_overdue = target.is_overdue or source.is_overdue
        if source.escalation_level > target.escalation_level:
            target.escalation_level, target.escalation_reason = source.escalation_level, source.escalation_reason
        if PRIORITY_RANK.get(source.priority, 0) > PRIORITY_RANK.get(target.priority, 0):
            target.priority = source.priority
        if target.category_id is None and source.category_id:
            target.category_id, target.category_confirmed = source.category_id, source.category_confirmed
        target.suggested_category_id = target.suggested_category_id or source.suggested_category_id
        target.assignee_id = target.assignee_id or source.assignee_id
        target.team_id = target.team_id or source.team_id
        sla_refresh(target)
        case_save(
            target,
            [
                "conversation_ids",
                "opened_at",
                "first_response_at",
                "moved_to_dm_at",
                "sla_first_response_due",
                "sla_resolution_due",
                "sla_next_response_due",
                "sla_due_at",
                "last_customer_message_at",
                "last_agent_message_at",
                "last_message_at",
                "last_message_preview",
                "contact_count",
                "public_nudge_count",
                "reach",
                "has_risk_words",
                "has_private_data_in_public",
                "is_overdue",
                "escalation_level",
                "escalation_reason",
                "priority",
                "category",
                "category_confirmed",
                "suggested_category",
                "assignee",
                "team",
            ],
        )

        from_status = source.status
        fields = apply_status(source, CaseStatus.CLOSED, at=now, merge=True)
        source.merged_into = target
        case_save(source, ["merged_into", *fields])
        reason = f"Merged into {target}"
        event_add(
            source,
            CaseEvent.Kind.STATUS_CHANGED,
            actor,
            f"{CaseStatus(from_status).label} → {CaseStatus.CLOSED.label}: merged into {target}",
            {"from": from_status, "to": CaseStatus.CLOSED, "reason": reason},
            at=now,
        )
        data = {"source_id": source.pk, "target_id": target.pk, "moved": moved, "source_status": from_status}
        event_add(target, CaseEvent.Kind.MERGED, actor, f"Merged {source} into this case", data, at=now)
        event_add(source, CaseEvent.Kind.MERGED, actor, reason, data, at=now)
    return target
