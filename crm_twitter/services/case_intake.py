"""Batch intake: opening cases from customers' messages, feeding them new messages and replies.

The three entry points (``case_open_many``, ``case_messages_received``,
``case_responses_recorded``) work on whole pages of messages with a fixed number of queries
per batch: teams, memberships, open-case counts, SLA policies and categories are read once,
cases and events are written with bulk statements. The rules are the ones the single-case
services use: the next status comes from the lifecycle (``status_after_message``,
``status_after_reply`` and the transition check in ``apply_status``), escalation from
``services.escalation``, notifications through ``notifications_send_many``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from operator import attrgetter
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from crm_twitter.classify.risk import risk_signals_find
from crm_twitter.conf import app_settings
from crm_twitter.db.bulk import (
    batch_atomic,
    ids_allocate,
    instances_factory,
    instances_locked,
    rows_insert,
    rows_update,
    values_insert,
    values_where_in,
)
from crm_twitter.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    ComplaintCategory,
    Customer,
    Notification,
    Priority,
    Team,
)
from crm_twitter.services.case_inputs import CaseOpenSpec, MessageArrival, ResponseArrival
from crm_twitter.services.categorisation import (
    CategorySuggester,
    CategorySuggestion,
    categories_active,
    category_suggester,
    suggestion_improves,
)
from crm_twitter.services.errors import CaseRuleError
from crm_twitter.services.escalation import (
    FiredRules,
    escalation_notice,
    reach_exceeds,
    risk_rules,
    rules_apply,
    step_event,
)
from crm_twitter.services.lifecycle import (
    CLOSED_STATUSES,
    apply_status,
    status_after_message,
    status_after_reply,
)
from crm_twitter.services.notifications import NotificationSpec, case_watchers_ids, notifications_send_many
from crm_twitter.services.priority import PrioritySignals, priority_for_score, priority_raise, priority_score
from crm_twitter.services.routing import RoutingContext, agent_choose, team_choose
from crm_twitter.services.satisfaction import satisfaction_reply_score
from crm_twitter.services.sla import (
    SlaTargets,
    sla_customer_wrote,
    sla_policies_cached,
    sla_policies_page,
    sla_refresh,
    sla_reprioritise,
    sla_responded,
    sla_start,
    sla_targets,
)

__all__ = [
    "case_messages_received",
    "case_open",
    "case_open_many",
    "case_response_recorded",
    "case_responses_recorded",
    "intake_page",
]

PREVIEW_CHARS = 200
_NO_SUGGESTION = CategorySuggestion(None, None, "")
_EVENT_COLUMNS = ("case_id", "actor_id", "kind", "message", "data", "created_at")
K = CaseEvent.Kind


# --- Batch context --------------------------------------------------------------------------------


@dataclass
class _Batch:
    """Everything a batch needs, read once."""

    now: dt.datetime
    policies: dict[str, SlaTargets]
    vip: dict[int, bool] = field(default_factory=dict)
    _categories: list[ComplaintCategory] | None = None
    _routing: RoutingContext | None = None
    _suggest: CategorySuggester | None = None
    # Inbound pages leave the category to ``cases_suggest_after_ingest`` (see ``case_open_many``).
    suggest_inline: bool = True
    events: list[tuple] = field(default_factory=list)  # rows of _EVENT_COLUMNS
    notifications: list[NotificationSpec] = field(default_factory=list)
    extra_mail: dict[str, list[str]] = field(default_factory=dict)

    @property
    def categories(self) -> list[ComplaintCategory]:
        if self._categories is None:
            self._categories = categories_active()
        return self._categories

    @property
    def suggest(self) -> CategorySuggester:
        """Suggestions from the model in force for the batch's categories (loaded once)."""
        if self._suggest is None:
            self._suggest = category_suggester(self.categories)
        return self._suggest

    @property
    def routing(self) -> RoutingContext:
        if self._routing is None:
            held = _PAGE_ROUTING.get()
            if held is None:
                self._routing = RoutingContext.load()
            else:  # one reading for the page's batches (see intake_page)
                if not held:
                    held.append(RoutingContext.load())
                self._routing = held[0]
        return self._routing

    def event(self, case: Case, kind: str, message: str, data: dict | None = None, *, at=None, actor_id=None):
        """Queue a CaseEvent row (written by ``flush``; a tuple, not a model instance — hot path)."""
        self.events.append((case.pk, actor_id, kind, message[:2000], data or {}, at or self.now))

    def event_add(self, event: CaseEvent) -> None:
        """Queue an unsaved CaseEvent built elsewhere (escalation steps)."""
        self.events.append((event.case_id, event.actor_id, event.kind, event.message, event.data, event.created_at))

    def notify(self, user_ids, case: Case, kind: str, message: str) -> None:
        seen = set()
        for uid in user_ids:
            if uid and uid not in seen:
                seen.add(uid)
                self.notifications.append(NotificationSpec(user_id=uid, case_id=case.pk, kind=kind, message=message))
        team = case.team if case.team_id and Case.team.is_cached(case) else None
        if team is not None and team.supervisors_email:
            self.extra_mail.setdefault(team.supervisors_email, []).append(message)

    def watchers(self, case: Case) -> list[int]:
        """The one recipients rule, with the supervisors the batch's routing context already read."""
        return case_watchers_ids(case, supervisors_by_team=self.routing.supervisors_by_team)

    def flush(self) -> None:
        if self.events:
            values_insert(CaseEvent, _EVENT_COLUMNS, self.events)
            self.events = []
        if self.notifications or self.extra_mail:
            notifications_send_many(specs=self.notifications, extra_mail=self.extra_mail)
            self.notifications, self.extra_mail = [], {}


