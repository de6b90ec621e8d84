"""Reads behind the queues (inbox and API): which cases, filtered and searched, most urgent first,
their rows and their live counts.

Every function returns rows already joined for what a page shows, so a queue page makes a fixed
number of queries however many cases there are.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import (
    BooleanField,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from crm_twitter.models import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    Customer,
    DirectMessage,
    Order,
    TeamMembership,
    Tweet,
    XUser,
)
from crm_twitter.roles import user_sees_all_cases
from crm_twitter.selectors.related import ROW_SMALL_RELATED, _small_related_find
from crm_twitter.selectors.visibility import cases_visible_to, team_ids_of, unassigned_cases_visible_to

QUEUES = ("mine", "unassigned", "escalated", "overdue", "awaiting_customer", "all_open", "resolved")


DONE_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED)


# Counting every resolved case of all time on each refresh is what makes big helpdesks slow; the
# count stops at this cap ("999+") so it costs the same on a young desk and on a ten-year-old one.
RESOLVED_COUNT_CAP = 999


REFERENCE_RE = re.compile(r"^[A-Z]{1,6}-\d{4}-\d{3,}$", re.IGNORECASE)


SEARCH_MATCH_CAP = 1000  # cases one identifier may point at (an order shared by many cases is rare)


# A resolved queue filtered to opening dates that hold at most this many of its cases is read through
# those dates and sorted (a few ms at 10,000); a wider range walks the queue's own index. Either way the
# rows and their order are the same: only the plan differs (docs/scale.md, "resolved … a year ago").
NARROW_RANGE_CASES = 10_000


# A wider range is read one month of opening at a time (UTC months, each the first page's worth of its
# cases in the queue's order, from ``crm_tw_case_done_month``), then merged: up to this many months.
# Beyond it (a range over more than ten years of history) the queue's own index is walked.
MONTH_SLICES_MAX = 120


# The month of opening as ``crm_tw_case_done_month`` (migration 0021) indexes it: the same expression,
# or PostgreSQL cannot use the index for it.
OPENED_MONTH_SQL = "date_trunc('month', {} AT TIME ZONE 'UTC')"


# The queues' orders, as the ORM writes them and as the merge of several reads (``_merged_page_ids``)
# writes them over the reads' columns. Both must say the same thing: the tests compare the two plans.
URGENCY_ORDER = (F("sla_due_at").asc(nulls_last=True), "-escalation_level", "-priority_score", "opened_at", "id")
URGENCY_ORDER_SQL = "sla_due_at ASC NULLS LAST, escalation_level DESC, priority_score DESC, opened_at ASC, id ASC"
URGENCY_COLUMNS = ("sla_due_at", "escalation_level", "priority_score", "opened_at")
RESOLVED_ORDER = ("-resolved_at", "-id")
RESOLVED_ORDER_SQL = "resolved_at DESC, id DESC"
RESOLVED_COLUMNS = ("resolved_at",)


IDENTIFIER_RE = re.compile(r"^(?=\S*\d)[\w.-]{4,64}$")


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
    # What the search found, kept for the life of these filters: the page and its header count search
    # once, not twice (an id lookup over names and messages is most of a search page's database time).
    _found: dict[str, Q] = field(default_factory=dict, compare=False, repr=False)
    # The teams of the user the page is for, kept likewise: an agent's Unassigned rows and their header
    # count use them as literal ids (``team_ids_of``), read once per page.
    _teams: dict[int, list[int]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> CaseFilters:
        """Build from a form's cleaned_data or query parameters; unknown keys are ignored."""
        data = data or {}
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name.startswith("_"):
                continue
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

    def search_q(self) -> Q:
        """``_search_q(self.q)``, looked up once for these filters."""
        if self.q not in self._found:
            self._found[self.q] = _search_q(self.q)
        return self._found[self.q]

    def team_ids_for(self, user) -> list[int]:
        """``team_ids_of(user)``, looked up once for these filters."""
        if user.pk not in self._teams:
            self._teams[user.pk] = team_ids_of(user)
        return self._teams[user.pk]


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
    #
    # Names are matched from their start first ("David" finds "David Tanaka": a b-tree range), then
    # anywhere inside ("Tanaka" finds him too, and "Weber" finds Anna Weber even when a "Webermann"
    # exists). The union is read in that order under a limit, so when names starting with the text
    # already fill it PostgreSQL never runs the trigram reads, whose posting lists grow with the
    # number of names (the common ones, "ANN", "ER ", hold a good part of them).
    people = XUser.objects.filter(Q(handle__iexact=text) | Q(name__istartswith=text)).values("pk")
    customers = Customer.objects.filter(display_name__istartswith=text).values("pk")
    people_inside = XUser.objects.filter(name__icontains=text).values("pk")
    customers_inside = Customer.objects.filter(display_name__icontains=text).values("pk")
    in_tweets = Tweet.objects.filter(text__icontains=text, case__isnull=False).values("case_id")
    in_dms = DirectMessage.objects.filter(text__icontains=text, case__isnull=False).values("case_id")
    by_name = (
        Q(customer_x_user__in=people)
        | Q(customer__in=customers)
        | Q(customer_x_user__in=people_inside)
        | Q(customer__in=customers_inside)
    )
    found = (
        Case.objects.filter(customer_x_user__in=people)
        .order_by()
        .values_list("id", flat=True)
        .union(
            Case.objects.filter(customer__in=customers).order_by().values_list("id", flat=True),
            Case.objects.filter(customer_x_user__in=people_inside).order_by().values_list("id", flat=True),
            Case.objects.filter(customer__in=customers_inside).order_by().values_list("id", flat=True),
            in_tweets.order_by().values_list("case_id", flat=True),
            in_dms.order_by().values_list("case_id", flat=True),
            all=True,
        )
    )
    # No ORDER BY on the compound query: Django 6 would otherwise carry Case's default ordering
    # into it, which SQLite refuses for a UNION of bare ids. Read through a server-side cursor on
    # PostgreSQL: it plans no parallel workers for a cursor, and at 1M cases it chose two for these
    # few index entries, whose start-up cost 10–40 ms against 0.6 ms for the reads (docs/scale.md).
    # Duplicates count: a full slice means "maybe more".
    ids = list(found.order_by()[: SEARCH_MATCH_CAP + 1].iterator(chunk_size=SEARCH_MATCH_CAP + 1))
    if len(ids) <= SEARCH_MATCH_CAP:
        return Q(pk__in=set(ids))
    return by_name | Q(pk__in=in_tweets) | Q(pk__in=in_dms)


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
    # A range on the column itself, not on its date (``opened_at__date``): PostgreSQL can then walk
    # an index by opened_at instead of computing every case's date (docs/scale.md).
    if filters.opened_from:
        q &= Q(opened_at__gte=_day_start(filters.opened_from))
    if filters.opened_to and filters.opened_to < dt.date.max:
        q &= Q(opened_at__lt=_day_start(filters.opened_to + dt.timedelta(days=1)))
    return q


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight starting ``day`` in the current time zone (the zone ``opened_at__date`` used)."""
    midnight = dt.datetime.combine(day, dt.time.min)
    return timezone.make_aware(midnight) if settings.USE_TZ else midnight


def case_list(*, user, queue: str = "all_open", filters: CaseFilters | dict | None = None) -> QuerySet[Case]:
    """The cases of one queue the user may see, filtered, most urgent first.

    Urgency: the earliest SLA due time first (cases without one last), then the higher escalation
    level, then the higher priority score. The resolved queue shows the latest resolutions first.
    """
    queue, filters = _queue_and_filters(queue, filters)
    return _case_list_planned(user=user, queue=queue, filters=filters)[0]


# How ``case_list_page`` reads a page's ids (``_case_list_planned``).
WALK = "walk"  # the ordered queryset, sliced: PostgreSQL walks the queue's index (or sorts a range)
BY_TEAM = "by team"  # one ordered read per team of an agent's Unassigned queue, merged
BY_MONTH = "by month"  # one ordered read per month of a wide opening-date range, merged


def _case_list_planned(*, user, queue: str, filters: CaseFilters) -> tuple[QuerySet[Case], str]:
    """``case_list``'s queryset, and how a page of it is best read (``WALK``, ``BY_TEAM``, ``BY_MONTH``).

    Every plan returns the same rows in the same order; only what PostgreSQL reads differs.
    """
    qs = _case_list_unordered(user=user, queue=queue, filters=filters).select_related(*ROW_RELATED)
    if queue == "resolved":
        if filters.opened_from or filters.opened_to:
            if _holds_at_most(qs, NARROW_RANGE_CASES):
                # The same order, written so the queue's index (resolved_at DESC, id DESC: NULLS FIRST)
                # cannot serve it: PostgreSQL reads the dates' cases and sorts them. It would otherwise
                # walk the index from today, since it expects a week's cases to be spread along it — a
                # week a year ago is a year deep (257,000 entries read at 1M cases; docs/scale.md).
                # resolved_at is never NULL in this queue, so NULLS LAST changes nothing a user sees.
                return qs.order_by(F("resolved_at").desc(nulls_last=True), "-id"), WALK
            # Too many to sort: the walk from today would read every resolution since the range's
            # cases were resolved (a range two to three years old: two years of them). A page reads
            # each month of the range instead (``_month_slices``). Not with a search that matched
            # too many cases to list (it filters by subqueries over the messages, which every month
            # would run again): the walk meets its matches early.
            by_month = settings.USE_TZ and not filters.q
            return qs.order_by(*RESOLVED_ORDER), BY_MONTH if by_month else WALK
        return qs.order_by(*RESOLVED_ORDER), WALK
    qs = qs.order_by(*URGENCY_ORDER)
    if _unassigned(queue, filters) and not user_sees_all_cases(user) and len(filters.team_ids_for(user)) > 1:
        # PostgreSQL can walk one team's unassigned cases in queue order (``team_id = 2`` is an index
        # condition) but not several teams' at once: for ``team_id IN (2, 5)`` it reads every match
        # and sorts. A page reads each team's first cases in order and merges them.
        return qs, BY_TEAM
    return qs, WALK


def _unassigned(queue: str, filters: CaseFilters) -> bool:
    return queue == "unassigned" or filters.assignee == "none"


def _queue_and_filters(queue: str, filters: CaseFilters | dict | None) -> tuple[str, CaseFilters]:
    return (queue if queue in QUEUES else "all_open"), (
        filters if isinstance(filters, CaseFilters) else CaseFilters.from_dict(filters)
    )


def _case_list_unordered(*, user, queue: str, filters: CaseFilters) -> QuerySet[Case]:
    if _unassigned(queue, filters):
        # The agent's teams as literal ids: one team's unassigned cases are then an index range in
        # queue order (with a language filter, ``crm_tw_case_unassigned_lang``'s), read up to a page.
        # Through the membership subquery PostgreSQL joined, estimated the language's share as if a
        # team's cases were in any language, and read and sorted all of them (docs/scale.md).
        team_ids = None if user_sees_all_cases(user) else filters.team_ids_for(user)
        visible = unassigned_cases_visible_to(user, team_ids=team_ids)
    else:
        visible = cases_visible_to(user)
    qs = visible.filter(_queue_q(queue, user)).filter(_filters_q(filters, user))
    if filters.q:
        qs = qs.filter(filters.search_q())
    return qs


def _holds_at_most(qs: QuerySet[Case], n: int) -> bool:
    """Whether ``qs`` has at most ``n`` cases, reading at most ``n + 1`` index entries to say so."""
    return qs.order_by().values("id")[: n + 1].count() <= n


def _month_slices(qs: QuerySet[Case], filters: CaseFilters) -> list[QuerySet[Case]] | None:
    """``qs`` (the resolved queue, filtered by opening date) cut into one queryset per UTC month of the
    range, each ordered as the queue; None when the range spans more than ``MONTH_SLICES_MAX`` months.

    On PostgreSQL each slice also says its month as ``crm_tw_case_done_month`` indexes it, so a slice
    is one index range already in the queue's order, read up to a page: the page costs about a page
    per month of the range, not a walk through every later resolution. A range open at either end is
    closed at the earliest or latest opening of a resolved case (one query).

    A slice holding less than half its month is read and sorted instead (the order written as in
    ``_case_list_planned``'s narrow range, so no index serves it): walking its month in resolution
    order would first pass the rest of the month — at 1M cases, a range ending on the 6th read 15,585
    entries of December to find 51 of its first six days. Either way a slice reads at most about half
    a month of cases, and usually a page.
    """
    start = _day_start(filters.opened_from) if filters.opened_from else None
    end = None
    if filters.opened_to and filters.opened_to < dt.date.max:
        end = _day_start(filters.opened_to + dt.timedelta(days=1))
    if start is None or end is None:
        bounds = Case.objects.filter(_queue_q("resolved", None)).aggregate(
            first=Min("opened_at"), last=Max("opened_at")
        )
        if bounds["first"] is None:
            return []
        start = start or bounds["first"]
        end = end or bounds["last"] + dt.timedelta(microseconds=1)
    months = _utc_months(start, end)
    if len(months) > MONTH_SLICES_MAX:
        return None
    postgres = connections[qs.db].vendor == "postgresql"
    column = f'"{Case._meta.db_table}"."opened_at"'
    slices = []
    for month, next_month in zip(months, [*months[1:], _next_month(months[-1])] if months else [], strict=True):
        lower, upper = max(start, month), min(end, next_month)
        part = qs.filter(opened_at__gte=lower, opened_at__lt=upper)
        if (upper - lower) * 2 < next_month - month:
            part = part.order_by(F("resolved_at").desc(nulls_last=True), "-id")
        elif postgres:
            same_month = RawSQL(  # noqa: S611 (a constant expression; the month is a parameter)
                f"{OPENED_MONTH_SQL.format(column)} = %s::timestamp",
                (month.replace(tzinfo=None),),
                output_field=BooleanField(),
            )
            part = part.filter(same_month)
        slices.append(part)
    return slices


def _utc_months(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The first instants (UTC) of the months that hold some of ``[start, end)``."""
    first = start.astimezone(dt.UTC)
    month = dt.datetime(first.year, first.month, 1, tzinfo=dt.UTC)
    months = []
    while month < end and len(months) <= MONTH_SLICES_MAX:
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(month: dt.datetime) -> dt.datetime:
    return month.replace(year=month.year + 1, month=1) if month.month == 12 else month.replace(month=month.month + 1)


def _merged_page_ids(
    parts: list[QuerySet[Case]], columns: tuple[str, ...], order_sql: str, *, offset: int, limit: int
) -> list[int]:
    """The ids of one page of the union of ``parts`` (disjoint querysets, each in the queue's order),
    in one statement: each part cut at ``offset + limit`` in its own order, then merged and cut again.

    The page's cases are among each part's first ``offset + limit``, so the result is what the one
    ordered query over all the parts would return; but each part is a read PostgreSQL can stop early
    (an index range in the queue's order), where the whole was a read of every match and a sort.
    ``columns`` are the order's columns after the id, ``order_sql`` the order over them.
    """
    sqls, params = [], []
    for part in parts:
        try:
            sql, part_params = part.values_list("id", *columns)[: offset + limit].query.sql_with_params()
        except EmptyResultSet:
            continue
        sqls.append(f"SELECT * FROM ({sql}) AS part_{len(sqls)}")  # noqa: S608 (ORM-compiled SQL)
        params.extend(part_params)
    if not sqls:
        return []
    merged = " UNION ALL ".join(sqls)
    statement = f"SELECT id FROM ({merged}) AS parts ORDER BY {order_sql} LIMIT {int(limit)} OFFSET {int(offset)}"  # noqa: S608
    with connections[parts[0].db].cursor() as cursor:
        cursor.execute(statement, params)
        return [pk for (pk,) in cursor.fetchall()]


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
    last_customer_message_at: dt.datetime | None
    last_agent_message_at: dt.datetime | None
    customer_tweet_text: str | None  # the customer's latest public words in the case
    customer_tweet_at: dt.datetime | None
    customer_dm_text: str | None  # … and their latest DM
    customer_dm_at: dt.datetime | None
    category: Any = None
    suggested_category: Any = None
    team: Any = None
    brand_account: Any = None
    assignee: Any = None
    row: dict[str, Any] = field(default_factory=dict)  # what the view computes for display

    @property
    def last_customer_text(self) -> str:
        """What the customer said last (a tweet or a DM, whichever is newer): the queue shows the
        customer's words, never the brand's own reply."""
        tweet, dm = self.customer_tweet_at, self.customer_dm_at
        if dm is not None and (tweet is None or dm > tweet):
            return self.customer_dm_text or ""
        return self.customer_tweet_text or self.last_message_preview or ""


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
    "last_customer_message_at",
    "last_agent_message_at",
)


