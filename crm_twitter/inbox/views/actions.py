"""Case actions: each one validates a small form and calls one service with the version it carries.

The services (workflow, outbound) own the rules, the audit trail and the stale-form check (each
takes the form's ``version`` as ``expected_version`` and refuses under the case lock with
``StaleCase``); a view only translates their errors into a message for the agent — for a stale
form, what changed — and goes back to the case (POST → redirect → GET).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_twitter.conf import app_settings
from crm_twitter.inbox.access import crm_action_required, visible_case_or_404
from crm_twitter.inbox.forms import (
    AssignForm,
    CategoryForm,
    ComposeForm,
    EscalateForm,
    MoveTeamForm,
    NoteForm,
    OrderForm,
    PromiseForm,
    PromiseKeepForm,
    ResolveForm,
    RetryForm,
    TransitionForm,
)
from crm_twitter.inbox.views.case import case_context, case_update
from crm_twitter.inbox.views.common import back_to_case, stale, stale_message
from crm_twitter.models import Case, CaseStatus, Order, OutboundMessage, Promise, ReplyTemplate, Team
from crm_twitter.selectors.case_detail import reply_template_active
from crm_twitter.selectors.orders import order_for_linking
from crm_twitter.services.case_edits import case_add_note, case_link_order, case_set_category, case_unlink_order
from crm_twitter.services.case_teams import case_move_team
from crm_twitter.services.compose import outbound_retry, reply_compose, reply_preview
from crm_twitter.services.errors import CaseRuleError, StaleCase
from crm_twitter.services.escalation import case_escalate
from crm_twitter.services.lifecycle import case_resolve, case_transition
from crm_twitter.services.promises import promise_create, promise_keep
from crm_twitter.services.routing import case_assign, case_take
from crm_twitter.services.templates import template_render


def _first_error(form: forms.Form) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields and form.fields[field].label else ""
        return f"{label}: {errors[0]}" if label and field != "__all__" else str(errors[0])
    return _("Please check the form.")


def _answer(request: HttpRequest, case: Case, anchor: str = "") -> HttpResponse:
    """htmx: the changed parts of the page, swapped in place; without JavaScript: back to the case."""
    if request.htmx:
        return case_update(request, case.pk)
    return back_to_case(case.pk, anchor)


def _run(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form] | Callable[[Case, Any], forms.Form],
    apply: Callable[[Case, dict[str, Any]], str],
    *,
    anchor: str = "",
) -> HttpResponse:
    """Validate → apply (the service checks the version) → message → the case, updated in place
    (htmx) or reloaded (POST → redirect → GET)."""
    case = visible_case_or_404(request, pk)
    form = form_class(case, request.POST) if not isinstance(form_class, type) else form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return _answer(request, case, anchor)
    data = form.cleaned_data
    try:
        done = apply(case, data)
    except StaleCase as exc:
        stale(request, exc)
    except CaseRuleError as exc:
        messages.error(request, exc.message)
    else:
        if done:
            messages.success(request, done)
    return _answer(request, case, anchor)


@require_POST
@crm_action_required
def take_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(case: Case, data: dict) -> str:
        case_take(case=case, actor=request.user, expected_version=data["version"])
        return _("You own this case now.")

    return _run(request, pk, AssignForm, apply)


@require_POST
@crm_action_required
def assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(case: Case, data: dict) -> str:
        # Who may assign whom is case_assign's rule; it refuses with NotPermitted.
        pk = data.get("assignee")  # an int (the form refuses anything else) or None: unassign
        assignee = get_object_or_404(get_user_model(), pk=pk) if pk is not None else None
        case_assign(case=case, assignee=assignee, actor=request.user, expected_version=data["version"])
        if assignee is None:
            return _("Case unassigned.")
        return _("Assigned to %(name)s.") % {"name": assignee.get_full_name() or assignee.get_username()}

    return _run(request, pk, AssignForm, apply)


@require_POST
@crm_action_required
def move_team_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(case: Case, data: dict) -> str:
        # Who may move a case, and whether its assignee keeps it, is case_move_team's rule.
        team = get_object_or_404(Team, pk=data["team"])
        moved = case_move_team(
            case=case, team=team, actor=request.user, reason=data.get("reason", ""), expected_version=data["version"]
        )
        if moved.assignee_id is None:
            return _("Moved to %(team)s; it waits in that team's queue.") % {"team": team.name}
        return _("Moved to %(team)s.") % {"team": team.name}

    return _run(request, pk, MoveTeamForm, apply)


@require_POST
@crm_action_required
def transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(case: Case, data: dict) -> str:
        to_status = data["to_status"]
        if to_status == CaseStatus.RESOLVED:
            raise CaseRuleError(_("Use the resolve form: a resolution needs an outcome."))
        # Reopening is a transition too (resolved/closed → an open state); the table decides.
        case_transition(
            case=case,
            to_status=to_status,
            actor=request.user,
            reason=data.get("reason", ""),
            expected_version=data["version"],
        )
        return _("Status changed to %(status)s.") % {"status": CaseStatus(to_status).label}

    return _run(request, pk, TransitionForm, apply)


@require_POST
@crm_action_required
def resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(case: Case, data: dict) -> str:
        if data.get("category") is None and not case.category_confirmed:
            raise CaseRuleError(_("Choose the complaint category before resolving: no one has confirmed it yet."))
        kept = [get_object_or_404(Promise, pk=pk, case=case) for pk in data.get("keep_promises") or []]
        expected = data["version"]
        # One step for the agent: the promises ticked as kept, then the resolution, all or nothing.
        # The first service call checks the page's version under the case lock, which this
        # transaction then holds, so the later calls need no version of their own.
        with transaction.atomic():
            for promise in kept:
                promise_keep(promise=promise, actor=request.user, expected_version=expected)
                expected = None
            case_resolve(
                case=case,
                actor=request.user,
                outcome=data["outcome"],
                refund_amount=data.get("refund_amount"),
                refund_currency=data.get("refund_currency") or "",
                note=data.get("note") or "",
                expected_version=expected,
                category=data.get("category"),
            )
        return _("Case resolved. Post the public close so everyone can see it was solved.")

    def form(case: Case, data) -> ResolveForm:
        return ResolveForm(data, open_promises=case.promises.filter(status=Promise.Status.OPEN))

    return _run(request, pk, form, apply, anchor="composer")


@require_POST
@crm_action_required
def escalate_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(case: Case, data: dict) -> str:
        updated = case_escalate(
            case=case,
            actor=request.user,
            reason=data["reason"],
            level=data.get("level"),
            expected_version=data["version"],
        )
        return _("Escalated to level %(level)s.") % {"level": updated.escalation_level}

    return _run(request, pk, EscalateForm, apply)


@require_POST
@crm_action_required
def note_view(request: HttpRequest, pk: int) -> HttpResponse:
    # Notes only add to the record, so an older page may still add one: no version check.
    def apply(case: Case, data: dict) -> str:
        case_add_note(case=case, actor=request.user, text=data["text"])
        return _("Note added. Notes stay internal and are never sent.")

    return _run(request, pk, NoteForm, apply, anchor="timeline-end")


@require_POST
@crm_action_required
def category_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(case: Case, data: dict) -> str:
        case_set_category(case=case, actor=request.user, category=data["category"], expected_version=data["version"])
        return _("Category set to %(name)s.") % {"name": data["category"].name}

    return _run(request, pk, CategoryForm, apply)


def _order_or_404(request: HttpRequest, pk: int) -> Order:
    """An order outside the user's reach answers 404, like one that does not exist."""
    try:
        return order_for_linking(user=request.user, pk=pk)
    except Order.DoesNotExist:
        raise Http404("No such order")