_PAGE_ROUTING: ContextVar[list[RoutingContext] | None] = ContextVar("crm_twitter_routing_page", default=None)


@contextmanager
def intake_page() -> Iterator[None]:
    """One ingest page: what its batches read once and share — the SLA policies and the routing
    context (teams, memberships, agents' open-case counts).

    A page opens cases, applies messages and records replies, each a batch of its own; without
    this each batch read the policies (a query) and, when it routed or notified, the routing
    context (three). Inside one transaction a second reading would see the same rows, and the
    context's counts already include the cases the page's own batches assigned (``agent_choose``
    counts each pick), so sharing it changes no decision.
    """
    token = _PAGE_ROUTING.set([])
    try:
        with sla_policies_page():
            yield
    finally:
        _PAGE_ROUTING.reset(token)


def _reference_year(opened_at: dt.datetime) -> int:
    return opened_at.astimezone(ZoneInfo(app_settings.TIME_ZONE or "UTC")).year


def _reference(pk: int, opened_at: dt.datetime) -> str:
    return f"{app_settings.CASE_REFERENCE_PREFIX}-{_reference_year(opened_at)}-{pk:06d}"


def _references_assign(cases: list[Case]) -> None:
    """Give every new case its id and reference ``CS-<year>-<id, 6+ digits>`` before it is written.

    Ids are reserved up front (``ids_allocate``), so the reference goes into the same INSERT as
    the rest of the row — no second write. A reference already taken by a row created some
    other way (imports, fixtures) gets a ``-2`` suffix instead of failing the batch.
    """
    for case, pk in zip(cases, ids_allocate(Case, len(cases)), strict=True):
        case.pk = pk
    wanted = {c.pk: _reference(c.pk, c.opened_at) for c in cases}
    taken = {row[0] for row in values_where_in(Case, ["reference"], "reference", wanted.values())}
    for case in cases:
        reference = wanted[case.pk]
        case.reference = f"{reference}-2" if reference in taken else reference


# --- Opening --------------------------------------------------------------------------------------


@cache
def _case_factory() -> Callable[..., Case]:
    # Thousands of cases per sync run: the keyword __init__ of a 60-field model is a hot spot.
    return instances_factory(Case)


