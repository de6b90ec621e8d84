"""The queue page: queues with live counts, filters, search, urgency order, self-refreshing rows."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from crm_twitter.conf import app_settings
from crm_twitter.inbox.access import crm_role_required, user_can_act
from crm_twitter.inbox.display import (
    compact,
    duration_span,
    first_line,
    hue,
    initials,
    person,
    whose_turn,
    without_leading_mentions,
)
from crm_twitter.inbox.forms import QueueFilterForm
from crm_twitter.models import BrandAccount, CaseStatus, ComplaintCategory, ReplyTemplate, Team
from crm_twitter.roles import Ability, roles_with, user_sees_all_cases
from crm_twitter.selectors.queues import (
    QUEUES,
    RESOLVED_COUNT_CAP,
    CaseFilters,
    QueueRow,
    case_list_count,
    case_list_page,
    case_queue_counts,
)

QUEUE_LABELS = {
    "mine": _("My cases"),
    "unassigned": _("Unassigned"),
    "escalated": _("Escalated"),
    "overdue": _("Overdue"),
    "awaiting_customer": _("Awaiting customer"),
    "all_open": _("All open"),
    "resolved": _("Resolved"),
}
QUEUE_HINTS = {
    "mine": _("Nothing assigned to you right now. Take a case from Unassigned."),
    "unassigned": _("Every open case has an owner."),
    "escalated": _("No escalated cases. Calm seas."),
    "overdue": _("Nothing is overdue."),
    "awaiting_customer": _("No case is waiting on a customer."),
    "all_open": _("No open cases. Inbox zero!"),
    "resolved": _("No resolved cases yet."),
}
POLL_SECONDS = 20


def _filter_choices() -> dict:
    """The lists the filter form offers (small tables: a fixed handful of queries).

    Only the columns the form and the rows print are loaded (a brand account row carries sync
    state and credentials; a user row its password hash): the page pays per column it decodes.
    """
    teams = list(Team.objects.only("id", "name", "slug", "languages").order_by("name"))
    languages = set(ReplyTemplate.objects.order_by().values_list("language", flat=True).distinct())
    for team in teams:
        languages.update(team.languages or [])
    user_model = get_user_model()
    assignees = list(
        user_model.objects.filter(groups__name__in=roles_with(Ability.TAKE_CASES), is_active=True)
        .only("id", user_model.USERNAME_FIELD, "first_name", "last_name")
        .distinct()
        .order_by("first_name", "last_name", user_model.USERNAME_FIELD)
    )
    return {
        "categories": list(ComplaintCategory.objects.filter(is_active=True).only("id", "slug", "name")),
        "accounts": list(BrandAccount.objects.filter(is_active=True).only("id", "handle").order_by("handle")),
        "languages": sorted(code for code in languages if code),
        "teams": teams,
        "assignees": assignees,
    }


def _known_objects(choices: dict) -> dict[type, dict[int, object]]:
    """The filter form's lists, by model and pk, so queue rows reuse them instead of joining."""
    return {
        ComplaintCategory: {c.pk: c for c in choices["categories"]},
        Team: {t.pk: t for t in choices["teams"]},
        BrandAccount: {a.pk: a for a in choices["accounts"]},
        get_user_model(): {u.pk: u for u in choices["assignees"]},
    }


def _row_labels() -> dict:
    """Translated labels for one page, looked up once (``get_status_display`` rebuilds its choice
    dict on every call; gettext per row adds up over 50 rows)."""
    from crm_twitter.models.choices import Priority

    return {
        "status": {k: str(v) for k, v in CaseStatus.choices},
        "priority": {k: str(v) for k, v in Priority.choices},
        "late": gettext("%(span)s late"),
        "left": gettext("%(span)s left"),
    }


def _sla_display(due, now, labels: dict) -> dict:
    """Same as the ``sla`` template filter, with the page's labels."""
    if not due:
        return {"state": "none", "label": "—", "iso": ""}
    delta = (due - now).total_seconds()
    state = "overdue" if delta < 0 else "soon" if delta < 3600 else "ok"
    label = labels["late" if delta < 0 else "left"] % {"span": duration_span(delta)}
    return {"state": state, "label": label, "iso": due.isoformat()}


def _row_display(case: QueueRow, *, user, url: str, now, labels: dict) -> dict:
    """Everything one queue row prints, computed once in Python (a template filter chain per cell
    over 50 rows costs more than the queries of the page). Values are plain text: the template
    escapes them."""
    name = case.x_name or case.customer_name
    status = case.status
    return {
        "url": url,
        "sla": _sla_display(case.sla_due_at, now, labels),
        "resolved_on": case.resolved_at,
        "hue": hue(case.x_handle or case.pk),
        "initials": initials(name),
        "name": name or "—",
        "handle": case.x_handle,
        "reach": compact(case.reach) if case.x_user_id and case.reach >= 10000 else "",
        # The customer's own last words (the brand's reply is not news to the agent) and whose move it is.
        "preview": without_leading_mentions(first_line(case.last_customer_text)) or "—",
        "turn": whose_turn(
            status=status,
            last_customer_message_at=case.last_customer_message_at,
            last_agent_message_at=case.last_agent_message_at,
        ),
        "ref": case.reference or str(case.pk),
        "status": status,
        "status_label": labels["status"].get(status, status),
        "priority": case.priority if case.priority in ("high", "urgent") else "",
        "priority_label": labels["priority"].get(case.priority, case.priority),
        "lang": (case.language or "").upper() or "—",
        "category": case.category.label if case.category else "",
        "suggested": case.suggested_category.label if case.suggested_category else "",
        "assignee": "" if not case.assignee or case.assignee_id == user.pk else person(case.assignee),
        "is_mine": bool(case.assignee_id) and case.assignee_id == user.pk,
        "team": case.team.name if case.team else "",
    }