# The customer's latest tweet and DM of each row, read in the same query as the row (a correlated
# subquery per column, each one walk of the (case, created_at) message index, for ~50 rows).
QUEUE_ROW_CUSTOMER_WORDS = ("customer_tweet_text", "customer_tweet_at", "customer_dm_text", "customer_dm_at")


def _customer_words() -> dict[str, Subquery]:
    tweets = Tweet.objects.filter(case=OuterRef("pk"), direction="inbound").order_by("-created_at", "-id")
    dms = DirectMessage.objects.filter(case=OuterRef("pk"), direction="inbound").order_by("-created_at", "-id")
    return {
        "customer_tweet_text": Subquery(tweets.values("text")[:1]),
        "customer_tweet_at": Subquery(tweets.values("created_at")[:1]),
        "customer_dm_text": Subquery(dms.values("text")[:1]),
        "customer_dm_at": Subquery(dms.values("created_at")[:1]),
    }


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
    queue, filters = _queue_and_filters(queue, filters)
    qs, plan = _case_list_planned(user=user, queue=queue, filters=filters)
    qs = qs.select_related(None)
    if plan == BY_TEAM:
        parts = [qs.filter(team_id=team_id) for team_id in filters.team_ids_for(user)]
        ids = _merged_page_ids(parts, URGENCY_COLUMNS, URGENCY_ORDER_SQL, offset=offset, limit=limit)
    elif plan == BY_MONTH and (parts := _month_slices(qs, filters)) is not None:
        ids = _merged_page_ids(parts, RESOLVED_COLUMNS, RESOLVED_ORDER_SQL, offset=offset, limit=limit)
    else:
        ids = list(qs.values_list("id", flat=True)[offset : offset + limit])
    if not ids:
        return []
    by_pk = {}
    rows = Case.objects.filter(pk__in=ids).order_by().annotate(**_customer_words())
    for values in rows.values_list(*QUEUE_ROW_COLUMNS, *QUEUE_ROW_CUSTOMER_WORDS):
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
    queue, filters = _queue_and_filters(queue, filters)
    qs = _case_list_unordered(user=user, queue=queue, filters=filters).order_by()
    return qs.values("id")[: cap + 1].count()