def _open(specs: Sequence[CaseOpenSpec], batch: _Batch, actor) -> list[Case]:
    actor_id = getattr(actor, "pk", actor) if actor is not None else None
    cases: list[Case] = []
    steps_by_index = {}
    suggestions = (
        batch.suggest.many([spec.text for spec in specs]) if batch.suggest_inline else [_NO_SUGGESTION] * len(specs)
    )
    for index, spec in enumerate(specs):
        risk = risk_signals_find(spec.text, language=spec.language or None)
        risk_kinds = sorted({signal.kind for signal in risk})
        score = priority_score(
            PrioritySignals(
                reach=spec.reach,
                engagement=spec.engagement,
                age=batch.now - spec.opened_at,
                contact_count=1,
                has_risk_words=bool(risk),
                is_vip=batch.vip.get(spec.customer_id, False),
            )
        )
        team = team_choose(batch.routing, language=spec.language, now=batch.now)
        suggestion = suggestions[index]
        suggested = suggestion.category
        case = _case_factory()(
            customer_id=spec.customer_id,
            customer_x_user_id=spec.customer_x_user_id,
            brand_account_id=spec.brand_account_id,
            status=CaseStatus.NEW,
            priority=priority_for_score(score),
            priority_score=score,
            team_id=team.pk if team else None,
            assignee_id=agent_choose(batch.routing, team),
            language=(spec.language or "")[:16],
            suggested_category_id=suggested.pk if suggested else None,
            suggested_confidence=suggestion.confidence,
            suggestion_model=suggestion.model,
            opened_at=spec.opened_at,
            last_customer_message_at=spec.opened_at,
            last_message_at=spec.opened_at,
            last_message_preview=(spec.text or "")[:PREVIEW_CHARS],
            reach=max(spec.reach, 0),
            contact_count=1,
            has_risk_words=bool(risk),
            risk_kinds=",".join(risk_kinds),
            has_private_data_in_public=bool(spec.contains_private_data and spec.channel == "public"),
            conversation_ids=[spec.conversation_id] if spec.conversation_id else [],
            reopened_from_id=spec.reopened_from_id,
        )
        Case.team.field.set_cached_value(case, team)
        Case.suggested_category.field.set_cached_value(case, suggested)
        sla_start(case, targets=sla_targets(case.priority, batch.policies), team=team)
        rules = []
        if spec.mentions_executive:
            rules.append("executive_mention")
        if reach_exceeds(reach=spec.reach, engagement=spec.engagement):
            rules.append("reach")
        rules.extend(risk_rules(risk_kinds))
        steps_by_index[index] = (rules_apply(case, rules, fired=set()), risk)
        cases.append(case)
    _references_assign(cases)
    rows_insert(cases)

    for index, (case, spec) in enumerate(zip(cases, specs, strict=True)):
        steps, risk = steps_by_index[index]
        via = "a public tweet" if spec.channel == "public" else "a direct message"
        parts = [f"Opened from {via}"]
        if case.team:
            parts.append(f"routed to {case.team}")
        parts.append("assigned by routing" if case.assignee_id else "waiting for an agent")
        batch.event(
            case,
            K.CREATED,
            ", ".join(parts),
            {
                "channel": spec.channel,
                "team_id": case.team_id,
                "assignee_id": case.assignee_id,
                "priority": case.priority,
                "priority_score": case.priority_score,
                "suggested_category": case.suggested_category.slug if case.suggested_category else None,
                "suggested_confidence": case.suggested_confidence,
                "suggestion_model": case.suggestion_model,
                "reopened_from_id": spec.reopened_from_id,
                "risk_signals": [{"kind": r.kind, "text": r.text} for r in risk],
            },
            at=spec.opened_at if spec.opened_at < batch.now else batch.now,
            actor_id=actor_id,
        )
        if case.has_private_data_in_public:
            batch.event(case, K.PRIVATE_DATA_FLAGGED, "Private data posted in public", {"channel": spec.channel})
        for step in steps:
            batch.event_add(step_event(case, step, at=batch.now))
        if case.assignee_id:
            batch.notify([case.assignee_id], case, Notification.Kind.ASSIGNED, f"{case.reference}: assigned to you")
        elif case.team_id:  # everyone is at their cap: the supervisors must know a case is waiting
            batch.notify(
                batch.routing.supervisors_by_team.get(case.team_id, []),
                case,
                Notification.Kind.ASSIGNED,
                f"{case.reference}: waiting in {case.team} — every available agent is at their cap",
            )
        if steps:
            batch.notify(
                batch.watchers(case),
                case,
                Notification.Kind.ESCALATED,
                escalation_notice(case.reference, level=case.escalation_level, reason=case.escalation_reason),
            )
        if spec.reopened_from_id:
            batch.events.append(
                (
                    spec.reopened_from_id,
                    None,
                    K.UPDATED,
                    f"Follow-up case {case.reference} opened",
                    {"follow_up_id": case.pk},
                    batch.now,
                )
            )
    return cases


