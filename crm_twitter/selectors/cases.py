"""Reads behind the inbox (and the API): queues, counts, one case and its timeline.

Every function returns rows already joined/prefetched for what the templates show, so a page
makes a fixed number of queries however many cases or messages there are.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field, fields
from typing import Any

from django.core.cache import cache
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, QuerySet, Value, When
from django.db.models import Case as SqlCase
from django.utils import timezone
from django.utils.dates import MONTHS_3

from crm_twitter.models import (
    OPEN_STATUSES,
    BrandAccount,
    Case,
    CaseEvent,
    CaseStatus,
    ComplaintCategory,
    Customer,
    DirectMessage,
    Media,
    Order,
    OrderItem,
    OutboundMessage,
    ReplyTemplate,
    Team,
    Tweet,
    XUser,
)
from crm_twitter.selectors.visibility import cases_visible_to, orders_visible_to, unassigned_cases_visible_to

QUEUES = ("mine", "unassigned", "escalated", "overdue", "awaiting_customer", "all_open", "resolved")
DONE_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
# Counting every resolved case of all time on each refresh is what makes big helpdesks slow; the
# count stops at this cap ("999+") so it costs the same on a young desk and on a ten-year-old one.
RESOLVED_COUNT_CAP = 999
# Timeline noise: these events repeat what the message rows already show.
TIMELINE_HIDDEN_EVENTS = (
    CaseEvent.Kind.MESSAGE_RECEIVED,
    CaseEvent.Kind.REPLY_QUEUED,
    CaseEvent.Kind.REPLY_SENT,
)
REFERENCE_RE = re.compile(r"^[A-Z]{1,6}-\d{4}-\d{3,}$", re.IGNORECASE)
SEARCH_MATCH_CAP = 1000  # cases one identifier may point at (an order shared by many cases is rare)
IDENTIFIER_RE = re.compile(r"^(?=\S*\d)[\w.-]{4,64}$")

TEMPLATE_STEP_ORDER = {value: index for index, (value, _label) in enumerate(ReplyTemplate.Step.choices)}

ROW_RELATED = ("customer", "customer_x_user", "category", "suggested_category", "assignee", "team", "brand_account")


@dataclass(frozen=True)
class CaseFilters:
    """What the queue page (or the API) narrows a queue by. Empty values mean "any"."""

    status: str = ""
    category: str = ""  # slug or id
    brand_account: str = ""  # id or handle
    language: str = ""
    team: str = ""  # id or slug
    assignee: str = ""  # id, "me" or "none"
    escalation: int | None = None  # at least this level
    reach_min: int | None = None  # at least this many followers
    opened_from: dt.date | None = None
    opened_to: dt.date | None = None
    q: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> CaseFilters:
        """Build from a form's cleaned_data or query parameters; unknown keys are ignored."""
        data = data or {}
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = data.get(f.name)
            if raw in (None, ""):
                continue
            if f.name in ("escalation", "reach_min"):
                try:
                    values[f.name] = int(raw)
                except (TypeError, ValueError):
                    continue
            elif f.name in ("opened_from", "opened_to"):
                if isinstance(raw, dt.date):
                    values[f.name] = raw
                else:
                    try:
                        values[f.name] = dt.date.fromisoformat(str(raw))
                    except ValueError:
                        continue
            else:
                values[f.name] = str(raw).strip()
        return cls(**values)

    @property
    def is_empty(self) -> bool:
        return self == CaseFilters()


def _queue_q(queue: str, user) -> Q:
    open_q = Q(status__in=OPEN_STATUSES)
    if queue == "mine":
        return open_q & Q(assignee=user)
    if queue == "unassigned":
        return open_q & Q(assignee__isnull=True)
    if queue == "escalated":
        return open_q & Q(escalation_level__gt=0)
    if queue == "overdue":
        return open_q & Q(is_overdue=True)
    if queue == "awaiting_customer":
        return Q(status=CaseStatus.AWAITING_CUSTOMER)
    if queue == "resolved":
        # Resolved cases carry resolved_at; the queue walks its index newest first and stops at a page.
        return Q(status__in=DONE_STATUSES, resolved_at__isnull=False)
    return open_q