COUNTS_CACHE_SECONDS = 5


def _capped_counts(querysets: dict[str, list[QuerySet]], *, cap: int) -> dict[str, int]:
    """``{name: min(sum of the querysets' counts, cap + 1)}`` in one statement:
    ``SELECT (SELECT COUNT(*) FROM (… LIMIT cap + 1)), …``.

    No ORDER BY in the subqueries: any ``cap + 1`` ids count the same, so each walks whichever
    index finds them soonest and stops there. A name's querysets must not overlap.
    """
    parts, params, owners = [], [], []
    for name, group in querysets.items():
        for qs in group:
            try:
                sql, qs_params = qs.order_by().values("pk")[: cap + 1].query.sql_with_params()
            except EmptyResultSet:  # e.g. ``team_id__in=[]``: counts nothing
                continue
            parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped_{len(parts)})")  # noqa: S608 (ORM-compiled SQL)
            params.extend(qs_params)
            owners.append(name)
    counts = dict.fromkeys(querysets, 0)
    if parts:
        with connections[Case.objects.db].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = cursor.fetchone()
        for name, value in zip(owners, row, strict=True):
            counts[name] += int(value or 0)
    return {name: min(value, cap + 1) for name, value in counts.items()}


def counts_cache_key(user_id: int) -> str:
    """Where a user's queue counts are cached (the benchmark drops them to time a first visit)."""
    return f"crm_twitter:inbox:counts:{user_id}"