def _batch_load(customer_ids) -> _Batch:
    batch = _Batch(now=timezone.now(), policies=sla_policies_cached())
    batch.vip = _vip_of(customer_ids)
    return batch


def _vip_of(customer_ids) -> dict[int, bool]:
    """VIP customers among ``customer_ids`` (a priority signal), one plain lookup for a batch."""
    return {pk: True for pk, is_vip in values_where_in(Customer, ["id", "is_vip"], "id", customer_ids) if is_vip}


def case_open_many(*, specs: Sequence[CaseOpenSpec], actor=None, suggest_now: bool = True) -> list[Case]:
    """Open one case per spec: reference, SLA, team and agent, priority, suggested category,
    escalation rules, a CREATED event each — with a fixed number of queries for the whole batch.

    ``suggest_now=False`` (inbound pages) leaves the category suggestion to the ingest path,
    which calls ``cases_suggest_after_ingest`` once the page's messages are stored."""
    if not specs:
        return []
    with batch_atomic():
        batch = _batch_load([s.customer_id for s in specs])
        batch.suggest_inline = suggest_now
        cases = _open(specs, batch, actor)
        batch.flush()
    return cases


def case_open(*, spec: CaseOpenSpec, actor=None) -> Case:
    """Open a single case (``case_open_many`` with one spec)."""
    return case_open_many(specs=[spec], actor=actor)[0]


# --- Inbound messages -----------------------------------------------------------------------------


def _lock_many(ids) -> dict[int, Case]:
    """Lock the cases (id order, so concurrent batches cannot deadlock) with their teams cached.

    One plain statement for the rows (this runs for every page of messages) and one for the few
    teams, instead of a Team object per case row.
    """
    cases = instances_locked(Case, ids)
    team_ids = {c.team_id for c in cases if c.team_id}
    if team_ids:
        teams = Team.objects.in_bulk(team_ids)
        for case in cases:
            if case.team_id in teams:
                Case.team.field.set_cached_value(case, teams[case.team_id])
    return {c.pk: c for c in cases}


def _snapshot(cases: Iterable[Case], fields: Sequence[str]) -> dict[int, tuple]:
    """The values of ``fields`` per case as locked, for ``_changed_save`` to compare against."""
    get = attrgetter(*fields)
    return {case.pk: get(case) for case in cases}


_MAX_UPDATE_SHAPES = 4


def _changed_save(cases: Iterable[Case], fields: Sequence[str], before: dict[int, tuple]) -> None:
    """Write the columns of ``fields`` that changed since ``before`` (a ``_snapshot``), by pk.

    SQLite updates every index holding a column named in the SET, and a message usually
    changes a handful of a case's columns: rows are grouped by the columns they changed — at
    most ``_MAX_UPDATE_SHAPES`` statements, the rarest shapes sharing one statement with the
    union of their columns — so a page costs a fixed number of queries. PostgreSQL compares the
    old and new values of indexed columns instead (a column set to its own value keeps the
    update HOT), so there one statement with the union of the changed columns writes the page:
    each statement is a round trip and a join of the rows, for nothing.
    """
    get = attrgetter(*fields)
    shapes: dict[tuple[str, ...], list[Case]] = {}
    for case in cases:
        old = before.get(case.pk)
        now = get(case)
        # A follow-up case opened in this batch has no snapshot: it is written in full.
        changed = fields if old is None else [f for f, a, b in zip(fields, now, old, strict=True) if a != b]
        shape = tuple(changed)
        shapes.setdefault(shape, []).append(case)
    # Rows that changed nothing are not written (nor merged into another shape's statement).
    ordered = sorted(((shape, group) for shape, group in shapes.items() if shape), key=lambda item: -len(item[1]))
    limit = 1 if connection.vendor == "postgresql" else _MAX_UPDATE_SHAPES
    if len(ordered) > limit:
        rest = ordered[limit - 1 :]
        union = {f for shape, _ in rest for f in shape}
        merged = (tuple(f for f in fields if f in union), [case for _, group in rest for case in group])
        ordered = [*ordered[: limit - 1], merged]
    for shape, group in ordered:
        if shape:
            rows_update(group, shape)


