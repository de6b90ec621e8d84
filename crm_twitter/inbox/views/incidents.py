"""The incident pages: the list of surges and one incident's page, with its bulk actions.

Supervisors and managers see them (``roles.user_may_view_incidents``); only those who may manage
incidents get the forms. Each action validates a small form and calls one service of
``services/incidents.py`` (which owns the rules, the per-case events and the stale-form check),
then goes back to the page (POST → redirect → GET). A bulk action's outcome — which cases it
acted on and which it skipped, and why — waits in the session for that next page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_GET, require_POST

from crm_twitter.conf import app_settings
from crm_twitter.dates import short_date, short_datetime
from crm_twitter.forbidden import forbidden_response
from crm_twitter.inbox.access import crm_role_required
from crm_twitter.inbox.display import duration_text, person
from crm_twitter.inbox.incident_forms import (
    CloseForm,
    IncidentFilterForm,
    MergeForm,
    ReplyAllForm,
    ReplyPlanForm,
    ResolveAllForm,
    StatusUpdateForm,
    UnlinkForm,
)
from crm_twitter.models import BrandAccount, Case, CaseStatus, Incident, Outcome, ReplyTemplate
from crm_twitter.reports.charts import Chart, columns_against_baseline
from crm_twitter.roles import user_may_manage_incidents, user_may_view_incidents
from crm_twitter.selectors.incidents import (
    IncidentDetail,
    incident_detail,
    incident_list,
    incidents_merge_targets,
)
from crm_twitter.services import incidents as incident_services
from crm_twitter.services.errors import CaseRuleError

SESSION_RESULT = "crm_incident_result"
REPLY_STEP = "incident_reply"
TICK_EVERY = 6  # hours between two labels of the chart's axis


def incidents_view_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A desk role that may see incidents (supervisors, managers); others get the styled 403."""

    @crm_role_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not user_may_view_incidents(request.user):
            return forbidden_response(request, _("Incidents are for supervisors and managers."))
        return view(request, *args, **kwargs)

    return wrapper


def incidents_manage_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Acting on an incident speaks to many customers at once: supervisors only."""

    @incidents_view_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not user_may_manage_incidents(request.user):
            return forbidden_response(request, _("Your role can see incidents but not act on them."))
        return view(request, *args, **kwargs)

    return wrapper


# --- The list ------------------------------------------------------------------------------------


def _duration(incident: Incident, now) -> str:
    """How long the incident has lasted (until it closed), in the reader's language."""
    return duration_text(((incident.closed_at or now) - incident.opened_at).total_seconds())


@require_GET
@incidents_view_required
def incident_list_view(request: HttpRequest) -> HttpResponse:
    accounts = list(BrandAccount.objects.filter(is_active=True).only("id", "handle").order_by("handle"))
    form = IncidentFilterForm(request.GET or None, accounts=accounts)
    data = form.cleaned_data if form.is_valid() else {}
    account = data.get("brand_account")
    incidents = incident_list(status=data.get("status") or "", brand_account_id=int(account) if account else None)
    now = timezone.now()
    rows = [
        {
            "incident": incident,
            "url": reverse("crm_twitter_inbox:incident", args=[incident.pk]),
            "opened": short_datetime(incident.opened_at),
            "duration": _duration(incident, now),
            "account": incident.brand_account.handle,
        }
        for incident in incidents
    ]
    context = {
        "form": form,
        "rows": rows,
        "filters_active": bool(data.get("status") or account),
        "open_count": sum(1 for incident in incidents if incident.is_open),
    }
    return render(request, "crm_twitter/inbox/incidents.html", context)


# --- One incident --------------------------------------------------------------------------------


def _incident_or_404(pk: int) -> Incident:
    try:
        return Incident.objects.select_related("brand_account", "category").get(pk=pk)
    except Incident.DoesNotExist:
        raise Http404("No such incident")


def _dimensions(incident: Incident) -> list[tuple[str, str]]:
    rows = []
    if incident.category_id:
        rows.append((_("Category"), incident.category.label))
    if incident.carrier:
        rows.append((_("Carrier"), incident.carrier))
    if incident.sku:
        rows.append((_("Product SKU"), incident.sku))
    if incident.destination_country:
        rows.append((_("Destination country"), incident.destination_country))
    return rows