def _id_or(value: str, id_field: str, other_field: str) -> Q:
    return Q(**{id_field: int(value)}) if value.isdigit() else Q(**{other_field: value})


def _search_q(text: str) -> Q:
    """Handle, name, order number, tracking number, case reference or message text.

    One word with a digit in it ("40001234", "RR123456789CN", "CS-2026-000042") is an identifier:
    it is looked up in the indexed columns only, in a few small queries run now (orders found in
    messages are linked to their case at ingest, so their cases are found). Anything else also
    searches names and what was said, which scans the messages.
    """
    text = text.strip()
    if text.startswith("@"):
        return Q(customer_x_user__handle__iexact=text[1:])
    if REFERENCE_RE.match(text):
        return Q(reference__in={text, text.upper()})
    token = text.lstrip("#")
    if IDENTIFIER_RE.match(token):
        # Each lookup uses its own index; OR-ing them inside one query would scan every case.
        variants = {token, token.upper()}
        orders = Order.objects.filter(Q(order_number__iexact=token) | Q(tracking_number__in=variants))
        ids = set(Case.objects.filter(reference__in=variants).values_list("id", flat=True)[:SEARCH_MATCH_CAP])
        ids |= set(
            Case.orders.through.objects.filter(order__in=orders).values_list("case_id", flat=True)[:SEARCH_MATCH_CAP]
        )
        ids |= set(
            Case.objects.filter(customer_x_user__handle__iexact=token).values_list("id", flat=True)[:SEARCH_MATCH_CAP]
        )
        return Q(pk__in=ids)
    # Each alternative is found through its own (trigram, on PostgreSQL) index. A rare term
    # matches few cases: fetch their ids now (one query) and filter by id. A common term matches
    # more than SEARCH_MATCH_CAP: filter by the sets instead and let the queue walk its urgency
    # index — matches come early, so it stops at a page. (OR-ing correlated EXISTS per case, or
    # the sets with a rare term, would read every open case.)
    people = XUser.objects.filter(Q(handle__iexact=text) | Q(name__icontains=text)).values("pk")
    customers = Customer.objects.filter(display_name__icontains=text).values("pk")
    in_tweets = Tweet.objects.filter(text__icontains=text, case__isnull=False).values("case_id")
    in_dms = DirectMessage.objects.filter(text__icontains=text, case__isnull=False).values("case_id")
    found = (
        Case.objects.filter(customer_x_user__in=people)
        .order_by()
        .values_list("id", flat=True)
        .union(
            Case.objects.filter(customer__in=customers).order_by().values_list("id", flat=True),
            in_tweets.order_by().values_list("case_id", flat=True),
            in_dms.order_by().values_list("case_id", flat=True),
            all=True,
        )
    )
    # No ORDER BY on the compound query: Django 6 would otherwise carry Case's default ordering
    # into it, which SQLite refuses for a UNION of bare ids.
    ids = list(found.order_by()[: SEARCH_MATCH_CAP + 1])  # duplicates count: a full slice means "maybe more"
    if len(ids) <= SEARCH_MATCH_CAP:
        return Q(pk__in=set(ids))
    return Q(customer_x_user__in=people) | Q(customer__in=customers) | Q(pk__in=in_tweets) | Q(pk__in=in_dms)


def _filters_q(filters: CaseFilters, user) -> Q:
    q = Q()
    if filters.status:
        q &= Q(status=filters.status)
    if filters.category:
        q &= _id_or(filters.category, "category_id", "category__slug")
    if filters.brand_account:
        q &= _id_or(filters.brand_account, "brand_account_id", "brand_account__handle__iexact")
    if filters.language:
        q &= Q(language=filters.language)
    if filters.team:
        q &= _id_or(filters.team, "team_id", "team__slug")
    if filters.assignee == "me":
        q &= Q(assignee=user)
    elif filters.assignee == "none":
        q &= Q(assignee__isnull=True)
    elif filters.assignee.isdigit():
        q &= Q(assignee_id=int(filters.assignee))
    if filters.escalation is not None:
        q &= Q(escalation_level__gte=filters.escalation)
    if filters.reach_min is not None:
        q &= Q(reach__gte=filters.reach_min)
    if filters.opened_from:
        q &= Q(opened_at__date__gte=filters.opened_from)
    if filters.opened_to:
        q &= Q(opened_at__date__lte=filters.opened_to)
    return q