def _follow_merges(cases: dict[int, Case]) -> dict[int, Case]:
    """Map every id to the case that survives merges (bounded by the merge chain depth)."""
    resolved = dict(cases)
    for _ in range(5):
        pending = {c.merged_into_id for c in resolved.values() if c.merged_into_id} - set(resolved)
        if not pending:
            break
        resolved.update(_lock_many(pending))
    out = {}
    for pk, case in cases.items():
        current, hops = case, 0
        while current.merged_into_id and current.merged_into_id in resolved and hops < 5:
            current, hops = resolved[current.merged_into_id], hops + 1
        out[pk] = current
    return out


def _in_reopen_window(case: Case, at: dt.datetime) -> bool:
    since = case.closed_at or case.resolved_at or case.updated_at or case.opened_at
    return at - since <= dt.timedelta(days=int(app_settings.REOPEN_WINDOW_DAYS))


def _is_rating(case: Case, arrival: MessageArrival) -> int | None:
    if (
        case.status == CaseStatus.RESOLVED
        and arrival.channel == "dm"
        and case.satisfaction_requested_at
        and case.satisfaction is None
    ):
        return satisfaction_reply_score(arrival.text)
    return None


def case_messages_received(
    *, arrivals: Sequence[MessageArrival], suggest_now: bool = True, threads: Sequence[str] | None = None
) -> list[Case]:
    """Apply a page of inbound customer messages; returns, per arrival, the case it belongs to.

    On an open case: contact count, last-message times, next-response SLA, public nudges
    (+priority, escalation when the case was in DM), private data posted publicly, risk words
    and executive mentions (escalation), awaiting_customer → in_dm. On a resolved/closed case:
    a short DM answering the survey is stored as the rating; otherwise the case reopens when
    within ``REOPEN_WINDOW_DAYS``, else a new follow-up case (``reopened_from``) is opened.

    ``threads`` (ingest: the public thread of each arrival, "" for a DM) also moves a case's start
    back to a message X delivered after later ones (``_starts_move``), in the same UPDATE.
    """
    if not arrivals:
        return []
    fields = _MESSAGE_FIELDS if threads is None else [*_MESSAGE_FIELDS, *_START_FIELDS]
    with batch_atomic():
        locked = _lock_many(a.case_id for a in arrivals)
        missing = {a.case_id for a in arrivals} - set(locked)
        if missing:
            raise CaseRuleError(f"Unknown case id(s): {sorted(missing)}", field="case_id", code="unknown_case")
        current = _follow_merges(locked)
        before = _snapshot(current.values(), fields)
        batch = _Batch(now=timezone.now(), policies=sla_policies_cached(), suggest_inline=suggest_now)
        batch.vip = _vip_of({c.customer_id for c in current.values() if c.customer_id})
        order = sorted(range(len(arrivals)), key=lambda i: (arrivals[i].at, i))

        # Pass 1: closed cases whose first new message comes after the reopen window get a follow-up.
        follow_ups: dict[int, int] = {}  # old case pk -> arrival index that opens the follow-up
        seen: set[int] = set()
        for i in order:
            case = current[arrivals[i].case_id]
            if case.pk in seen:
                continue
            seen.add(case.pk)
            if (
                case.status in CLOSED_STATUSES
                and _is_rating(case, arrivals[i]) is None
                and not _in_reopen_window(case, arrivals[i].at)
            ):
                follow_ups[case.pk] = i
        result: list[Case | None] = [None] * len(arrivals)
        if follow_ups:
            specs = []
            for old_pk, i in follow_ups.items():
                old, a = current[arrivals[i].case_id], arrivals[i]
                specs.append(
                    CaseOpenSpec(
                        customer_id=old.customer_id,
                        brand_account_id=old.brand_account_id,
                        opened_at=a.at,
                        customer_x_user_id=old.customer_x_user_id,
                        language=old.language,
                        text=a.text,
                        channel=a.channel,
                        reach=old.reach,
                        engagement=a.engagement,
                        conversation_id=(old.conversation_ids or [""])[-1],
                        mentions_executive=a.mentions_executive,
                        contains_private_data=a.contains_private_data,
                        reopened_from_id=old_pk,
                    )
                )
            new_cases = _open(specs, batch, None)
            for (old_pk, i), new_case in zip(follow_ups.items(), new_cases, strict=True):
                result[i] = new_case
                for pk, case in list(current.items()):
                    if case.pk == old_pk:
                        current[pk] = new_case

            batch.flush()  # the follow-ups' escalation events must count as "fired" below

        # Pass 2: apply every other message in time order.
        fired = FiredRules(c.pk for c in current.values())
        changed: dict[int, Case] = {}
        unconfirmed = [
            i
            for i in order
            if result[i] is None and arrivals[i].text and not current[arrivals[i].case_id].category_confirmed
        ]
        if suggest_now:
            suggestions = dict(
                zip(unconfirmed, batch.suggest.many([arrivals[i].text for i in unconfirmed]), strict=True)
            )
        else:  # marked for a new reading once the page's messages are stored (cases_suggest_pending)
            suggestions = {}
            for i in unconfirmed:
                current[arrivals[i].case_id].suggestion_model = ""
        for i in order:
            if result[i] is not None:
                continue
            a = arrivals[i]
            case = current[a.case_id]
            result[i] = case
            _apply_message(case, a, batch, fired, suggestions.get(i))
            changed[case.pk] = case
        if changed:
            for case in changed.values():
                case.version += 1  # the customer wrote: every open page of the case is out of date
                case.updated_at = batch.now
            _events_versioned(batch.events, changed.values())
        if threads is not None:
            for case in _starts_move(arrivals, result, threads, batch):  # type: ignore[arg-type]
                changed[case.pk] = case
        if changed:
            _changed_save(changed.values(), fields, before)
        batch.flush()
    return result  # type: ignore[return-value]


