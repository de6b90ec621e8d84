"""Display helpers for the inbox templates (pure functions of values already fetched: no queries)."""

from __future__ import annotations

import datetime as dt
import re
import zlib

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_twitter.roles import user_sees_all_cases

register = template.Library()


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


@register.filter
def sla(due: dt.datetime | None, now: dt.datetime | None = None) -> dict:
    """SLA countdown: label, state (overdue / soon / ok / none) and the ISO time for the live clock."""
    if not due:
        return {"state": "none", "label": "—", "iso": ""}
    delta = (due - (now or timezone.now())).total_seconds()
    if delta < 0:
        state, label = "overdue", _("%(span)s late") % {"span": duration_span(delta)}
    elif delta < 3600:
        state, label = "soon", _("%(span)s left") % {"span": duration_span(delta)}
    else:
        state, label = "ok", _("%(span)s left") % {"span": duration_span(delta)}
    return {"state": state, "label": label, "iso": due.isoformat()}


@register.filter
def first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


@register.filter
def initials(name: str | None) -> str:
    parts = [p for p in (name or "").replace("@", " ").split() if p]
    if not parts:
        return "?"
    return (parts[0][0] + (parts[1][0] if len(parts) > 1 else "")).upper()


@register.filter
def hue(value: object) -> int:
    """A stable colour (0–359) per person, so avatars are easy to tell apart."""
    return zlib.crc32(str(value).encode()) % 360


@register.filter
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


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key) if mapping else None


@register.filter
def person(user) -> str:
    """A user's full name, else username; empty for no user (the system)."""
    if not user:
        return ""
    return user.get_full_name() or user.get_username()


@register.filter
def may_see_reports(user) -> bool:
    """Whether the top bar offers "Reports": only to those the reports let in (no link to a 403)."""
    return user_sees_all_cases(user)


LEADING_MENTIONS = re.compile(r"^(?:@\w{1,15}\s+)+")


@register.filter
def without_leading_mentions(text: str | None) -> str:
    """ "@AcmeHelp @bob my parcel…" → "my parcel…": the row shows what was said, not to whom."""
    stripped = LEADING_MENTIONS.sub("", text or "")
    return stripped or (text or "")


@register.simple_tag(takes_context=True)
def timeline_html(context) -> str:
    """The case timeline's items, built in Python (see ``crm_twitter.inbox.timeline_html``)."""
    from crm_twitter.inbox.timeline_html import timeline_render

    return timeline_render(
        timeline=context.get("timeline"),
        case=context.get("case"),
        can_act=bool(context.get("can_act")),
        csrf_token=context.get("csrf_token"),
    )


@register.simple_tag
def filter_select(field) -> str:
    """A filter ``<select>`` with its options built in one pass (was an include with a template loop
    per option; Django's widget templates cost even more). Values and labels are escaped.

    ``data-commit``: the queue filters on the choice, not on every arrow key that passes an option
    (inbox.js turns a keyboard change into a filter only on Enter or on leaving the list, WCAG 3.2.2).
    """
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    value = field.value()
    current = "" if value is None else f"{value}"
    options = "".join(
        f'<option value="{escape(choice)}"{" selected" if f"{choice}" == current else ""}>{escape(label)}</option>'
        for choice, label in field.field.choices
    )
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<select name="{escape(field.html_name)}" id="{escape(field.id_for_label)}" data-commit>{options}</select>'
    )


@register.simple_tag(takes_context=True)
def queue_rows_html(context) -> str:
    """The queue table's rows, built in Python (see ``crm_twitter.inbox.queue_html``)."""
    from crm_twitter.inbox.queue_html import queue_rows_render

    return queue_rows_render(rows=context.get("rows") or [], queue=context.get("queue") or "")
