"""django-q2 tasks of the workflow engine (thin: each calls one service)."""

from __future__ import annotations


def sla_sweep_task() -> dict:
    """Every minute (``crm_twitter:sla-sweep``): mark breaches and missed promises, escalate, notify."""
    from crm_twitter.services.sla import sla_sweep

    result = sla_sweep()
    return {
        "breached": result.breached,
        "promises_missed": result.promises_missed,
        "escalated": result.escalated,
        "notifications": result.notifications,
    }


def parked_messages_route_task() -> int:
    """Every 5 minutes (``crm_twitter:parked-messages``): route the brand's replies and DMs that
    were stored before the thread they answer, now that it is known (see docs/routing.md)."""
    from crm_twitter.services.message_routing import parked_messages_route

    return len(parked_messages_route())


def category_models_retrain_task() -> dict:
    """Daily (``crm_twitter:category-retrain``): retrain once enough agents' labels arrived."""
    from crm_twitter.services.categorisation import category_models_retrain, retrain_due

    due, new_labels = retrain_due()
    record = category_models_retrain() if due else None
    return {
        "new_labels": new_labels,
        "trained": record.version if record else None,
        "promoted": bool(record and record.status == record.Status.ACTIVE),
    }


def cases_suggest_pending_task() -> int:
    """Every minute (``crm_twitter:category-suggest``), and after each sync and webhook delivery:
    suggestions for the cases that received customer messages since they were last read."""
    from crm_twitter.services.categorisation import cases_suggest_pending

    return cases_suggest_pending()