_START_FIELDS = ["opened_at", "conversation_ids"]


def _starts_move(
    arrivals: Sequence[MessageArrival], landed: Sequence[Case], threads: Sequence[str], batch: _Batch
) -> list[Case]:
    """Move a case's start back to a customer message that was delivered after later ones.

    Chronologically the earliest message opens the case; when X delivers it late (the DM came
    first, the tweet it followed up second) the case it joins began with it: ``opened_at``, the
    first-response and resolution due times move back by the same amount, so response times and
    SLA figures are what they would have been in order. The public thread of that message joins
    the case's conversations. Applied to the batch's locked cases after their messages, so the
    move is written by the batch's UPDATE (a case row carries 20+ indexes: a second UPDATE of
    the same rows would double their upkeep). Returns the cases moved.
    """
    earliest: dict[int, tuple[dt.datetime, str]] = {}
    by_pk: dict[int, Case] = {}
    for arrival, case, thread in zip(arrivals, landed, threads, strict=True):
        by_pk[case.pk] = case
        if case.pk not in earliest or arrival.at < earliest[case.pk][0]:
            earliest[case.pk] = (arrival.at, thread)
    moved = []
    now = timezone.now()
    for pk in sorted(earliest):
        case, (at, thread) = by_pk[pk], earliest[pk]
        if at >= case.opened_at:
            continue
        shift = case.opened_at - at
        case.opened_at = at
        if case.sla_first_response_due is not None:
            case.sla_first_response_due -= shift
        if case.sla_resolution_due is not None:
            case.sla_resolution_due -= shift
        sla_refresh(case)
        if thread and thread not in (case.conversation_ids or []):
            case.conversation_ids = [*(case.conversation_ids or []), thread]
        batch.event(
            case,
            K.UPDATED,
            "An earlier customer message arrived late: the case starts with it",
            {"opened_at": case.opened_at.isoformat()},
            at=now,
        )
        moved.append(case)
    return moved


def _events_versioned(events: list[tuple], cases: Iterable[Case]) -> None:
    """Tag the batch's queued event rows of ``cases`` with the version their change produced.

    What ``crm_twitter.selectors.case_changes`` reads to tell an agent what they missed (the
    single-case services get the same tag from ``event_add``).
    """
    versions = {case.pk: case.version for case in cases}
    for row in events:
        if row[0] in versions:
            row[4]["version"] = versions[row[0]]