def incident_chart(detail: IncidentDetail) -> Chart:
    """Counts against the baseline, hour by hour (server-rendered SVG with its table)."""
    series = detail.series
    labels = [short_datetime(hour) for hour in series.hours]
    # The axis prints every sixth hour: the time, and the date where a new day starts.
    ticks, day = [], None
    for i, hour in enumerate(series.hours):
        local = timezone.localtime(hour)
        if i % TICK_EVERY == 0 and local.date() != day:
            day = local.date()
            ticks.append(f"{short_date(local)} {local:%H:%M}")
        else:
            ticks.append(f"{local:%H:%M}")
    return columns_against_baseline(
        key="incident",
        title=_("Complaining customers per hour against the usual"),
        x_labels=labels,
        observed=series.observed,
        baseline=series.baseline,
        observed_label=_("Customers complaining"),
        baseline_label=ngettext(
            "Usual (same hour, previous week)", "Usual (same hour, mean of %(weeks)d previous weeks)", series.weeks
        )
        % {"weeks": series.weeks},
        marker_index=series.opened_index,
        marker_label=pgettext("incident opened", "Opened"),
        tick_every=TICK_EVERY,
        tick_labels=ticks,
    )


def _case_rows(detail: IncidentDetail, *, can_manage: bool) -> list[dict]:
    statuses = {k: str(v) for k, v in CaseStatus.choices}
    url_pattern = reverse("crm_twitter_inbox:case", args=[987654321]).replace("987654321", "{}")
    rows = []
    for link in detail.links:
        case = link.case
        x_user = case.customer_x_user
        rows.append(
            {
                "pk": case.pk,
                "url": url_pattern.format(case.pk),
                "ref": case.reference or str(case.pk),
                "customer": (x_user.name if x_user else "") or case.customer.display_name or "—",
                "handle": x_user.handle if x_user else "",
                "status": case.status,
                "status_label": statuses.get(case.status, case.status),
                "assignee": person(case.assignee) or "",
                "language": (case.language or "").upper() or "—",
                "linked": short_datetime(link.linked_at),
                "can_unlink": can_manage,
            }
        )
    return rows


def _reply_templates() -> list[ReplyTemplate]:
    return list(
        ReplyTemplate.objects.filter(is_active=True, step=REPLY_STEP)
        .only("id", "name", "language", "channel")
        .order_by("channel", "language", "name")
    )


def _reply_plan(request: HttpRequest, incident: Incident, refs: dict[int, str]) -> dict | None:
    """The plan for "reply to all" when the supervisor asked for it (a GET: nothing is sent)."""
    if "reply_channel" not in request.GET:
        return None
    form = ReplyPlanForm(request.GET)
    if not form.is_valid():
        return {"error": _("Choose public or DM, and a template from the list."), "form": form}
    channel, template_id = form.cleaned_data["reply_channel"], form.cleaned_data.get("reply_template")
    try:
        plan = incident_services.incident_reply_plan(incident=incident, channel=channel, template_id=template_id)
    except CaseRuleError as exc:
        return {"error": exc.message, "form": form}
    return {
        "form": form,
        "plan": plan,
        "channel": channel,
        "template_id": template_id or "",
        "skipped": [(refs.get(case_id, f"#{case_id}"), reason) for case_id, reason in plan.skipped],
        "confirm_form": ReplyAllForm(
            initial={
                "version": incident.version,
                "channel": channel,
                "template": template_id or "",
                "confirmed_total_cost": plan.total_cost,
            }
        ),
    }


