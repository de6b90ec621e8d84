"""How urgent a case is: a score from the signals a supervisor would look at, mapped to a priority.

Signals: reach (followers of the customer), engagement on the complaint tweet, age, repeated
contact, public nudges, risk signals (a chargeback, payment dispute, lawyer, regulator, press or
marketplace claim announced — ``crm_twitter.classify.risk``) and VIP customers. Weights live in
``PRIORITY_WEIGHTS`` and the score → priority cut-offs in ``PRIORITY_THRESHOLDS``. Automatic
recomputation only ever raises a priority; lowering one is a person's decision (``case_edit``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_twitter.conf import app_settings
from crm_twitter.models import Priority
from crm_twitter.models.choices import PRIORITY_RANK


@dataclass(frozen=True)
class PrioritySignals:
    reach: int = 0
    engagement: int = 0
    age: dt.timedelta = dt.timedelta(0)
    contact_count: int = 1
    public_nudges: int = 0
    has_risk_words: bool = False
    is_vip: bool = False


def priority_score(signals: PrioritySignals) -> int:
    """Points per signal, weighted by ``PRIORITY_WEIGHTS`` (see docs/settings.md)."""
    w = app_settings.PRIORITY_WEIGHTS
    score = 0
    if w.get("followers_per_point"):
        score += min(int(w.get("max_reach_points", 30)), max(signals.reach, 0) // int(w["followers_per_point"]))
    if w.get("engagement_per_point"):
        score += max(signals.engagement, 0) // int(w["engagement_per_point"])
    if w.get("age_hours_per_point"):
        hours = max(signals.age.total_seconds(), 0) / 3600
        score += int(hours // float(w["age_hours_per_point"]))
    score += int(w.get("repeat_contact", 0)) * max(signals.contact_count - 1, 0)
    score += int(w.get("public_nudge", 0)) * max(signals.public_nudges, 0)
    if signals.has_risk_words:
        score += int(w.get("risk_words", 0))
    if signals.is_vip:
        score += int(w.get("vip", 0))
    return score


def priority_for_score(score: int) -> str:
    """Map a score to a priority with ``PRIORITY_THRESHOLDS``; below "high" a case is "normal"."""
    thresholds = app_settings.PRIORITY_THRESHOLDS
    if score >= int(thresholds.get("urgent", 60)):
        return Priority.URGENT
    if score >= int(thresholds.get("high", 30)):
        return Priority.HIGH
    return Priority.NORMAL


def priority_raise(current: str, proposed: str) -> str:
    """The higher of the two: rules may raise a priority but never lower it."""
    return proposed if PRIORITY_RANK.get(proposed, 0) > PRIORITY_RANK.get(current, 0) else current