def case_list(*, user, queue: str = "all_open", filters: CaseFilters | dict | None = None) -> QuerySet[Case]:
    """The cases of one queue the user may see, filtered, most urgent first.

    Urgency: the earliest SLA due time first (cases without one last), then the higher escalation
    level, then the higher priority score. The resolved queue shows the latest resolutions first.
    """
    if queue not in QUEUES:
        queue = "all_open"
    if not isinstance(filters, CaseFilters):
        filters = CaseFilters.from_dict(filters)
    unassigned = queue == "unassigned" or filters.assignee == "none"
    visible = unassigned_cases_visible_to(user) if unassigned else cases_visible_to(user)
    qs = visible.filter(_queue_q(queue, user)).filter(_filters_q(filters, user))
    if filters.q:
        qs = qs.filter(_search_q(filters.q))
    qs = qs.select_related(*ROW_RELATED)
    if queue == "resolved":
        return qs.order_by("-resolved_at", "-id")
    return qs.order_by(F("sla_due_at").asc(nulls_last=True), "-escalation_level", "-priority_score", "opened_at", "id")


# Small tables a queue row shows: attached from objects the caller already holds (the filter form
# loads them anyway) or fetched by id, instead of joined. An eight-table join costs PostgreSQL
# more to plan (~30 ms) than to run; three tables plan in well under a millisecond.
ROW_SMALL_RELATED = (
    ("category", ComplaintCategory),
    ("suggested_category", ComplaintCategory),
    ("team", Team),
    ("brand_account", BrandAccount),
    ("assignee", None),  # the user model
)


def _attach_small_related(rows: list[Case], known: dict[type, dict[int, Any]] | None) -> None:
    """Set the category/team/account/assignee of each row; at most one query per table, only for
    ids the caller's objects do not cover."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    id_sets: dict[type, set[int]] = {}
    for name, model in ROW_SMALL_RELATED:
        field = Case._meta.get_field(name)
        id_sets.setdefault(model or user_model, set()).update(getattr(r, field.attname) for r in rows)
    found = _small_related_find(id_sets, known)
    for name, model in ROW_SMALL_RELATED:
        field = Case._meta.get_field(name)
        have = found[model or user_model]
        for row in rows:
            field.set_cached_value(row, have.get(getattr(row, field.attname)))


@dataclass(slots=True)
class QueueRow:
    """One row of a queue page: the case columns a row prints, its customer's names, and the
    small related objects (category, team, account, assignee) looked up by id.

    Plain values instead of ``Case`` instances: building 51 model instances (51 columns each,
    plus their customer and X user) cost more than running the page's queries.
    """

    pk: int
    reference: str
    status: str
    priority: str
    priority_score: int
    language: str
    escalation_level: int
    escalation_reason: str
    sla_due_at: dt.datetime | None
    is_overdue: bool
    opened_at: dt.datetime | None
    resolved_at: dt.datetime | None
    reach: int
    has_risk_words: bool
    last_message_preview: str
    customer_name: str  # the Customer's display name
    x_user_id: int | None
    x_handle: str
    x_name: str
    category_id: int | None
    suggested_category_id: int | None
    team_id: int | None
    brand_account_id: int | None
    assignee_id: int | None
    category: Any = None
    suggested_category: Any = None
    team: Any = None
    brand_account: Any = None
    assignee: Any = None
    row: dict[str, Any] = field(default_factory=dict)  # what the view computes for display


# The columns of a queue row, in QueueRow's field order (up to ``assignee_id``).
QUEUE_ROW_COLUMNS = (
    "id",
    "reference",
    "status",
    "priority",
    "priority_score",
    "language",
    "escalation_level",
    "escalation_reason",
    "sla_due_at",
    "is_overdue",
    "opened_at",
    "resolved_at",
    "reach",
    "has_risk_words",
    "last_message_preview",
    "customer__display_name",
    "customer_x_user_id",
    "customer_x_user__handle",
    "customer_x_user__name",
    "category_id",
    "suggested_category_id",
    "team_id",
    "brand_account_id",
    "assignee_id",
)


def _small_related_find(
    id_sets: dict[type, set[int]], known: dict[type, dict[int, Any]] | None
) -> dict[type, dict[int, Any]]:
    """``{model: {pk: object}}`` covering ``id_sets``: the caller's objects, plus one ``in_bulk``
    query per model for the ids they do not cover."""
    found = {model: dict(objs) for model, objs in (known or {}).items()}
    for model, ids in id_sets.items():
        have = found.setdefault(model, {})
        missing = ids - set(have) - {None}
        if missing:
            have.update(model._default_manager.in_bulk(missing))
    return found


def _attach_small_related_rows(rows: list[QueueRow], known: dict[type, dict[int, Any]] | None) -> None:
    """Set the category/team/account/assignee of each queue row (as ``_attach_small_related``)."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    id_sets: dict[type, set[int]] = {}
    for name, model in ROW_SMALL_RELATED:
        id_sets.setdefault(model or user_model, set()).update(getattr(r, f"{name}_id") for r in rows)
    found = _small_related_find(id_sets, known)
    for name, model in ROW_SMALL_RELATED:
        have, id_name = found[model or user_model], f"{name}_id"
        for row in rows:
            setattr(row, name, have.get(getattr(row, id_name)))