_MESSAGE_FIELDS = [
    "status",
    "priority",
    "priority_score",
    "escalation_level",
    "escalation_reason",
    "contact_count",
    "public_nudge_count",
    "has_risk_words",
    "risk_kinds",
    "suggested_category_id",
    "suggested_confidence",
    "suggestion_model",
    "has_private_data_in_public",
    "last_customer_message_at",
    "last_message_at",
    "last_message_preview",
    "sla_first_response_due",
    "sla_next_response_due",
    "sla_resolution_due",
    "sla_due_at",
    "sla_paused_at",
    "moved_to_dm_at",
    "resolved_at",
    "closed_at",
    "outcome",
    "outcome_note",
    "refund_amount",
    "refund_currency",
    "satisfaction",
    "satisfaction_comment",
    "satisfaction_requested_at",
    "is_overdue",
    "version",
    "updated_at",
]

IN_DM_STATUSES = (CaseStatus.IN_DM, CaseStatus.PENDING_MERCHANT, CaseStatus.AWAITING_CUSTOMER)


def _apply_message(
    case: Case, a: MessageArrival, batch: _Batch, fired: FiredRules, suggestion: CategorySuggestion | None = None
) -> None:
    if not case.last_message_at or a.at >= case.last_message_at:
        case.last_message_at, case.last_message_preview = a.at, (a.text or "")[:PREVIEW_CHARS]
    if not case.last_customer_message_at or a.at > case.last_customer_message_at:
        case.last_customer_message_at = a.at
    targets = sla_targets(case.priority, batch.policies)

    score = _is_rating(case, a)
    if score is not None:
        case.satisfaction, case.satisfaction_comment = score, (a.text or "")[:2000]
        batch.event(case, K.SATISFACTION, f"Customer rated {score}/5", {"score": score}, at=a.at)
        return
    from_status = case.status
    to_status = status_after_message(case, a.channel)
    if to_status is not None:
        apply_status(case, to_status, at=a.at, targets=targets)
        if from_status in CLOSED_STATUSES:
            batch.event(
                case,
                K.REOPENED,
                "Reopened: the customer wrote again",
                {"from": from_status, "to": to_status, "channel": a.channel},
                at=a.at,
            )
        else:
            batch.event(
                case,
                K.STATUS_CHANGED,
                f"{CaseStatus(from_status).label} → {CaseStatus(to_status).label}: the customer replied",
                {"from": from_status, "to": to_status},
                at=a.at,
            )

    case.contact_count += 1
    sla_customer_wrote(case, at=a.at, targets=targets)
    batch.event(
        case,
        K.MESSAGE_RECEIVED,
        f"Customer {'DM' if a.channel == 'dm' else 'tweet'} received",
        {"channel": a.channel},
        at=a.at,
    )

    rules: list[str] = []
    if a.is_public_nudge:
        case.public_nudge_count += 1
        batch.event(case, K.PUBLIC_NUDGE, "The customer nudged in public", {"count": case.public_nudge_count}, at=a.at)
        if case.status in IN_DM_STATUSES or case.moved_to_dm_at:
            rules.append("public_nudge")
    if a.contains_private_data and a.channel == "public" and not case.has_private_data_in_public:
        case.has_private_data_in_public = True
        batch.event(case, K.PRIVATE_DATA_FLAGGED, "Private data posted in public", {}, at=a.at)
    if suggestion is not None and suggestion_improves(case, suggestion):
        case.suggested_category_id = suggestion.category_id
        case.suggested_confidence, case.suggestion_model = suggestion.confidence, suggestion.model
    risk = risk_signals_find(a.text, language=case.language or None) if a.text else []
    if risk:
        case.has_risk_words = True
        kinds = {signal.kind for signal in risk}
        case.risk_kinds = ",".join(sorted(kinds.union(case.risk_kind_list)))
        rules.extend(risk_rules(kinds))
    if a.mentions_executive:
        rules.append("executive_mention")
    if reach_exceeds(reach=0, engagement=a.engagement):
        rules.append("reach")

    score = priority_score(
        PrioritySignals(
            reach=case.reach,
            engagement=a.engagement,
            age=batch.now - case.opened_at,
            contact_count=case.contact_count,
            public_nudges=case.public_nudge_count,
            has_risk_words=case.has_risk_words,
            is_vip=batch.vip.get(case.customer_id, False),
        )
    )
    case.priority_score = max(case.priority_score, score)
    new_priority = priority_raise(case.priority, priority_for_score(case.priority_score))
    if new_priority != case.priority:
        old = case.priority
        sla_reprioritise(case, old=targets, new=sla_targets(new_priority, batch.policies))
        case.priority = new_priority
        batch.event(
            case,
            K.PRIORITY_CHANGED,
            f"Priority raised to {Priority(new_priority).label}",
            {"from": old, "to": new_priority, "score": case.priority_score},
            at=a.at,
        )

    steps = rules_apply(case, rules, fired=fired[case.pk]) if rules else []
    for step in steps:
        batch.event_add(step_event(case, step, at=a.at))
    if steps:
        batch.notify(
            batch.watchers(case),
            case,
            Notification.Kind.ESCALATED,
            escalation_notice(str(case), level=case.escalation_level, reason=case.escalation_reason),
        )


