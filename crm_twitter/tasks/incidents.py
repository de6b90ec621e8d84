"""django-q2 task of incident detection (thin: it calls the service and reports what happened)."""

from __future__ import annotations


def incidents_detect_task() -> dict:
    """Every minute (``crm_twitter:incident-detection``): open and grow incidents from surges."""
    from crm_twitter.services.incident_detection import incidents_detect

    result = incidents_detect()
    return {
        "skipped": result.skipped,
        "surges": len(result.surges),
        "opened": list(result.opened),
        "grown": list(result.grown),
        "linked": result.linked,
        "alerts": result.alerts,
    }