def _bulk_result(request: HttpRequest, refs: dict[int, str]) -> dict | None:
    """The last bulk action's outcome, once (it was stored by the action before the redirect)."""
    stored = request.session.pop(SESSION_RESULT, None)
    if not stored:
        return None
    ids = [*stored["done"], *(case_id for case_id, _reason in stored["skipped"])]
    missing = [case_id for case_id in ids if case_id not in refs]
    if missing:
        refs = {**refs, **dict(Case.objects.filter(pk__in=missing).values_list("pk", "reference"))}
    return {
        "title": stored["title"],
        "done": [refs.get(case_id) or f"#{case_id}" for case_id in stored["done"]],
        "skipped": [(refs.get(case_id) or f"#{case_id}", reason) for case_id, reason in stored["skipped"]],
    }


def incident_context(
    request: HttpRequest, pk: int, *, status_form: StatusUpdateForm | None = None, status_error: str = ""
) -> dict:
    """Everything the incident page shows, in a fixed number of queries for any size of incident.

    ``status_form``/``status_error``: a refused status update comes back with its text and the reason."""
    try:
        detail = incident_detail(pk=pk)
    except Incident.DoesNotExist:
        raise Http404("No such incident")
    incident = detail.incident
    can_manage = user_may_manage_incidents(request.user) and incident.is_open
    cases = _case_rows(detail, can_manage=can_manage)
    refs = {row["pk"]: row["ref"] for row in cases}
    context: dict[str, Any] = {
        "incident": incident,
        "detail": detail,
        "dimensions": _dimensions(incident),
        "chart": incident_chart(detail),
        "cases": cases,
        "can_manage": can_manage,
        "may_manage": user_may_manage_incidents(request.user),
        "bulk_result": _bulk_result(request, refs),
        "duration": _duration(incident, timezone.now()),
        "page_url": reverse("crm_twitter_inbox:incident", args=[incident.pk]),
    }
    if can_manage:
        if status_form is None:
            try:
                draft = incident_services.incident_status_update_draft(incident=incident, actor=request.user)
            except CaseRuleError:
                draft = ""
            status_form = StatusUpdateForm(initial={"version": incident.version, "text": draft})
        context.update(
            {
                "status_form": status_form,
                "status_error": status_error,
                "status_limit": app_settings.TWEET_MAX_WEIGHTED_LENGTH,
                "plan_form": ReplyPlanForm(request.GET if "reply_channel" in request.GET else None),
                "reply_templates": _reply_templates(),
                "reply_plan": _reply_plan(request, incident, refs),
                "resolve_form": ResolveAllForm(initial={"version": incident.version, "outcome": Outcome.RESHIP}),
                "merge_targets": incidents_merge_targets(incident=incident),
                "close_form": CloseForm(initial={"version": incident.version, "root_cause": incident.root_cause}),
            }
        )
    return context


@require_GET
@incidents_view_required
def incident_view(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "crm_twitter/inbox/incident.html", incident_context(request, pk))


# --- Actions -------------------------------------------------------------------------------------


def _first_error(form: forms.Form) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields and form.fields[field].label else ""
        return f"{label}: {errors[0]}" if label and field != "__all__" else str(errors[0])
    return _("Please check the form.")


def _refused(exc: CaseRuleError) -> str:
    if exc.code == "stale":
        return _(
            "This incident changed while you were looking at it (cases were linked, answered or resolved). "
            "Review the page and try again."
        )
    return exc.message


