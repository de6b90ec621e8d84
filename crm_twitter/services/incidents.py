"""Act on an incident: one public status update, a reply to every linked customer, resolve all,
merge, unlink, close.

An incident groups cases, it never replaces them: a bulk action goes through the same service a
single case uses (``compose.reply_compose``, ``lifecycle.case_resolve``), so every case still
gets its own events, SLA handling and satisfaction survey, and a case that changed meanwhile
(resolved by a colleague, merged, its customer unreachable) is skipped with the reason instead of
failing the whole batch. Each case is written in its own transaction (savepoint): one refusal
does not undo the others.

Every action needs ``roles.user_may_manage_incidents`` (supervisors), locks the incident row and
moves ``Incident.version``; an ``expected_version`` the person acted from that is no longer
current is refused as ``StaleCase`` (the interfaces answer 409), so two supervisors cannot, say,
both post the status update from the same page.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import DatabaseError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_twitter.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Incident,
    IncidentCase,
    IncidentEvent,
    Order,
    OutboundMessage,
    ReplyTemplate,
)
from crm_twitter.roles import user_may_manage_incidents
from crm_twitter.services.case_writes import event_add
from crm_twitter.services.compose import (
    STATUS_UPDATE,
    ComposeVerdict,
    ReplyFacts,
    _enqueue_send,
    public_text_checks,
    reply_compose,
    reply_facts_many,
    reply_preview,
)
from crm_twitter.services.errors import CaseRuleError, ComposeRefused, NotPermitted, StaleCase
from crm_twitter.services.incident_counts import incidents_open_count_forget
from crm_twitter.services.incident_links import incident_cases_link
from crm_twitter.services.lifecycle import case_resolve, outcome_validate
from crm_twitter.services.templates import (
    agent_signature,
    language_base,
    template_choose,
    template_chooser,
    template_facts_many,
    template_fill,
    template_render,
)

logger = logging.getLogger(__name__)

__all__ = [
    "ROOT_CAUSE_MAX_LENGTH",
    "BulkResult",
    "IncidentReplyPlan",
    "PlannedReply",
    "incident_close",
    "incident_merge",
    "incident_reply_all",
    "incident_reply_plan",
    "incident_resolve_all",
    "incident_status_update_draft",
    "incident_status_update_post",
    "incident_status_update_preview",
    "incident_unlink_case",
]

ROOT_CAUSE_MAX_LENGTH = 2000

# A case in one of these answers no bulk action: its conversation is over.
_FINISHED = (CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.NOT_ACTIONABLE)


@dataclass(frozen=True)
class BulkResult:
    """What a bulk action did: the cases it acted on, and the others with the reason (shown as is)."""

    done: tuple[int, ...] = ()
    skipped: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class PlannedReply:
    case_id: int
    language: str
    channel: str  # "public" or "dm"
    text: str
    estimated_cost: Decimal
    template_id: int | None = None
    in_reply_to_tweet_id: str = ""


@dataclass(frozen=True)
class IncidentReplyPlan:
    """What "reply to every linked customer" would send, before anyone confirms its cost."""

    channel: str
    replies: tuple[PlannedReply, ...]
    skipped: tuple[tuple[int, str], ...]
    total_cost: Decimal
    count: int


# --- shared ------------------------------------------------------------------------------------


def _require_manager(actor) -> None:
    if not user_may_manage_incidents(actor):
        raise NotPermitted(_("Only supervisors may act on incidents."), field="incident")


def _actor_id(actor) -> int | None:
    return getattr(actor, "pk", None)


def _lock(incident: Incident | int, *, expected_version: int | None = None, require_open: bool = True) -> Incident:
    """The incident re-read under a row lock (inside the caller's transaction), version checked."""
    pk = incident.pk if isinstance(incident, Incident) else incident
    locked = Incident.objects.select_for_update().select_related("brand_account").get(pk=pk)
    if expected_version is not None and int(expected_version) != locked.version:
        exc = StaleCase(
            _("Someone else acted on this incident in the meantime; reload it and try again."),
            field="expected_version",
        )
        exc.current_version = locked.version
        raise exc
    if require_open and not locked.is_open:
        raise _not_open(locked)
    return locked


def _not_open(incident: Incident) -> CaseRuleError:
    """The incident's state refuses the action (no input at fault: the API answers 409)."""
    return CaseRuleError(
        _("This incident is %(status)s; only an open incident can be acted on.")
        % {"status": incident.get_status_display().lower()},
        code="incident_not_open",
    )


def _save(incident: Incident, fields: list[str]) -> None:
    """Save ``fields`` and move the version (every action does), on the row and the instance.

    A new status (closed, merged) changes the top bar's count of open incidents."""
    incident.version = (incident.version or 0) + 1
    incident.save(update_fields=[*dict.fromkeys(fields), "version", "updated_at"])
    if "status" in fields:
        incidents_open_count_forget()


def _event(incident: Incident, kind: str, actor, message: str, data: dict | None = None) -> IncidentEvent:
    """The incident's history, in English like the cases' (``data`` keeps the figures for any language)."""
    return IncidentEvent.objects.create(
        incident=incident,
        actor_id=_actor_id(actor),
        kind=kind,
        message=message[:2000],
        data=data or {},
        created_at=timezone.now(),
    )


def _sync_caller(caller: Incident, locked: Incident) -> None:
    """The caller's instance shows what the action left (version, status, counts)."""
    for name in ("version", "status", "case_count", "closed_at", "closed_by_id", "root_cause", "merged_into_id"):
        setattr(caller, name, getattr(locked, name))


def _linked_cases(incident: Incident):
    return (
        Case.objects.filter(incident_links__incident=incident)
        .select_related("brand_account", "customer", "customer_x_user")
        .order_by("pk")
    )


def _case_language(case: Case) -> str:
    return case.language or (case.customer.language if case.customer_id else "") or ""


def _ineligible_reason(case: Case) -> str:
    """Why a bulk action leaves this case alone ("" when it does not)."""
    if case.merged_into_id:
        return _("Merged into case #%(id)s.") % {"id": case.merged_into_id}
    if case.status in _FINISHED:
        return _("Already %(status)s.") % {"status": CaseStatus(case.status).label.lower()}
    return ""


# --- the public status update -------------------------------------------------------------------


def _majority_language(incident: Incident) -> str:
    """The language most linked customers write in (ties: the brand's default, then alphabetical)."""
    rows = (
        IncidentCase.objects.filter(incident=incident)
        .values("case__language", "case__customer__language")
        .annotate(n=Count("id"))
    )
    counts: Counter[str] = Counter()
    for row in rows:
        language = language_base(row["case__language"] or row["case__customer__language"] or "")
        if language:
            counts[language] += row["n"]
    default = language_base(incident.brand_account.default_language) or "en"
    if not counts:
        return default
    best = max(counts.values())
    leaders = sorted(language for language, n in counts.items() if n == best)
    return default if default in leaders else leaders[0]


def incident_status_update_draft(*, incident: Incident, actor) -> str:
    """The status-update template in the majority language of the linked customers, filled in."""
    language = _majority_language(incident)
    template = template_choose(step=ReplyTemplate.Step.INCIDENT_STATUS, language=language, channel="public")
    if template is None:
        return ""
    return template_fill(
        template=template, values={"incident": incident.title, "agent_signature": agent_signature(actor)}
    )


def _known_private_values(incident: Incident) -> list[str]:
    """Order, tracking and payment numbers of the linked cases: none may appear in a public post."""
    rows = Order.objects.filter(cases__incident_links__incident=incident).values_list(
        "order_number", "tracking_number", "payment_reference"
    )
    return sorted({value for row in rows for value in row if value})


def incident_status_update_preview(*, incident: Incident, text: str) -> ComposeVerdict:
    """Check a status update as the supervisor types: the checks of any public post (X weighted
    length, private data of the linked cases' orders, cost; ``compose.public_text_checks``), and
    the incident still open."""
    text = (text or "").strip()
    checks = public_text_checks(
        text, known=_known_private_values(incident), base_kind="post_create", speaks_as=STATUS_UPDATE
    )
    refusal = checks.refusal
    if not incident.is_open and refusal is None:
        refusal = ComposeRefused(
            _("This incident is %(status)s; a status update is posted only while it is open.")
            % {"status": incident.get_status_display().lower()},
            code="incident_not_open",
            field="incident",
        )
    return ComposeVerdict(
        ok=refusal is None,
        channel="public",
        weighted_length=checks.weighted_length,
        limit=checks.limit,
        findings=checks.findings,
        warnings=checks.warnings,
        errors=(refusal.message,) if refusal else (),
        error_code=refusal.code if refusal else "",
        estimated_cost=checks.estimated_cost,
        resource_kind=checks.resource_kind,
    )


def incident_status_update_post(
    *, incident: Incident, actor, text: str, expected_version: int | None = None
) -> OutboundMessage:
    """Queue the status update: one public post from the incident's brand account, replying to
    nobody, sent once by the outbound drain (which records STATUS_UPDATE on the incident)."""
    _require_manager(actor)
    if not incident.is_open:
        raise _not_open(incident)
    text = (text or "").strip()
    verdict = incident_status_update_preview(incident=incident, text=text)
    if not verdict.ok:
        refusal = ComposeRefused(verdict.errors[0], code=verdict.error_code, field="text")
        refusal.findings = verdict.findings
        raise refusal
    with transaction.atomic():
        locked = _lock(incident, expected_version=expected_version)
        message = OutboundMessage.objects.create(
            case=None,
            incident=locked,
            brand_account_id=locked.brand_account_id,
            channel=OutboundMessage.Channel.POST,
            text=text,
            created_by_id=_actor_id(actor),
            status=OutboundMessage.Status.QUEUED,
        )
        _save(locked, [])
        _event(
            locked,
            IncidentEvent.Kind.STATUS_UPDATE,
            actor,
            "Public status update queued for sending.",
            {
                "outbound_id": message.pk,
                "state": "queued",
                "text": text,
                "estimated_cost": str(verdict.estimated_cost),
                "weighted_length": verdict.weighted_length,
            },
        )
        _enqueue_send(message.pk)
    _sync_caller(incident, locked)
    return message


# --- reply to every linked customer ---------------------------------------------------------------


def _plan(
    *, incident: Incident, channel: str, template_id: int | None, actor
) -> tuple[IncidentReplyPlan, dict[int, tuple[Case, ReplyFacts]]]:
    """The plan, and the planned cases with what their checks read (``incident_reply_all`` queues
    from them without reading each case again).

    A fixed number of queries for any number of cases: what each case's checks and template read
    (orders, promises, the customer's latest tweets, templates) is read for all of them at once
    (``compose.reply_facts_many``, ``templates.template_facts_many``) and handed to the same
    checks a single reply gets."""
    if channel not in ("public", "dm"):
        raise ComposeRefused(
            _("Unknown channel “%(channel)s”: use public or dm.") % {"channel": channel},
            code="channel",
            field="channel",
        )
    chosen: ReplyTemplate | None = None
    if template_id is not None:
        chosen = ReplyTemplate.objects.filter(pk=template_id, is_active=True).first()
        if chosen is None:
            raise ComposeRefused(_("There is no active template with that id."), code="template", field="template_id")
    # The template asked for, else each customer's language's (the step's templates read once).
    pick_template = (
        template_chooser(step=ReplyTemplate.Step.INCIDENT_REPLY, channel=channel)
        if chosen is None
        else lambda _language: chosen
    )
    replies: list[PlannedReply] = []
    skipped: list[tuple[int, str]] = []
    planned: dict[int, tuple[Case, ReplyFacts]] = {}
    # A customer answered once for this incident is not answered again by a second "reply to all".
    answered = set(
        OutboundMessage.objects.filter(incident=incident, case__isnull=False)
        .exclude(status__in=[OutboundMessage.Status.FAILED, OutboundMessage.Status.CANCELLED])
        .values_list("case_id", flat=True)
    )
    candidates: list[Case] = []
    for case in _linked_cases(incident):
        reason = _ineligible_reason(case)
        if not reason and case.pk in answered:
            reason = _("Already replied to for this incident.")
        if not reason and case.customer_x_user_id is None:
            reason = _("No X user to reach.")
        if reason:
            skipped.append((case.pk, reason))
        else:
            candidates.append(case)
    facts = reply_facts_many(candidates)
    template_facts = template_facts_many(case.pk for case in candidates)
    for case in candidates:
        language = _case_language(case)
        template = pick_template(language)
        if template is None:
            skipped.append((case.pk, _("No incident reply template for this channel.")))
            continue
        text = template_render(template=template, case=case, actor=actor, facts=template_facts[case.pk])
        # The same checks a single reply gets (reply target, DM refusal, privacy, length).
        verdict = reply_preview(case=case, channel=channel, text=text, facts=facts[case.pk])
        if not verdict.ok:
            skipped.append((case.pk, verdict.errors[0] if verdict.errors else verdict.error_code))
            continue
        replies.append(
            PlannedReply(
                case_id=case.pk,
                language=language,
                channel=channel,
                text=text,
                estimated_cost=verdict.estimated_cost,
                template_id=template.pk,
                in_reply_to_tweet_id=verdict.in_reply_to_tweet_id,
            )
        )
        planned[case.pk] = (case, facts[case.pk])
    skipped.sort(key=lambda row: row[0])  # in case order, as the page lists the cases
    total = sum((reply.estimated_cost for reply in replies), Decimal("0"))
    plan = IncidentReplyPlan(
        channel=channel, replies=tuple(replies), skipped=tuple(skipped), total_cost=total, count=len(replies)
    )
    return plan, planned


def incident_reply_plan(*, incident: Incident, channel: str, template_id: int | None = None) -> IncidentReplyPlan:
    """Who would get which words, on which channel, at what total cost; and who would not, and why.

    The texts leave ``{agent_signature}`` empty (the plan has no author); the queued replies carry
    the signature of whoever confirms, which changes no cost.
    """
    plan, _planned = _plan(incident=incident, channel=channel, template_id=template_id, actor=None)
    return plan


def incident_reply_all(
    *,
    incident: Incident,
    actor,
    channel: str,
    template_id: int | None,
    confirmed_total_cost: Decimal,
    expected_version: int | None = None,
) -> BulkResult:
    """Queue one reply per eligible case through ``compose.reply_compose``, at the cost confirmed.

    The plan is recomputed under the incident lock; a total that differs from the one the
    supervisor confirmed (cases linked or resolved meanwhile) is refused with the new total. The
    outbound queue paces the sends to X (see ``x.outbound``): queuing is not sending.
    """
    _require_manager(actor)
    try:
        confirmed = Decimal(str(confirmed_total_cost))
    except ArithmeticError:
        raise CaseRuleError(
            _("The confirmed total cost is not a number."), code="invalid", field="confirmed_total_cost"
        )
    done: list[int] = []
    with transaction.atomic():
        locked = _lock(incident, expected_version=expected_version)
        plan, planned = _plan(incident=locked, channel=channel, template_id=template_id, actor=actor)
        if plan.total_cost != confirmed:
            exc = StaleCase(
                _(
                    "The plan changed since you looked: %(count)s replies now cost $%(total)s in total (you "
                    "confirmed $%(confirmed)s). Check the new plan and confirm again."
                )
                % {"count": plan.count, "total": plan.total_cost, "confirmed": confirmed},
                code="plan_changed",
                field="confirmed_total_cost",
            )
            exc.current_version = locked.version
            exc.total_cost = plan.total_cost
            raise exc
        skipped = list(plan.skipped)
        templates = {t.pk: t for t in ReplyTemplate.objects.filter(pk__in={r.template_id for r in plan.replies})}
        for reply in plan.replies:
            case, facts = planned[reply.case_id]
            try:
                with transaction.atomic():  # a savepoint: one refused case leaves the others queued
                    message = reply_compose(
                        case=case,
                        actor=actor,
                        channel=channel,
                        text=reply.text,
                        in_reply_to_tweet_id=reply.in_reply_to_tweet_id or None,
                        template=templates.get(reply.template_id),
                        facts=facts,
                    )
                    OutboundMessage.objects.filter(pk=message.pk).update(incident=locked)
            except CaseRuleError as exc:
                skipped.append((reply.case_id, exc.message))
                continue
            done.append(reply.case_id)
        _save(locked, [])
        _event(
            locked,
            IncidentEvent.Kind.CUSTOMERS_REPLIED,
            actor,
            f"{len(done)} replies queued ({channel}), {len(skipped)} cases skipped.",
            {
                "channel": channel,
                "queued": len(done),
                "skipped": len(skipped),
                "case_ids": done,
                "skipped_cases": [[pk, reason] for pk, reason in skipped],
                "total_cost": str(plan.total_cost),
                "template_id": template_id,
            },
        )
    _sync_caller(incident, locked)
    return BulkResult(done=tuple(done), skipped=tuple(skipped))


# --- resolve all -----------------------------------------------------------------------------------


def incident_resolve_all(
    *,
    incident: Incident,
    actor,
    outcome: str,
    note: str = "",
    refund_amount=None,
    refund_currency: str = "",
    expected_version: int | None = None,
) -> BulkResult:
    """Resolve every still-eligible linked case with one outcome, each through
    ``lifecycle.case_resolve`` in its own transaction (its events, SLA stop and survey as usual)."""
    _require_manager(actor)
    outcome_validate(outcome=outcome, refund_amount=refund_amount, refund_currency=refund_currency, note=note)
    with transaction.atomic():
        locked = _lock(incident, expected_version=expected_version)
        _save(locked, [])  # claims the action: a second click from the same page is refused as stale
        case_ids = list(
            IncidentCase.objects.filter(incident=locked).order_by("case_id").values_list("case_id", flat=True)
        )
    done: list[int] = []
    skipped: list[tuple[int, str]] = []
    for case in Case.objects.filter(pk__in=case_ids).order_by("pk"):
        reason = _ineligible_reason(case)
        if reason:
            skipped.append((case.pk, reason))
            continue
        try:
            case_resolve(
                case=case,
                actor=actor,
                outcome=outcome,
                refund_amount=refund_amount,
                refund_currency=refund_currency,
                note=note,
            )
        except CaseRuleError as exc:  # changed meanwhile (resolved by a colleague, not allowed now)
            skipped.append((case.pk, exc.message))
            continue
        except DatabaseError:  # its own transaction rolled back; the other cases go on
            logger.exception("crm_twitter: resolving case %s of incident %s failed", case.pk, incident.pk)
            skipped.append((case.pk, _("Could not be resolved (a database error); try this case on its own.")))
            continue
        done.append(case.pk)
    _event(
        locked,
        IncidentEvent.Kind.CASES_RESOLVED,
        actor,
        f"{len(done)} cases resolved ({outcome}), {len(skipped)} skipped.",
        {
            "outcome": outcome,
            "note": note,
            "resolved": len(done),
            "skipped": len(skipped),
            "case_ids": done,
            "skipped_cases": [[pk, reason] for pk, reason in skipped],
        },
    )
    _sync_caller(incident, locked)
    return BulkResult(done=tuple(done), skipped=tuple(skipped))


# --- merge, unlink, close ----------------------------------------------------------------------------


def incident_merge(*, incident: Incident, into: Incident, actor) -> Incident:
    """Fold ``incident`` into ``into`` (open, same brand account): its cases move without
    duplicates (each newly linked case gets its INCIDENT_LINKED event), it becomes MERGED."""
    _require_manager(actor)
    if incident.pk == into.pk:
        raise CaseRuleError(_("An incident cannot be merged into itself."), code="merge_self", field="into")
    now = timezone.now()
    with transaction.atomic():
        # Lock both in id order: two merges of the same pair wait for each other instead of deadlocking.
        first, second = sorted([incident.pk, into.pk])
        locked_first = _lock(first, require_open=False)
        locked_second = _lock(second, require_open=False)
        source, target = (locked_first, locked_second) if first == incident.pk else (locked_second, locked_first)
        for one in (source, target):
            if not one.is_open:
                raise CaseRuleError(
                    _("Incident #%(id)s is %(status)s; only open incidents can be merged.")
                    % {"id": one.pk, "status": one.get_status_display().lower()},
                    code="incident_not_open",
                    field="into" if one is target else "incident",
                )
        if source.brand_account_id != target.brand_account_id:
            raise CaseRuleError(
                _("Both incidents must belong to the same brand account."), code="merge_account", field="into"
            )
        case_ids = list(IncidentCase.objects.filter(incident=source).values_list("case_id", flat=True))
        moved = incident_cases_link(incident=target, case_ids=case_ids, actor=actor, at=now)
        IncidentCase.objects.filter(incident=source).delete()
        source.status = Incident.Status.MERGED
        source.merged_into = target
        source.case_count = 0
        source.closed_at = now
        source.closed_by_id = _actor_id(actor)
        _save(source, ["status", "merged_into", "case_count", "closed_at", "closed_by"])
        target.refresh_from_db(fields=["case_count", "last_linked_at"])
        _save(target, [])
        data = {"from_incident_id": source.pk, "into_incident_id": target.pk, "cases": len(case_ids), "moved": moved}
        _event(source, IncidentEvent.Kind.MERGED, actor, f"Merged into incident #{target.pk}.", data)
        _event(
            target,
            IncidentEvent.Kind.MERGED,
            actor,
            f"Incident #{source.pk} merged in: {moved} cases added.",
            data,
        )
    _sync_caller(incident, source)
    _sync_caller(into, target)
    return target


def incident_unlink_case(*, incident: Incident, case: Case, actor) -> Incident:
    """Take one case out of the incident (it was not part of the surge); the case says so too."""
    _require_manager(actor)
    with transaction.atomic():
        locked = _lock(incident)
        deleted, _rows = IncidentCase.objects.filter(incident=locked, case=case).delete()
        if not deleted:
            raise CaseRuleError(_("This case is not linked to the incident."), code="not_linked", field="case")
        locked.case_count = IncidentCase.objects.filter(incident=locked).count()
        _save(locked, ["case_count"])
        event_add(
            case,
            CaseEvent.Kind.INCIDENT_UNLINKED,
            actor,
            f"Unlinked from incident: {locked.title}"[:2000],
            {"incident_id": locked.pk},
        )
        _event(
            locked,
            IncidentEvent.Kind.CASE_UNLINKED,
            actor,
            f"Case #{case.pk} unlinked.",
            {"case_id": case.pk, "case_count": locked.case_count},
        )
    _sync_caller(incident, locked)
    return locked


def incident_close(*, incident: Incident, actor, root_cause: str, expected_version: int | None = None) -> Incident:
    """Close the incident with what caused it (the monthly report lists it); its cases stay as they are."""
    _require_manager(actor)
    root_cause = (root_cause or "").strip()
    if not root_cause:
        raise CaseRuleError(_("Say what caused the incident before closing it."), code="required", field="root_cause")
    if len(root_cause) > ROOT_CAUSE_MAX_LENGTH:
        raise CaseRuleError(
            _("The root cause is at most %(max)s characters (this one has %(n)s).")
            % {"max": ROOT_CAUSE_MAX_LENGTH, "n": len(root_cause)},
            code="too_long",
            field="root_cause",
        )
    with transaction.atomic():
        locked = _lock(incident, expected_version=expected_version)
        locked.status = Incident.Status.CLOSED
        locked.root_cause = root_cause
        locked.closed_at = timezone.now()
        locked.closed_by_id = _actor_id(actor)
        _save(locked, ["status", "root_cause", "closed_at", "closed_by"])
        _event(
            locked,
            IncidentEvent.Kind.CLOSED,
            actor,
            f"Closed. Root cause: {root_cause}",
            {"root_cause": root_cause, "case_count": locked.case_count, "opened_at": _iso(locked.opened_at)},
        )
    _sync_caller(incident, locked)
    return locked


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None
