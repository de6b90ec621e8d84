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