def _back(pk: int, anchor: str = "") -> HttpResponse:
    response = redirect("crm_twitter_inbox:incident", pk=pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _run(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    apply: Callable[[Incident, dict[str, Any]], str],
    *,
    anchor: str = "",
) -> HttpResponse:
    """Validate → apply (the service checks the version) → message → back to the page."""
    incident = _incident_or_404(pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back(incident.pk, anchor)
    try:
        done = apply(incident, form.cleaned_data)
    except CaseRuleError as exc:
        messages.error(request, _refused(exc))
    else:
        if done:
            messages.success(request, done)
    return _back(incident.pk, anchor)


def _store_result(request: HttpRequest, title: str, result: incident_services.BulkResult) -> str:
    """Keep the bulk outcome for the next page; return the one-line summary for the flash."""
    request.session[SESSION_RESULT] = {
        "title": title,
        "done": [int(case_id) for case_id in result.done],
        "skipped": [[int(case_id), str(reason)] for case_id, reason in result.skipped],
    }
    return _("%(title)s: %(done)s done, %(skipped)s skipped.") % {
        "title": title,
        "done": len(result.done),
        "skipped": len(result.skipped),
    }


@require_POST
@incidents_manage_required
def incident_status_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the public status update; a refusal keeps the text on the page, with the reason."""
    incident = _incident_or_404(pk)
    form = StatusUpdateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            incident_services.incident_status_update_post(
                incident=incident, actor=request.user, text=data["text"], expected_version=data["version"]
            )
        except CaseRuleError as exc:
            error = _refused(exc)
        else:
            messages.success(
                request,
                _("Status update queued for posting from @%(handle)s.") % {"handle": incident.brand_account.handle},
            )
            return _back(incident.pk, "status-updates")
    else:
        error = _first_error(form)
    # The text and the reason stay; the browser shows the incident's own URL (inbox.js), so a
    # reload does not post again. The version stays the one the supervisor saw.
    context = incident_context(request, incident.pk, status_form=form, status_error=error)
    return render(request, "crm_twitter/inbox/incident.html", context, status=422)


@require_POST
@incidents_manage_required
def incident_status_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the outbound guard's verdict on the status update (weighted length, private data, cost)."""
    incident = _incident_or_404(pk)
    text = request.POST.get("text", "")
    limit = app_settings.TWEET_MAX_WEIGHTED_LENGTH
    context = {"channel": "public", "length": len(text), "limit": limit, "verdict": None}
    if text.strip():
        try:
            context["verdict"] = incident_services.incident_status_update_preview(incident=incident, text=text)
        except CaseRuleError as exc:
            context["error"] = exc.message
    return render(request, "crm_twitter/inbox/_compose_verdict.html", context)


@require_POST
@incidents_manage_required
def incident_reply_all_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(incident: Incident, data: dict) -> str:
        result = incident_services.incident_reply_all(
            incident=incident,
            actor=request.user,
            channel=data["channel"],
            template_id=data.get("template"),
            confirmed_total_cost=data["confirmed_total_cost"],
            expected_version=data["version"],
        )
        return _store_result(request, _("Reply to all"), result)

    return _run(request, pk, ReplyAllForm, apply, anchor="bulk-result")


@require_POST
@incidents_manage_required
def incident_resolve_all_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(incident: Incident, data: dict) -> str:
        result = incident_services.incident_resolve_all(
            incident=incident,
            actor=request.user,
            outcome=data["outcome"],
            note=data.get("note") or "",
            refund_amount=data.get("refund_amount"),
            refund_currency=data.get("refund_currency") or "",
            expected_version=data["version"],
        )
        return _store_result(request, _("Resolve all"), result)

    return _run(request, pk, ResolveAllForm, apply, anchor="bulk-result")


@require_POST
@incidents_manage_required
def incident_merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _back(pk, "merge")
    incident = _incident_or_404(pk)
    into = _incident_or_404(form.cleaned_data["into"])
    try:
        merged = incident_services.incident_merge(incident=incident, into=into, actor=request.user)
    except CaseRuleError as exc:
        messages.error(request, _refused(exc))
        return _back(incident.pk, "merge")
    target = merged.merged_into_id or into.pk
    messages.success(request, _("Merged into this incident: “%(title)s”.") % {"title": incident.title})
    return _back(target)


@require_POST
@incidents_manage_required
def incident_unlink_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(incident: Incident, data: dict) -> str:
        case = get_object_or_404(Case, pk=data["case"], incident_links__incident=incident)
        incident_services.incident_unlink_case(incident=incident, case=case, actor=request.user)
        return _("Case %(ref)s unlinked from the incident.") % {"ref": case.reference or case.pk}

    return _run(request, pk, UnlinkForm, apply, anchor="linked-cases")


@require_POST
@incidents_manage_required
def incident_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(incident: Incident, data: dict) -> str:
        incident_services.incident_close(
            incident=incident, actor=request.user, root_cause=data["root_cause"], expected_version=data["version"]
        )
        return _("Incident closed.")

    return _run(request, pk, CloseForm, apply)