def case_list_page(
    *,
    user,
    queue: str = "all_open",
    filters: CaseFilters | dict | None = None,
    offset: int = 0,
    limit: int = 50,
    known: dict[type, Any] | None = None,
) -> list[QueueRow]:
    """One page of ``case_list``, fetched in two steps so it stays fast at any size.

    First the ids, ordered and cut on the case table alone (the partial urgency index matches the
    ORDER BY, so PostgreSQL reads ~limit index entries instead of sorting every open case), then
    the columns a row shows for just those ids, joined with the customer and X user. ``known``
    maps a model to ``{pk: object}`` the caller already loaded (categories, teams, accounts,
    users) so rows reuse them.
    """
    ids = list(
        case_list(user=user, queue=queue, filters=filters)
        .select_related(None)
        .values_list("id", flat=True)[offset : offset + limit]
    )
    if not ids:
        return []
    by_pk = {}
    for values in Case.objects.filter(pk__in=ids).order_by().values_list(*QUEUE_ROW_COLUMNS):
        row = QueueRow(*values)
        # NULL from the outer joins (no customer / X user) reads as empty text, as on the models.
        row.customer_name = row.customer_name or ""
        row.x_handle = row.x_handle or ""
        row.x_name = row.x_name or ""
        by_pk[row.pk] = row
    page = [by_pk[pk] for pk in ids if pk in by_pk]
    _attach_small_related_rows(page, known)
    return page


def case_list_count(
    *, user, queue: str = "all_open", filters: CaseFilters | dict | None = None, cap: int = RESOLVED_COUNT_CAP
) -> int:
    """How many cases ``case_list`` holds, counted up to ``cap + 1`` (a header says "999+").

    The queue header shows this while a filter or search is active: the queue's own live count
    beside "Showing 1–1" reads as if the search lost cases.
    """
    qs = case_list(user=user, queue=queue, filters=filters).select_related(None).order_by()
    return qs.values("id")[: cap + 1].count()


COUNTS_CACHE_SECONDS = 5


def counts_cache_key(user_id: int) -> str:
    """Where a user's queue counts are cached (the benchmark drops them to time a first visit)."""
    return f"crm_twitter:inbox:counts:{user_id}"


