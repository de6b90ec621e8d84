"""The case page: timeline, side panels and composer, plus the small htmx partials it polls."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_http_methods

from crm_twitter.inbox import presence
from crm_twitter.inbox.access import (
    crm_role_required,
    user_can_act,
    user_can_assign_others,
    visible_case_or_404,
)
from crm_twitter.inbox.forms import (
    CategoryForm,
    ComposeForm,
    EscalateForm,
    NoteForm,
    PromiseForm,
    ResolveForm,
)
from crm_twitter.inbox.presenters import timeline_cache_key, timeline_present
from crm_twitter.inbox.views.common import numbers_in_texts
from crm_twitter.models import Case, CaseStatus, ComplaintCategory, OutboundMessage, Outcome, Promise
from crm_twitter.selectors.assignees import assignee_groups, teams_to_move_to
from crm_twitter.selectors.case_changes import case_changes_since
from crm_twitter.selectors.case_detail import customer_case_history, reply_templates_offered
from crm_twitter.selectors.orders import order_is_for_case_customer, orders_by_numbers, orders_search
from crm_twitter.selectors.timeline import case_timeline
from crm_twitter.selectors.visibility import cases_visible_to
from crm_twitter.services.lifecycle import allowed_transitions, reopen_target
from crm_twitter.services.templates import template_step_next

# How often an open case page pings (who else is here, is the case changed): well under
# presence.PRESENCE_TTL_SECONDS, so a viewer stays listed between two pings.
PRESENCE_SECONDS = 4

CHANNELS = ("public", "dm")
# Status buttons shown beside "Resolve" (resolve has its own form; reopen comes from the service).
TRANSITION_STYLE = {
    CaseStatus.ACKNOWLEDGED: "secondary",
    CaseStatus.IN_DM: "secondary",
    CaseStatus.PENDING_MERCHANT: "secondary",
    CaseStatus.AWAITING_CUSTOMER: "secondary",
    CaseStatus.CLOSED: "secondary",
    CaseStatus.NOT_ACTIONABLE: "ghost",
    CaseStatus.NEW: "ghost",
}


def _latest_customer_tweet(timeline) -> str:
    for entry in reversed(timeline):
        if entry.kind == "tweet" and entry.obj.direction == "inbound":
            return entry.obj.x_id
    return ""


def _steps_sent(timeline) -> list[tuple[str, dt.datetime]]:
    """The template steps sent (or on their way) from the desk, with when each was queued."""
    seen: dict[int, tuple[str, dt.datetime]] = {}
    for entry in timeline:
        ob = entry.outbound
        if ob is not None and ob.status != OutboundMessage.Status.FAILED and getattr(ob, "template_step", None):
            seen[ob.pk] = (ob.template_step, ob.created_at)
    return list(seen.values())


def _default_currency(case: Case) -> str:
    for order in case.orders.all():
        if order.currency:
            return order.currency
    return ""


def _mark_whose(case: Case, orders: list) -> None:
    """Tell each order card whether the order is this case's customer's (else it names the owner)."""
    for order in orders:
        order.is_case_customer = order_is_for_case_customer(order, case=case)


def case_context(
    request: HttpRequest,
    case: Case,
    *,
    compose_form: ComposeForm | None = None,
    compose_error: str = "",
    channel: str = "",
) -> dict:
    """Everything the case page shows; a fixed number of queries for any size of case.

    ``channel`` keeps the composer on the channel the agent just used (after a DM it stays on DM);
    without it the composer starts where the case's status points.
    """
    user = request.user
    timeline = case_timeline(case=case, display_only=True)
    can_act = user_can_act(user)
    linked_orders = list(case.orders.all())
    inbound_texts = [e.obj.text for e in timeline if e.kind in ("tweet", "dm") and e.obj.direction == "inbound"]
    found_orders = (
        orders_by_numbers(user=user, numbers=numbers_in_texts(inbound_texts), exclude_case=case) if can_act else []
    )
    _mark_whose(case, linked_orders + found_orders)
    promises = list(case.promises.all())
    open_promises = [p for p in promises if p.status == Promise.Status.OPEN]
    templates = reply_templates_offered(case=case) if can_act else []
    suggested_step = template_step_next(
        status=case.status,
        steps_sent=_steps_sent(timeline),
        resolved_at=case.resolved_at,
        has_open_promise=bool(open_promises),
    )
    in_reply_to = _latest_customer_tweet(timeline)
    transitions = [str(s) for s in allowed_transitions(case) if s != CaseStatus.RESOLVED]
    # Supervisors hand a case to anyone on the roster, grouped by team (picking someone of another
    # team moves the case to theirs), or move the case to another team.
    assignee_menu = assignee_groups(case=case) if user_can_assign_others(user) else []
    move_teams = teams_to_move_to(case=case) if user_can_assign_others(user) else []
    if channel not in CHANNELS or (channel == "public" and not in_reply_to):
        channel = (
            "dm"
            if case.status in (CaseStatus.IN_DM, CaseStatus.PENDING_MERCHANT, CaseStatus.AWAITING_CUSTOMER)
            or not in_reply_to
            else "public"
        )
    due_default = (timezone.localtime() + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    status_labels = dict(CaseStatus.choices)
    sla_rows = [
        (label, value)
        for label, value in (
            ("first_response", case.sla_first_response_due),
            ("next_response", case.sla_next_response_due),
            ("resolution", case.sla_resolution_due),
        )
    ]
    return {
        "case": case,
        "timeline": timeline,
        # Built only when the timeline fragment is not in the cache under this key.
        "timeline_items": SimpleLazyObject(lambda: timeline_present(timeline, case=case)),
        "timeline_key": timeline_cache_key(timeline, user=user, can_act=can_act),
        "can_act": can_act,
        "can_assign_others": bool(assignee_menu or move_teams),
        "assignee_groups": assignee_menu,
        "assignees": [person for group in assignee_menu for person in group.users],
        "move_teams": move_teams,
        "linked_orders": linked_orders,
        "found_orders": found_orders,
        "promises": promises,
        "open_promises": open_promises,
        "history": customer_case_history(case=case),
        "templates": templates,
        "suggested_step": suggested_step,
        "in_reply_to": in_reply_to,
        "transitions": [(s, status_labels.get(s, s), TRANSITION_STYLE.get(s, "secondary")) for s in transitions],
        # The reopen menu starts where the lifecycle would restart the case (in DM once it moved there).
        "reopen_default": "" if case.is_open else str(reopen_target(case)),
        "can_resolve": case.is_open and can_act,
        "categories": list(ComplaintCategory.objects.filter(is_active=True)) if can_act else [],
        "compose_form": compose_form or ComposeForm(initial={"version": case.version, "channel": channel}),
        "compose_channel": (compose_form.data.get("channel") if compose_form is not None else channel) or channel,
        "compose_error": compose_error,
        "note_form": NoteForm(),
        "escalate_form": EscalateForm(initial={"version": case.version}),
        "category_form": CategoryForm(initial={"version": case.version}),
        "promise_form": PromiseForm(initial={"version": case.version, "due_at": due_default}),
        "resolve_form": ResolveForm(
            open_promises=open_promises,
            initial={
                "version": case.version,
                "outcome": Outcome.REFUND,
                "refund_currency": _default_currency(case),
                "refund_amount": sum((o.total_amount for o in linked_orders), Decimal("0")) or None,
                "category": case.category_id or case.suggested_category_id,
            },
        ),
        "activity_count": sum(1 for entry in timeline if entry.kind == "event"),
        "category_needed": not case.category_confirmed,
        "sla_rows": sla_rows,
        "others": presence.presence_ping(case_id=case.pk, user=user),
        "presence_seconds": PRESENCE_SECONDS,
        "x_handle": case.customer_x_user.handle if case.customer_x_user_id else "",
    }


@require_GET
@crm_role_required
def case_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case_or_404(request, pk)
    channel = request.GET.get("channel", "")
    return render(request, "crm_twitter/inbox/case.html", case_context(request, case, channel=channel))


def case_update(
    request: HttpRequest,
    pk: int,
    *,
    compose_form: ComposeForm | None = None,
    compose_error: str = "",
    channel: str = "",
    compose_done: bool = False,
    status: int = 200,
) -> HttpResponse:
    """htmx: the parts of the case page an action may have changed, to swap in place.

    The answer holds the summary, the action bar, the timeline, the side panels, the template
    picker, the flash messages and every version token (out-of-band swaps by id); the composer's
    text is redrawn only after a send (emptied, on the channel just used) or a refusal (kept, with
    the reason), so a note or a status change never loses a draft. ``X-CRM-Case-Update`` tells
    inbox.js it got this answer and not a whole page.
    """
    case = visible_case_or_404(request, pk)
    context = case_context(request, case, compose_form=compose_form, compose_error=compose_error, channel=channel)
    context["compose_redraw"] = compose_done or compose_form is not None
    response = render(request, "crm_twitter/inbox/_case_update.html", context, status=status)
    response["X-CRM-Case-Update"] = "1"
    return response


@require_http_methods(["GET", "POST"])
@crm_role_required
def presence_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Heartbeat: records this viewer (typing or not) and returns who else is on the case.

    Also tells the page when the case changed since it was drawn — and whether the customer
    wrote or a colleague changed something — so the agent reloads before acting on a stale
    picture. Only changes that move ``Case.version`` count: the agent's own message being
    delivered, SLA clocks or presence never raise the banner.
    """
    version = cases_visible_to(request.user).filter(pk=pk).values_list("version", flat=True).first()
    if version is None:
        return HttpResponse(status=404)
    if request.POST.get("leaving"):
        presence.presence_leave(case_id=pk, user=request.user)
        return HttpResponse(status=204)
    typing = (request.POST.get("typing") or request.GET.get("typing")) == "1"
    others = presence.presence_ping(case_id=pk, user=request.user, typing=typing)
    try:
        page_version = int(request.POST.get("v") or request.GET.get("v") or 0)
    except ValueError:
        page_version = 0
    changed = bool(page_version and version != page_version)
    change = case_changes_since(case_id=pk, version=page_version, user_id=request.user.pk) if changed else None
    return render(
        request,
        "crm_twitter/inbox/_presence.html",
        {
            "others": others,
            "changed": changed,
            "change_sentence": change.sentence() if change is not None else "",
            "case_pk": pk,
        },
    )


@require_GET
@crm_role_required
def order_search_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case_or_404(request, pk)
    text = request.GET.get("order_q", "")
    orders = orders_search(user=request.user, text=text, exclude_case=case)
    _mark_whose(case, orders)
    return render(
        request,
        "crm_twitter/inbox/_order_results.html",
        {
            "case": case,
            "orders": orders,
            "searched": len(text.strip()) >= 3,
            "can_act": user_can_act(request.user),
        },
    )