@require_POST
@crm_action_required
def order_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(case: Case, data: dict) -> str:
        order = _order_or_404(request, data["order"])
        case_link_order(case=case, actor=request.user, order=order, expected_version=data["version"])
        return _("Order %(number)s linked.") % {"number": order.order_number}

    return _run(request, pk, OrderForm, apply, anchor="orders")


@require_POST
@crm_action_required
def order_unlink_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(case: Case, data: dict) -> str:
        order = _order_or_404(request, data["order"])
        case_unlink_order(case=case, actor=request.user, order=order, expected_version=data["version"])
        return _("Order %(number)s unlinked.") % {"number": order.order_number}

    return _run(request, pk, OrderForm, apply, anchor="orders")


@require_POST
@crm_action_required
def promise_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(case: Case, data: dict) -> str:
        promise_create(
            case=case,
            actor=request.user,
            kind=data["kind"],
            description=data["description"],
            due_at=data["due_at"],
            expected_version=data["version"],
        )
        return _("Promise recorded. It is tracked until you mark it kept.")

    return _run(request, pk, PromiseForm, apply, anchor="promises")


@require_POST
@crm_action_required
def promise_keep_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(case: Case, data: dict) -> str:
        promise = get_object_or_404(Promise, pk=data["promise"], case=case)
        promise_keep(promise=promise, actor=request.user, note=data.get("note", ""), expected_version=data["version"])
        return _("Promise marked as kept.")

    return _run(request, pk, PromiseKeepForm, apply, anchor="promises")