def case_queue_counts(*, user, max_age: int = COUNTS_CACHE_SECONDS) -> dict[str, int]:
    """Live count per queue in two aggregate queries (open queues at once; resolved capped).

    The page refreshes them every 20 s; several agents' tabs (and a queue switch right after a
    refresh) reuse one result for ``max_age`` seconds instead of re-aggregating every open case.
    """
    if not user.is_authenticated:
        return dict.fromkeys(QUEUES, 0)
    key = counts_cache_key(user.pk)
    if max_age:
        cached = cache.get(key)
        if cached is not None:
            return cached
    visible = cases_visible_to(user)
    # COUNT(status), not COUNT(id): the covering partial index crm_tw_case_open_counts answers alone.
    counts = visible.filter(status__in=OPEN_STATUSES).aggregate(
        mine=Count("status", filter=Q(assignee=user)),
        unassigned=Count("status", filter=Q(assignee__isnull=True)),
        escalated=Count("status", filter=Q(escalation_level__gt=0)),
        overdue=Count("status", filter=Q(is_overdue=True)),
        awaiting_customer=Count("status", filter=Q(status=CaseStatus.AWAITING_CUSTOMER)),
        all_open=Count("status"),
    )
    # No ORDER BY in the capped subquery: any 1,000 resolved ids count the same (index-only scan).
    counts["resolved"] = visible.filter(_queue_q("resolved", user)).order_by()[: RESOLVED_COUNT_CAP + 1].count()
    result = {queue: int(counts.get(queue) or 0) for queue in QUEUES}
    if max_age:
        cache.set(key, result, max_age)
    return result


def case_detail(*, user, pk: int) -> Case:
    """One case with everything its side panels show; raises Case.DoesNotExist if not visible.

    Joins only the customer, X user and account; categories, team and assignee come by id (tiny
    indexed queries). Joining all nine tables made PostgreSQL spend ~50 ms planning the query.
    """
    case = (
        cases_visible_to(user)
        .select_related("customer", "customer_x_user", "brand_account")
        .defer("customer_x_user__raw")
        .prefetch_related(
            Prefetch(
                "orders",
                queryset=Order.objects.select_related("customer")
                .prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))
                .order_by("-ordered_at", "-id"),
            ),
            "promises",
        )
        .get(pk=pk)
    )
    _attach_small_related([case], {BrandAccount: {case.brand_account.pk: case.brand_account}})
    linked = {case.reopened_from_id, case.merged_into_id} - {None}
    if linked:  # rare: a follow-up or merged case
        others = Case.objects.defer("conversation_ids").in_bulk(linked)
        for name in ("reopened_from", "merged_into"):
            field = Case._meta.get_field(name)
            field.set_cached_value(case, others.get(getattr(case, field.attname)))
    return case


def customer_case_history(*, case: Case, limit: int = 8) -> list[Case]:
    """The customer's other cases, newest first (the "earlier cases" panel)."""
    return list(
        Case.objects.filter(customer_id=case.customer_id)
        .exclude(pk=case.pk)
        .select_related("category")
        .order_by("-opened_at")[:limit]
    )


def _case_customer_orders_q(case: Case) -> Q:
    """Orders that belong to the case's customer: the same customer record, or the X handle the case
    came from given at checkout (orders imported before the customer was matched). Same rule as
    ``order_is_for_case_customer``."""
    q = Q(customer_id=case.customer_id)
    handle = case.customer_x_user.handle if case.customer_x_user_id else ""
    if handle:
        q |= Q(customer_handle__iexact=handle)
    return q


def order_is_for_case_customer(order: Order, *, case: Case) -> bool:
    """Whether ``order`` belongs to the case's customer (the order card says so, or says whose it is)."""
    if order.customer_id and order.customer_id == case.customer_id:
        return True
    handle = case.customer_x_user.handle if case.customer_x_user_id else ""
    return bool(handle) and order.customer_handle.lower() == handle.lower()


def _orders_for_case_first(qs: QuerySet[Order], case: Case | None) -> QuerySet[Order]:
    """Newest first, the case customer's own orders before anyone else's: a search by a carrier's
    tracking prefix or a shared e-mail domain must not put a stranger's order on top."""
    qs = qs.select_related("customer").prefetch_related("items")
    if case is None:
        return qs.order_by("-ordered_at", "-id")
    ours = SqlCase(When(_case_customer_orders_q(case), then=Value(0)), default=Value(1))
    return qs.annotate(not_case_customer=ours).order_by("not_case_customer", "-ordered_at", "-id")


