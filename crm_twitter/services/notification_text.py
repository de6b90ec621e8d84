"""Notification lines in the reader's language, for the e-mails the desk sends.

A notification's text is written once, in English, when the change happens (one row may reach
people who read different languages). The e-mail to each person re-words the common lines —
assignment, escalation, SLA breach, moving teams — in that person's language; a line of another
shape, and the free text inside a line (an escalation reason, a team's name), stays as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext, pgettext

_CLOCKS = {
    "first response": lambda: pgettext("SLA clock", "first response"),
    "next response": lambda: pgettext("SLA clock", "next response"),
    "resolution": lambda: pgettext("SLA clock", "resolution"),
}

_LINES: list[tuple[re.Pattern[str], Callable[[dict[str, str]], str]]] = [
    (re.compile(r"^(?P<case>\S+): assigned to you$"), lambda m: gettext("%(case)s: assigned to you") % m),
    (
        re.compile(r"^(?P<case>\S+) escalated to level (?P<level>\d): (?P<reason>.*)$", re.S),
        lambda m: gettext("%(case)s escalated to level %(level)s: %(reason)s") % m,
    ),
    (
        re.compile(r"^SLA breached on (?P<case>.+?): (?P<clock>first response|next response|resolution) overdue$"),
        lambda m: gettext("SLA breached on %(case)s: %(clock)s overdue") % {**m, "clock": _CLOCKS[m["clock"]]()},
    ),
    (
        re.compile(r"^(?P<case>\S+): moved to (?P<team>.+?)(?P<waiting>, waiting for an agent)?$", re.S),
        lambda m: (
            (
                gettext("%(case)s: moved to %(team)s, waiting for an agent")
                if m.get("waiting")
                else gettext("%(case)s: moved to %(team)s")
            )
            % m
        ),
    ),
    # Incident alerts (services/incident_detection.py): the title is the surging dimensions' values.
    (
        re.compile(
            r"^Incident opened: (?P<title>.+) — (?P<customers>\d+) customers in (?P<hours>\d+) h "
            r"\(expected (?P<expected>[\d.]+)\)$",
            re.S,
        ),
        lambda m: (
            gettext("Incident opened: %(title)s — %(customers)s customers in %(hours)s h (expected %(expected)s)") % m
        ),
    ),
    (
        re.compile(r"^Incident doubled: (?P<title>.+) — (?P<cases>\d+) cases$", re.S),
        lambda m: gettext("Incident doubled: %(title)s — %(cases)s cases") % m,
    ),
]


def notification_line(message: str) -> str:
    """``message`` in the active language when it has one of the common shapes, else as written."""
    for pattern, words in _LINES:
        found = pattern.match(message)
        if found:
            return words({k: v or "" for k, v in found.groupdict().items()})
    return message