# --- Brand replies --------------------------------------------------------------------------------


def case_responses_recorded(*, responses: Sequence[ResponseArrival]) -> list[Case]:
    """Record a page of brand replies (sent by the desk or from X itself), one Case per response.

    The first reply stops the first-response clock; each reply stops the next-response clock.
    The first public reply acknowledges a new case; the first DM moves it to ``in_dm``.
    """
    if not responses:
        return []
    with batch_atomic():
        current = _follow_merges(_lock_many(r.case_id for r in responses))
        before = _snapshot(current.values(), _RESPONSE_FIELDS)
        missing = {r.case_id for r in responses} - set(current)
        if missing:
            raise CaseRuleError(f"Unknown case id(s): {sorted(missing)}", field="case_id", code="unknown_case")
        batch = _Batch(now=timezone.now(), policies=sla_policies_cached())
        result: list[Case | None] = [None] * len(responses)
        changed: dict[int, Case] = {}
        for i in sorted(range(len(responses)), key=lambda i: (responses[i].at, i)):
            r = responses[i]
            case = current[r.case_id]
            result[i] = changed[case.pk] = case
            if not case.last_message_at or r.at >= case.last_message_at:
                case.last_message_at = r.at
                preview = (r.data or {}).get("text") if isinstance(r.data, dict) else None
                if preview:
                    case.last_message_preview = str(preview)[:PREVIEW_CHARS]
            if not case.last_agent_message_at or r.at > case.last_agent_message_at:
                case.last_agent_message_at = r.at
            first = case.first_response_at is None
            if case.status in OPEN_STATUSES:
                sla_responded(case, at=r.at)
                to_status = status_after_reply(case, r.channel)
                if to_status:
                    from_status = case.status
                    apply_status(case, to_status, at=r.at, targets=sla_targets(case.priority, batch.policies))
                    batch.event(
                        case,
                        K.STATUS_CHANGED,
                        f"{CaseStatus(from_status).label} → {CaseStatus(to_status).label}: "
                        f"{'public reply' if r.channel == 'public' else 'DM'} sent",
                        {"from": from_status, "to": to_status},
                        at=r.at,
                        actor_id=r.actor_id,
                    )
            batch.event(
                case,
                K.REPLY_SENT,
                f"{'Public reply' if r.channel == 'public' else 'DM'} sent",
                {**(r.data or {}), "channel": r.channel, "first_response": first},
                at=r.at,
                actor_id=r.actor_id,
            )
        # The delivery of a message the desk queued is bookkeeping: queueing it moved the version
        # already, and its sender must not find their next action refused. A reply sent on X
        # itself is news to the desk, so it moves the version (see services/lifecycle.py).
        moved = {current[r.case_id].pk for r in responses if "outbound_id" not in (r.data or {})}
        for case in changed.values():
            if case.pk in moved:
                case.version += 1
            case.updated_at = batch.now
        _events_versioned(batch.events, [case for case in changed.values() if case.pk in moved])
        _changed_save(changed.values(), _RESPONSE_FIELDS, before)
        batch.flush()
    return result  # type: ignore[return-value]


_RESPONSE_FIELDS = [
    "status",
    "first_response_at",
    "moved_to_dm_at",
    "last_agent_message_at",
    "last_message_at",
    "last_message_preview",
    "sla_first_response_due",
    "sla_next_response_due",
    "sla_resolution_due",
    "sla_due_at",
    "sla_paused_at",
    "is_overdue",
    "resolved_at",
    "closed_at",
    "version",
    "updated_at",
]


def case_response_recorded(*, response: ResponseArrival) -> Case:
    """Record one brand reply (see ``case_responses_recorded``)."""
    return case_responses_recorded(responses=[response])[0]
