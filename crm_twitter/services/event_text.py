"""A case event's sentence in the reader's language.

Events are written once, in English, when they happen (``CaseEvent.message``, kept for audits and
the API). Whoever reads the timeline later may read another language: the common sentences are
re-worded here from the event's kind and data — "New → Acknowledged", "SLA breached: first
response overdue", "High reach: escalated to level 1" — with status, category, outcome and clock
names from the catalogue. Free text inside a sentence (an agent's reason or note, a promise's
description, names) stays as written, and a sentence of another shape is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_noop, pgettext

from crm_twitter.models import CaseStatus, Outcome
from crm_twitter.models.choices import Priority
from crm_twitter.models.taxonomy import category_label

# Escalation reasons the rules write (``services.escalation.RULES``) and fixed event sentences:
# listed so the catalogue has them; shown through ``gettext``.
KNOWN_SENTENCES = (
    gettext_noop("Executive account mentioned"),
    gettext_noop("Promise missed"),
    gettext_noop("SLA breached"),
    gettext_noop("Public nudge on a case in DM"),
    gettext_noop("High reach"),
    gettext_noop("Chargeback through the bank or card issuer announced"),
    gettext_noop("Payment-provider dispute announced (PayPal, Klarna…)"),
    gettext_noop("Marketplace claim announced (A-to-z, eBay, AliExpress…)"),
    gettext_noop("Lawyer, lawsuit or police mentioned"),
    gettext_noop("Regulator or consumer body mentioned"),
    gettext_noop("Press or media mentioned"),
    gettext_noop("Customer DM received"),
    gettext_noop("Customer tweet received"),
    gettext_noop("DM sent"),
    gettext_noop("Public reply sent"),
    gettext_noop("DM queued for sending."),
    gettext_noop("Public reply queued for sending."),
    gettext_noop("The customer nudged in public"),
    gettext_noop("Private data posted in public"),
    gettext_noop("Unassigned"),
    gettext_noop("public reply sent"),
    gettext_noop("DM sent"),
)
_KNOWN = frozenset(KNOWN_SENTENCES)


def known_text(text: str) -> str:
    """``text`` in the active language when it is one of the fixed sentences, else as written
    (an escalation reason a supervisor typed, say)."""
    return gettext(text) if text in _KNOWN else text


def _clock(name: str) -> str:
    return {
        "first_response": pgettext("SLA clock", "first response"),
        "next_response": pgettext("SLA clock", "next response"),
        "resolution": pgettext("SLA clock", "resolution"),
    }.get(name.replace(" ", "_"), name)


def _status(value: str) -> str:
    try:
        return str(CaseStatus(value).label)
    except ValueError:
        return value


def _english(value: Any) -> str:
    with translation.override("en"):
        return str(value)


def _status_change(message: str, data: Mapping[str, Any]) -> str | None:
    old, new = data.get("from"), data.get("to")
    if not old or not new:
        return None
    try:
        stored = f"{_english(CaseStatus(old).label)} → {_english(CaseStatus(new).label)}"
    except ValueError:
        return None
    if not message.startswith(stored):
        return None  # the agent's own reason: their words
    said = f"{_status(old)} → {_status(new)}"
    rest = message[len(stored) :]
    if rest.startswith(": "):
        said = gettext("%(change)s: %(detail)s") % {"change": said, "detail": known_text(rest[2:])}
    elif rest:
        return None
    return said


def _outcome(found: re.Match, data: Mapping[str, Any]) -> str | None:
    try:
        label = str(Outcome(data.get("outcome")).label)
    except ValueError:
        return None
    english = _english(Outcome(data.get("outcome")).label)
    head = found["head"]
    if not head.startswith(english):
        return None
    return gettext("Outcome: %(outcome)s") % {"outcome": label + head[len(english) :]} + (found["note"] or "")


def _priority(found: re.Match, data: Mapping[str, Any]) -> str | None:
    try:
        return gettext("Priority raised to %(priority)s") % {"priority": Priority(data.get("to")).label}
    except ValueError:
        return None


Rule = Callable[[re.Match, Mapping[str, Any]], str | None]
_RULES: dict[str, list[tuple[re.Pattern[str], Rule]]] = {
    "sla_breached": [
        (
            re.compile(r"^SLA breached: (?P<clock>[\w ]+) overdue$"),
            lambda m, d: gettext("SLA breached: %(clock)s overdue") % {"clock": _clock(d.get("clock") or m["clock"])},
        )
    ],
    "escalated": [
        (
            re.compile(r"^(?P<reason>.+): escalated to level (?P<level>\d)$", re.S),
            lambda m, d: (
                gettext("%(reason)s: escalated to level %(level)s")
                % {"reason": known_text(m["reason"]), "level": m["level"]}
            ),
        ),
        (
            re.compile(r"^Escalated to level (?P<level>\d): (?P<reason>.*)$", re.S),
            lambda m, d: (
                gettext("Escalated to level %(level)s: %(reason)s")
                % {"reason": known_text(m["reason"]), "level": m["level"]}
            ),
        ),
    ],
    "category_set": [
        (
            re.compile(r"^Category: (?P<name>.+)$", re.S),
            lambda m, d: gettext("Category: %(name)s") % {"name": category_label(m["name"])},
        )
    ],
    "promise_made": [
        (
            re.compile(r"^Promised: (?P<what>.+) by (?P<due>\d{4}-\d\d-\d\d \d\d:\d\d \S+)$", re.S),
            lambda m, d: gettext("Promised: %(what)s by %(due)s") % {"what": m["what"], "due": m["due"]},
        )
    ],
    "promise_kept": [
        (
            re.compile(r"^Promise kept: (?P<what>.+)$", re.S),
            lambda m, d: gettext("Promise kept: %(what)s") % {"what": m["what"]},
        )
    ],
    "promise_missed": [
        (
            re.compile(r"^Promise missed: (?P<what>.+)$", re.S),
            lambda m, d: gettext("Promise missed: %(what)s") % {"what": m["what"]},
        )
    ],
    "satisfaction": [
        (
            re.compile(r"^Customer rated (?P<score>\d)/5$"),
            lambda m, d: gettext("Customer rated %(score)s/5") % {"score": m["score"]},
        )
    ],
    "order_linked": [
        (
            re.compile(r"^Order (?P<number>\S+) linked$"),
            lambda m, d: gettext("Order %(number)s linked") % {"number": m["number"]},
        ),
        (
            re.compile(r"^Order (?P<number>\S+) found in a message\.$"),
            lambda m, d: gettext("Order %(number)s found in a message.") % {"number": m["number"]},
        ),
    ],
    "outcome_recorded": [(re.compile(r"^Outcome: (?P<head>.+?)(?P<note> — .*)?$", re.S), _outcome)],
    "priority_changed": [(re.compile(r"^Priority raised to \w+$"), _priority)],
    "assigned": [
        (
            re.compile(
                r"^(?P<verb>Assigned|Reassigned) to (?P<name>[^()]+?)(?P<team> \(the case moves to .+\))?$", re.S
            ),
            lambda m, d: (
                None
                if m["team"]
                else (gettext("Assigned to %(name)s") if m["verb"] == "Assigned" else gettext("Reassigned to %(name)s"))
                % {"name": m["name"]}
            ),
        )
    ],
    "created": [
        (
            re.compile(
                r"^Opened from (?P<via>a public tweet|a direct message)(?:, routed to (?P<team>.+?))?, "
                r"(?P<how>assigned by routing|waiting for an agent)$",
                re.S,
            ),
            lambda m, d: gettext(", ").join(
                [
                    gettext("Opened from a public tweet")
                    if m["via"] == "a public tweet"
                    else gettext("Opened from a direct message"),
                    *([gettext("routed to %(team)s") % {"team": m["team"]}] if m["team"] else []),
                    gettext("assigned by routing")
                    if m["how"] == "assigned by routing"
                    else gettext("waiting for an agent"),
                ]
            ),
        )
    ],
}


def event_text(kind: str, message: str, data: Mapping[str, Any] | None = None) -> str:
    """The event's sentence in the active language (see the module's docstring)."""
    message = message or ""
    data = data if isinstance(data, Mapping) else {}
    if kind in ("status_changed", "reopened"):
        said = _status_change(message, data)
        if said is not None:
            return said
    for pattern, words in _RULES.get(kind, ()):
        found = pattern.match(message)
        if found:
            said = words(found, data)
            if said is not None:
                return said
    return known_text(message)
