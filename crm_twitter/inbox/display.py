"""Pure formatters of the inbox: values in, text out; no queries, no HTML.

The views (through ``presenters``) and the template tags (``templatetags.crm_inbox``, which only
registers these) share them, so a label is worked out in one place.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from crm_twitter.models import OPEN_STATUSES, CaseStatus


def duration_span(seconds: float) -> str:
    """1d 3h / 2h 05m / 7m: the SLA countdown text."""
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


def duration_text(seconds: float) -> str:
    """How long something has lasted, in the reader's language: "1d 3h", "2h 05m", "7m" in English,
    "1天3小时", "2小时5分钟", "7分钟" in Chinese. The units, their order and the spacing are the
    translator's (``duration_span`` stays English: the page's live SLA clock redraws it in JS)."""
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return pgettext("duration", "%(days)dd %(hours)dh") % {"days": days, "hours": hours}
    if hours:
        return pgettext("duration", "%(hours)dh %(minutes)02dm") % {"hours": hours, "minutes": minutes}
    return pgettext("duration", "%(minutes)dm") % {"minutes": minutes}


def sla_countdown(due: dt.datetime | None, now: dt.datetime | None = None, labels: dict | None = None) -> dict:
    """SLA countdown: label, state (overdue / soon / ok / none) and the ISO time for the live clock.

    ``labels`` ("late"/"left" with a ``%(span)s``) lets a page translate them once for many rows.
    """
    if not due:
        return {"state": "none", "label": "—", "iso": ""}
    delta = (due - (now or timezone.now())).total_seconds()
    state = "overdue" if delta < 0 else "soon" if delta < 3600 else "ok"
    if labels is not None:
        label = labels["late" if delta < 0 else "left"] % {"span": duration_span(delta)}
    elif delta < 0:
        label = _("%(span)s late") % {"span": duration_span(delta)}
    else:
        label = _("%(span)s left") % {"span": duration_span(delta)}
    return {"state": state, "label": label, "iso": due.isoformat()}


def first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def initials(name: str | None) -> str:
    parts = [p for p in (name or "").replace("@", " ").split() if p]
    if not parts:
        return "?"
    return (parts[0][0] + (parts[1][0] if len(parts) > 1 else "")).upper()


def hue(value: object) -> int:
    """A stable colour (0–359) per person, so avatars are easy to tell apart."""
    return zlib.crc32(str(value).encode()) % 360


def compact(number: int | None) -> str:
    """12,345 → 12.3k (followers, reach)."""
    number = int(number or 0)
    if number >= 1_000_000:
        return f"{number / 1_000_000:.1f}M".replace(".0M", "M")
    if number >= 10_000:
        return f"{number / 1000:.0f}k"
    if number >= 1000:
        return f"{number / 1000:.1f}k".replace(".0k", "k")
    return str(number)


def person(user) -> str:
    """A user's full name, else username; empty for no user (the system)."""
    if not user:
        return ""
    return user.get_full_name() or user.get_username()


LEADING_MENTIONS = re.compile(r"^(?:@\w{1,15}\s+)+")


def without_leading_mentions(text: str | None) -> str:
    """ "@AcmeHelp @bob my parcel…" → "my parcel…": the row shows what was said, not to whom."""
    stripped = LEADING_MENTIONS.sub("", text or "")
    return stripped or (text or "")


# Whose move it is on an open case.
TURN_US = "us"  # the customer is waiting on the desk
TURN_CUSTOMER = "customer"  # the desk is waiting on the customer


def whose_turn(
    *, status: str, last_customer_message_at: dt.datetime | None, last_agent_message_at: dt.datetime | None
) -> str:
    """``"us"`` when the customer waits on the desk, ``"customer"`` when the desk waits on them, ``""``
    for a closed case.

    The status says it when it can (awaiting the customer; pending the merchant is the desk's own
    wait); otherwise whoever wrote last is waiting for the other.
    """
    if status not in OPEN_STATUSES:
        return ""
    if status == CaseStatus.AWAITING_CUSTOMER:
        return TURN_CUSTOMER
    if status == CaseStatus.PENDING_MERCHANT:
        return TURN_US
    if last_agent_message_at and (not last_customer_message_at or last_agent_message_at >= last_customer_message_at):
        return TURN_CUSTOMER
    return TURN_US