def queue_counts_forget(*, team_ids: Iterable[int | None] = (), user_ids: Iterable[int | None] = ()) -> None:
    """Drop the cached counts of the teams' members and of ``user_ids`` once the transaction commits.

    For a case that changed teams: its new team's agents must see it in their Unassigned (or My
    cases) count on their next page, not up to ``COUNTS_CACHE_SECONDS`` later beside a list that
    already shows it. After commit, so no request caches the counts of the state before the change.
    """
    teams = [pk for pk in team_ids if pk]
    users = {pk for pk in user_ids if pk}
    if teams:
        users.update(TeamMembership.objects.filter(team_id__in=teams).values_list("user_id", flat=True))
    if users:
        keys = [counts_cache_key(pk) for pk in sorted(users)]
        transaction.on_commit(lambda: cache.delete_many(keys))


def case_queue_counts(
    *, user, max_age: int = COUNTS_CACHE_SECONDS, filters: CaseFilters | None = None
) -> dict[str, int]:
    """Live count per queue, each counted up to ``RESOLVED_COUNT_CAP + 1`` (the page says "999+"), in
    one query.

    Capped because an exact count reads every open case: 127 ms over 250,000 open cases at 1M
    (docs/scale.md), on every refresh. A capped count stops after 1,000 index entries, so it costs
    the same on any desk. The page refreshes them every 20 s; several agents' tabs (and a queue
    switch right after a refresh) reuse one result for ``max_age`` seconds. ``filters``: the page's,
    whose rows have already read the agent's teams (``CaseFilters.team_ids_for``), so they are not
    read twice.
    """
    if not user.is_authenticated:
        return dict.fromkeys(QUEUES, 0)
    key = counts_cache_key(user.pk)
    if max_age:
        cached = cache.get(key)
        if cached is not None:
            return cached
    if user_sees_all_cases(user):
        visible_parts = [Case.objects.all()]
    else:
        # ``cases_visible_to``'s rule in two disjoint parts, for the planner: the teams' cases (a
        # plain list of team ids is an index condition; the rule's OR with a subquery is a filter
        # tested on every open case: 146 ms for an agent at 1M, docs/scale.md) and the cases
        # assigned to the agent outside those teams (a few, from the assignee index).
        team_ids = filters.team_ids_for(user) if filters is not None else team_ids_of(user)
        visible_parts = [
            Case.objects.filter(team_id__in=team_ids),
            Case.objects.filter(assignee=user).exclude(team_id__in=team_ids),
        ]
    queues = {
        "mine": Q(assignee=user),
        "unassigned": Q(assignee__isnull=True),
        "escalated": Q(escalation_level__gt=0),
        "overdue": Q(is_overdue=True),
        "awaiting_customer": Q(status=CaseStatus.AWAITING_CUSTOMER),
        "all_open": Q(),
    }
    result = _capped_counts(
        {
            **{
                name: [part.filter(status__in=OPEN_STATUSES).filter(condition) for part in visible_parts]
                for name, condition in queues.items()
            },
            "resolved": [part.filter(_queue_q("resolved", user)) for part in visible_parts],
        },
        cap=RESOLVED_COUNT_CAP,
    )
    if max_age:
        cache.set(key, result, max_age)
    return result