def orders_search(*, user, text: str, exclude_case: Case | None = None, limit: int = 8) -> list[Order]:
    """Orders the user may link: by order number, tracking number, checkout handle or e-mail.

    Only orders the user may see (``orders_visible_to``: the API's rule) are searched, so the
    inbox cannot be used to browse other customers' orders and their personal data. Searching
    from a case (``exclude_case``) ranks that case's customer's orders first.
    """
    text = text.strip().lstrip("#@")
    if len(text) < 3:
        return []
    qs = orders_visible_to(user).filter(
        Q(order_number__iexact=text)
        | Q(order_number__istartswith=text)
        | Q(tracking_number__iexact=text)
        | Q(customer_handle__iexact=text)
        | Q(customer_email__iexact=text)
    )
    if exclude_case is not None:
        qs = qs.exclude(cases=exclude_case)
    return list(_orders_for_case_first(qs, exclude_case)[:limit])


def orders_by_numbers(*, user, numbers: list[str], exclude_case: Case | None = None, limit: int = 5) -> list[Order]:
    """Visible orders whose number or tracking number appears in the case's messages (one query),
    the case customer's own first."""
    if not numbers:
        return []
    qs = orders_visible_to(user).filter(Q(order_number__in=numbers) | Q(tracking_number__in=numbers))
    if exclude_case is not None:
        qs = qs.exclude(cases=exclude_case)
    return list(_orders_for_case_first(qs, exclude_case)[:limit])


def order_for_linking(*, user, pk: int) -> Order:
    """One order the user may link to (or unlink from) a case; raises Order.DoesNotExist otherwise,
    so an order outside the user's reach answers exactly like one that does not exist."""
    return orders_visible_to(user).get(pk=pk)


def reply_templates_offered(*, case: Case) -> list[ReplyTemplate]:
    """The composer's template picker: active templates in the customer's language (English for a
    step with none in that language), in the order of the standard flow. A template switched off in
    the admin is withdrawn at once; it is never offered."""
    language = (case.language or "en").split("-")[0].lower()
    rows = list(ReplyTemplate.objects.filter(is_active=True, language__in={language, "en"}))
    steps_in_language = {t.step for t in rows if t.language == language}
    chosen = [t for t in rows if t.language == language or t.step not in steps_in_language]
    return sorted(chosen, key=lambda t: (TEMPLATE_STEP_ORDER.get(t.step, 99), t.name))


def reply_template_active(*, pk: int | str | None) -> ReplyTemplate:
    """The active template with this id, for inserting or sending; raises ReplyTemplate.DoesNotExist
    for an unknown, malformed or deactivated one (a stale page or a forged form may still submit
    it)."""
    try:
        return ReplyTemplate.objects.get(pk=int(pk), is_active=True)
    except (TypeError, ValueError):
        raise ReplyTemplate.DoesNotExist("No such template") from None


@dataclass
class TimelineEntry:
    """One row of the case timeline. ``kind``: tweet, dm, note, event or outbound."""

    kind: str
    at: dt.datetime
    obj: Any
    outbound: OutboundMessage | None = None  # the send-queue row behind a message sent from the desk
    reply_to: Tweet | None = None  # the tweet this one answers, when it is in the case
    depth: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    media: list[Media] = field(default_factory=list)  # the message's media, already fetched

    @property
    def is_inbound(self) -> bool:
        return getattr(self.obj, "direction", "") == "inbound"

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.obj.pk}"

    @property
    def iso(self) -> str:
        return self.at.isoformat() if self.at else ""

    @property
    def time_label(self) -> str:
        """ "Nov 27, 09:52" in the current time zone (formatted once here, not per template filter)."""
        if not self.at:
            return ""
        # Same text as dateformat "M j, H:i", without its per-call parser (200+ entries a page).
        local = timezone.localtime(self.at)
        return f"{str(MONTHS_3[local.month]).title()} {local.day}, {local:%H:%M}"