def _counts_display(counts: dict[str, int]) -> list[dict]:
    return [
        {
            "key": key,
            "label": QUEUE_LABELS[key],
            "count": counts[key],
            "display": f"{RESOLVED_COUNT_CAP}+" if counts[key] > RESOLVED_COUNT_CAP else str(counts[key]),
        }
        for key in QUEUES
    ]


def results_fingerprint(context: dict) -> str:
    """A short digest of what the queue results show, without the SLA countdown texts and colours.

    The results redraw themselves every ``POLL_SECONDS``. Redrawing identical rows moves a screen
    reader's reading position and costs the page its focus for nothing, so inbox.js keeps the drawn
    results when a refresh brings the same digest. The countdowns are left out because the page
    ticks them itself from each row's due time, which is in the digest.
    """
    rows = [
        (
            case.pk,
            case.is_overdue,
            case.escalation_level,
            case.escalation_reason,
            case.has_risk_words,
            case.row["sla"]["iso"],
            sorted((key, str(value)) for key, value in case.row.items() if key != "sla"),
        )
        for case in context["rows"]
    ]
    shown = (
        context["queue"],
        rows,
        [(item["key"], item["display"]) for item in context["queues"]],
        context.get("header_count"),
        context["first_index"],
        context["last_index"],
        context["prev_url"],
        context["next_url"],
        str(context["empty_hint"]),
    )
    return hashlib.blake2b(repr(shown).encode(), digest_size=12).hexdigest()


@require_GET
@crm_role_required
def queue_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    default_queue = "all_open" if user_sees_all_cases(user) else "mine"
    choices = _filter_choices()
    form = QueueFilterForm(request.GET or None, **choices)
    data = form.cleaned_data if form.is_valid() else {}
    queue = data.get("queue") or default_queue
    filters = CaseFilters.from_dict(data)
    page = data.get("page") or 1
    size = int(app_settings.INBOX_PAGE_SIZE)
    offset = (page - 1) * size
    rows = case_list_page(
        user=user, queue=queue, filters=filters, offset=offset, limit=size + 1, known=_known_objects(choices)
    )
    has_next = len(rows) > size
    rows = rows[:size]
    now = timezone.now()
    # One reverse() for the page, not one {% url %} per row.
    url_pattern = reverse("crm_twitter_inbox:case", args=[987654321]).replace("987654321", "{}")
    labels = _row_labels()
    for case in rows:
        case.row = _row_display(case, user=user, url=url_pattern.format(case.pk), now=now, labels=labels)
    counts = case_queue_counts(user=user, filters=filters)
    header_count = counts[queue]
    if not filters.is_empty:
        # The header counts what the filters match; a short last page needs no extra query.
        if has_next or (not rows and page > 1):
            header_count = case_list_count(user=user, queue=queue, filters=filters)
        else:
            header_count = offset + len(rows)

    params = {k: v for k, v in request.GET.items() if k not in ("page", "queue") and v}
    base_query = urlencode(params)

    def page_url(number: int) -> str:
        return "?" + urlencode({**params, "queue": queue, "page": number})

    context = {
        "form": form,
        "main_fields": [form[name] for name in ("status", "category", "language")],
        "more_fields": [form[name] for name in ("brand_account", "team", "assignee", "escalation", "reach_min")],
        "date_fields": [form["opened_from"], form["opened_to"]],
        "queue": queue,
        "queue_label": QUEUE_LABELS[queue],
        "empty_hint": QUEUE_HINTS[queue] if filters.is_empty else _("No case matches these filters."),
        "queues": _counts_display(counts),
        "queue_count": counts[queue],
        "header_count": f"{RESOLVED_COUNT_CAP}+" if header_count > RESOLVED_COUNT_CAP else str(header_count),
        "queue_path": request.path,
        "rows": rows,
        "page": page,
        "first_index": offset + 1 if rows else 0,
        "last_index": offset + len(rows),
        "prev_url": page_url(page - 1) if page > 1 else "",
        "next_url": page_url(page + 1) if has_next else "",
        "filter_query": base_query,
        "filters_active": not filters.is_empty,
        "more_filters_active": any(
            data.get(k)
            for k in ("team", "assignee", "escalation", "reach_min", "opened_from", "opened_to", "brand_account")
        ),
        "poll_seconds": POLL_SECONDS,
        "can_act": user_can_act(user),
        "self_url": request.get_full_path(),
    }
    context["fingerprint"] = results_fingerprint(context)
    if request.htmx and request.htmx.target == "queue-results":
        return render(request, "crm_twitter/inbox/_queue_results.html", context)
    return render(request, "crm_twitter/inbox/queue.html", context)
