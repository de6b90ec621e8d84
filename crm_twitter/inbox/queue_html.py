"""The queue table's rows as HTML, built in Python (the row template cost ~45 nodes per row).

Same markup ``_queue_results.html`` printed; every value is escaped here (names, handles and
previews come from X).
"""

from __future__ import annotations

import html

from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext


def escape(value) -> str:
    """Django's ``escape`` without its lazy-string wrapper (same output: ``html.escape(str(value))``)."""
    return html.escape(str(value))


def _row(case, r: dict, *, resolved_queue: bool, t: dict) -> str:
    classes = (
        "case-row" + (" is-overdue" if case.is_overdue else "") + (" is-escalated" if case.escalation_level else "")
    )
    url = escape(r["url"])
    if resolved_queue:
        on = r["resolved_on"]
        on_text = escape(formats.date_format(template_localtime(on), "M j")) if on else ""
        sla = f'<span class="muted small">{on_text}</span>'
    else:
        s = r["sla"]
        sla = (
            f'<span class="sla sla-{escape(s["state"])}"><time datetime="{escape(s["iso"])}" '
            f"data-countdown>{escape(s['label'])}</time></span>"
        )
    handle = ""
    if r["handle"]:
        reach = f' <span class="reach" title="{t["followers"]}">{escape(r["reach"])}</span>' if r["reach"] else ""
        handle = f'<span class="handle">@{escape(r["handle"])}{reach}</span>'
    priority = (
        f' · <span class="prio prio-{escape(r["priority"])}">{escape(r["priority_label"])}</span>'
        if r["priority"]
        else ""
    )
    risk = f' · <span class="risk">{t["risk"]}</span>' if case.has_risk_words else ""
    if r["category"]:
        category = escape(r["category"])
    elif r["suggested"]:
        category = f'<span class="suggested" title="{t["suggested"]}">{escape(r["suggested"])}?</span>'
    else:
        category = '<span class="muted">—</span>'
    if case.escalation_level:
        esc = (
            f'<span class="esc esc-{escape(case.escalation_level)}" title="{escape(case.escalation_reason)}">'
            f"L{escape(case.escalation_level)}</span>"
        )
    else:
        esc = '<span class="muted">—</span>'
    if r["is_mine"]:
        assignee = f'<span class="me-tag">{t["you"]}</span>'
    elif r["assignee"]:
        assignee = escape(r["assignee"])
    else:
        assignee = f'<span class="unassigned">{t["unassigned"]}</span>'
    team = f'<span class="team">{escape(r["team"])}</span>' if r["team"] else ""
    # The preview is the customer's own words: read in the case's language, not the page's.
    lang = f' lang="{escape(case.language)}"' if case.language else ""
    return (
        f'\n      <tr class="{classes}" data-href="{url}" data-case="{case.pk}">\n'
        f'        <td class="c-sla">{sla}</td>\n'
        f'        <td class="c-customer">\n'
        f'          <a class="row-link" href="{url}">\n'
        f'            <span class="avatar" style="--h: {escape(r["hue"])}" aria-hidden="true">'
        f"{escape(r['initials'])}</span>\n"
        f'            <span class="who"><strong class="name">{escape(r["name"])}</strong>\n'
        f"              {handle}</span>\n"
        f"          </a>\n"
        f"        </td>\n"
        f'        <td class="c-msg">\n'
        f'          <span class="preview"{lang} dir="auto">{escape(r["preview"])}</span>\n'
        f'          <span class="sub"><span class="ref">{escape(r["ref"])}</span> · <span class="status '
        f'st-{escape(r["status"])}">{escape(r["status_label"])}</span>{priority}{risk}</span>\n'
        f"        </td>\n"
        f'        <td class="c-lang"><span class="lang">{escape(r["lang"])}</span></td>\n'
        f'        <td class="c-cat">{category}</td>\n'
        f'        <td class="c-esc">{esc}</td>\n'
        f'        <td class="c-assignee">{assignee}\n'
        f"          {team}</td>\n"
        f"      </tr>\n    "
    )


def queue_rows_render(*, rows, queue: str) -> SafeString:
    """The ``<tr>`` rows of the queue table (each case carries its precomputed ``row`` dict)."""
    t = {
        "followers": escape(gettext("Followers")),
        "risk": escape(gettext("risk words")),
        "suggested": escape(gettext("Suggested, not confirmed")),
        "you": escape(gettext("You")),
        "unassigned": escape(gettext("Unassigned")),
    }
    resolved_queue = queue == "resolved"
    html = "".join(_row(case, case.row, resolved_queue=resolved_queue, t=t) for case in rows)
    return mark_safe(html)  # noqa: S308 - every interpolated value is escaped above