# The message columns the inbox timeline prints (``display_only``): decoding the rest (metrics
# of engagement, mention lists, conversation ids…) for 200 messages costs ~5 ms a page.
TIMELINE_TWEET_COLUMNS = (
    "id",
    "x_id",
    "author_id",
    "direction",
    "kind",
    "text",
    "lang",
    "in_reply_to_tweet_id",
    "public_metrics",
    "contains_private_data",
    "is_deleted",
    "created_at",
    "sent_via_desk",
    "sent_by_id",
)
TIMELINE_DM_COLUMNS = (
    "id",
    "x_event_id",
    "sender_id",
    "recipient_id",
    "direction",
    "text",
    "lang",
    "created_at",
    "sent_via_desk",
    "sent_by_id",
)


# Messages the desk sends by itself (after a resolution), though an agent's action set them off:
# the timeline says "automatic message" instead of naming the agent as their author.
AUTOMATIC_TEMPLATE_STEPS = (ReplyTemplate.Step.SATISFACTION,)


def case_timeline(*, case: Case, display_only: bool = False) -> list[TimelineEntry]:
    """Tweets (threaded), DMs, notes, events and unsent/failed outbound messages, oldest first.

    Seven queries whatever the size of the case: tweets, DMs, the media of both, events,
    outbound messages, and the X users and desk users behind them (once per person).
    ``display_only`` loads only the message columns the inbox prints (the API serialises them
    all); reading another column of such a message costs a query.
    """
    # X's raw payloads are kept for audits, not shown: leave them in the database.
    # No joins: a case has a handful of distinct people behind hundreds of messages, so the X users
    # and desk users come once each (two small queries below) instead of one model instance per row.
    tweets_qs = Tweet.objects.filter(case=case)
    dms_qs = DirectMessage.objects.filter(case=case)
    if display_only:
        tweets_qs, dms_qs = tweets_qs.only(*TIMELINE_TWEET_COLUMNS), dms_qs.only(*TIMELINE_DM_COLUMNS)
    else:
        tweets_qs, dms_qs = tweets_qs.defer("raw"), dms_qs.defer("raw")
    tweets, dms = list(tweets_qs), list(dms_qs)
    # Media of both kinds in one query, grouped here and stored as each message's prefetched
    # ``media`` (so ``message.media.all()`` in templates/serializers costs nothing). Django's
    # prefetch_related does the same with two queries and a manager per message.
    media_of: dict[tuple[str, int], list[Media]] = {}
    if tweets or dms:
        # Joined through the case, not ``IN (<every message id>)``: Django spends ~2 ms turning
        # 200 ids into parameters, PostgreSQL reads the same index entries either way.
        media = Media.objects.defer("raw").order_by()
        found = media.filter(tweet__case=case).union(media.filter(direct_message__case=case), all=True)
        for item in sorted(found, key=lambda m: m.pk):
            key = ("tweet", item.tweet_id) if item.tweet_id else ("dm", item.direct_message_id)
            media_of.setdefault(key, []).append(item)
    empty = Media.objects.none()
    for kind, messages in (("tweet", tweets), ("dm", dms)):
        for message in messages:
            message._prefetched_objects_cache = {"media": _fetched(empty, media_of.get((kind, message.pk), []))}
    events = list(CaseEvent.objects.filter(case=case).exclude(kind__in=TIMELINE_HIDDEN_EVENTS))
    outbound = list(
        OutboundMessage.objects.filter(case=case).annotate(
            sent_automatically=ExpressionWrapper(
                Q(template__step__in=AUTOMATIC_TEMPLATE_STEPS), output_field=BooleanField()
            )
        )
    )
    _attach_people(tweets, dms, events, outbound)
    outbound_by_xid = {o.x_id: o for o in outbound if o.x_id}
    by_xid = {t.x_id: t for t in tweets}

    entries: list[TimelineEntry] = []
    depth_of: dict[str, int] = {}
    for tweet in tweets:
        parent = by_xid.get(tweet.in_reply_to_tweet_id) if tweet.in_reply_to_tweet_id else None
        depth = min(depth_of.get(parent.x_id, 0) + 1, 3) if parent else 0
        depth_of[tweet.x_id] = depth
        entries.append(
            TimelineEntry(
                "tweet", tweet.created_at, tweet, outbound=outbound_by_xid.get(tweet.x_id), reply_to=parent, depth=depth
            )
        )
    for dm in dms:
        entries.append(TimelineEntry("dm", dm.created_at, dm, outbound=outbound_by_xid.get(dm.x_event_id)))
    shown_xids = set(by_xid) | {dm.x_event_id for dm in dms}
    for message in outbound:
        # A sent message shows as its tweet/DM; the rest (queued, sending, failed) show as drafts.
        if message.status == OutboundMessage.Status.SENT and message.x_id in shown_xids:
            continue
        entries.append(TimelineEntry("outbound", message.created_at, message, outbound=message))
    for event in events:
        entries.append(TimelineEntry("note" if event.kind == CaseEvent.Kind.NOTE else "event", event.created_at, event))
    entries.sort(key=lambda e: (e.at or timezone.now(), e.kind != "tweet"))
    people: dict = {}
    for entry in entries:
        if entry.kind in ("tweet", "dm"):
            _message_display(entry, people)
    return entries