@require_POST
@crm_action_required
def retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(case: Case, data: dict) -> str:
        message = get_object_or_404(OutboundMessage, pk=data["message"], case=case)
        outbound_retry(message=message, actor=request.user)
        return _("Sending again.")

    # A retry re-queues one failed message (its status is the guard); it changes nothing else.
    return _run(request, pk, RetryForm, apply, anchor="timeline-end")


def _form_with(form: ComposeForm, **changes: str) -> ComposeForm:
    """The submitted composer with some fields replaced (the agent's text is kept)."""
    data = form.data.copy()
    for name, value in changes.items():
        data[name] = value
    form = ComposeForm(data)
    form.is_valid()
    return form


@require_POST
@crm_action_required
def compose_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a public reply or a DM. Refusals keep the text in the composer, with the reason."""
    case = visible_case_or_404(request, pk)
    form = ComposeForm(request.POST)
    if not form.is_valid():
        error = _first_error(form)
    else:
        data = form.cleaned_data
        try:
            # Only an active template may be sent under (a stale page may still carry a withdrawn one).
            template = reply_template_active(pk=data["template"]) if data.get("template") else None
        except ReplyTemplate.DoesNotExist:
            error = _("The template you inserted is no longer in use. Review the text, then send again.")
            form = _form_with(form, template="")
        else:
            try:
                _send(request, case, data, template)
            except StaleCase as exc:
                # The draft stays and now carries the current version: after a look at what
                # changed (shown on this page), sending again goes through.
                error = stale_message(exc, writing=True)
                form = _form_with(form, version=str(exc.current_version or case.version))
            except CaseRuleError as exc:  # ComposeRefused and the other rules
                error = exc.message
            else:
                # The composer stays on the channel just used (after a DM, on DM).
                if request.htmx:
                    return case_update(request, case.pk, channel=data["channel"], compose_done=True)
                response = back_to_case(case.pk, "timeline-end")
                response["Location"] = response["Location"].replace("#", f"?channel={data['channel']}#", 1)
                return response
    if request.htmx:
        return case_update(request, case.pk, compose_form=form, compose_error=error, status=422)
    context = case_context(request, case, compose_form=form, compose_error=error)
    # The draft and the reason stay on this answer; the browser shows the case's own URL (inbox.js),
    # so a reload does not post the message again.
    context["page_url"] = reverse("crm_twitter_inbox:case", args=[case.pk])
    return render(request, "crm_twitter/inbox/case.html", context, status=422)


def _send(request: HttpRequest, case: Case, data: dict[str, Any], template: ReplyTemplate | None) -> None:
    """Hand the reply to the outbound service (which checks the version); say it is queued."""
    # The outbound service picks the tweet to answer (the customer's latest mention of the brand).
    reply_compose(
        case=case,
        actor=request.user,
        channel=data["channel"],
        text=data["text"],
        in_reply_to_tweet_id=None,
        template=template,
        expected_version=data["version"],
    )
    if data["channel"] == "dm":
        messages.success(request, _("Direct message queued for sending."))
    else:
        messages.success(request, _("Public reply queued for sending."))


@require_POST
@crm_action_required
def compose_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the outbound guard's verdict on the draft (weighted length, private data, cost)."""
    case = visible_case_or_404(request, pk)
    channel = "dm" if request.POST.get("channel") == "dm" else "public"
    text = request.POST.get("text", "")
    limit = app_settings.DM_MAX_LENGTH if channel == "dm" else app_settings.TWEET_MAX_WEIGHTED_LENGTH
    context = {"channel": channel, "length": len(text), "limit": limit, "verdict": None}
    if text.strip():
        try:
            context["verdict"] = reply_preview(case=case, channel=channel, text=text)
        except CaseRuleError as exc:
            context["error"] = exc.message
    return render(request, "crm_twitter/inbox/_compose_verdict.html", context)


@require_POST
@crm_action_required
def template_view(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the chosen template rendered for this case, placed in the composer."""
    case = visible_case_or_404(request, pk)
    try:
        template = reply_template_active(pk=request.POST.get("template") or request.POST.get("template_choice"))
    except ReplyTemplate.DoesNotExist:
        raise Http404("No such template")
    text = template_render(template=template, case=case, actor=request.user)
    channel = "dm" if template.channel == ReplyTemplate.Channel.DM else "public"
    form = ComposeForm(initial={"version": case.version, "channel": channel, "text": text, "template": template.pk})
    return render(
        request,
        "crm_twitter/inbox/_composer_fields.html",
        {
            "case": case,
            "compose_form": form,
            "compose_channel": channel,
            "template_used": template,
        },
    )