def _fetched(template: QuerySet, rows: list) -> QuerySet:
    """A copy of ``template`` that already holds ``rows`` (what prefetch_related stores).

    Copies the queryset's attributes instead of cloning it: ``none()`` per message built a new
    query and WHERE tree each time, ~10 ms over a 200-message case. The query object is shared,
    which is safe because a QuerySet never mutates its query in place (filters clone it first).
    """
    qs = object.__new__(type(template))
    qs.__dict__.update(template.__dict__)
    qs._result_cache, qs._prefetch_done = rows, True
    return qs


def _attach_people(tweets: list, dms: list, events: list, outbound: list) -> None:
    """Set each row's author/sender/recipient/sent_by/actor/created_by from one query per model."""
    from django.contrib.auth import get_user_model

    x_links = [(Tweet, "author", tweets), (DirectMessage, "sender", dms), (DirectMessage, "recipient", dms)]
    user_links = [
        (Tweet, "sent_by", tweets),
        (DirectMessage, "sent_by", dms),
        (CaseEvent, "actor", events),
        (OutboundMessage, "created_by", outbound),
    ]
    for model, links in ((XUser, x_links), (get_user_model(), user_links)):
        ids = {getattr(row, f"{name}_id") for _model, name, rows in links for row in rows} - {None}
        if model is XUser:
            found = model.objects.defer("raw", "description").in_bulk(ids) if ids else {}
        else:
            found = model.objects.in_bulk(ids) if ids else {}
        for row_model, name, rows in links:
            field = row_model._meta.get_field(name)
            for row in rows:
                field.set_cached_value(row, found.get(getattr(row, field.attname)))


def _text_html(text: str) -> str:
    """Django's ``linebreaksbr`` with autoescape, without its lazy/safe-string wrappers (the same
    output: newlines normalised, the text escaped, then ``<br>`` per line break)."""
    return html.escape(_NEWLINES.sub("\n", text), quote=True).replace("\n", "<br>")


_NEWLINES = re.compile(r"\r\n|\r")


def _message_display(entry: TimelineEntry, people: dict | None = None) -> None:
    """Per-message values the timeline prints, computed once here: a 200-message page then renders
    with plain lookups instead of a chain of template filters per message. ``text_html`` is the
    text escaped exactly as Django's ``linebreaksbr`` (autoescape on) did. ``people`` memoises the
    author's name, colour and initials: a case has a handful of people behind hundreds of messages.
    """
    from crm_twitter.templatetags.crm_inbox import hue, initials

    obj = entry.obj
    tweet = entry.kind == "tweet"
    author = obj.author if tweet else obj.sender
    key = (entry.kind, author.pk if author else None)
    who = people.get(key) if people is not None else None
    if who is None:
        handle = author.handle if author else ""
        name = (author.name if author else "") or handle
        who = {
            "who_name": name,
            "who_handle": handle,
            "who_url": author.profile_url if author and tweet else "",
            "hue": hue(handle),
            "initials": initials(name),
        }
        if people is not None:
            people[key] = who
    entry.media = obj._prefetched_objects_cache["media"]._result_cache
    entry.extra.update(who, text_html=_text_html(obj.text or ""), outbound=obj.direction == "outbound")
