"""The report's counting rules as database expressions, shared by the report and the rollup fold.

The report (``crm_twitter.reports.generator``) documents *what* counts; these expressions are the
one place that says *how* a case row is judged (its confirmed category, its SLA clocks, its highest
escalation by a date, its order-derived dimensions). The rollup fold (``services.rollups``) applies
the very same expressions per day, so figures read from rollups cannot drift from the raw rules.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case as CaseWhen
from django.db.models import (
    CharField,
    DateTimeField,
    Exists,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from crm_twitter.models import Case, CaseEvent, CaseStatus
from crm_twitter.services.sla import SlaTargets, sla_targets

UNCATEGORISED = "uncategorised"
NO_ORDER = "__no_order__"
UNKNOWN = "__unknown__"
NO_ITEMS = "__no_items__"


class EpochSeconds(Func):
    """``end - start`` in seconds as a float (NULL when either side is NULL)."""

    output_field = FloatField()

    def __init__(self, end: str | Expression, start: str | Expression, **extra):
        end = F(end) if isinstance(end, str) else end
        start = F(start) if isinstance(start, str) else start
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        end, start = self.get_source_expressions()
        end_sql, end_params = compiler.compile(end)
        start_sql, start_params = compiler.compile(start)
        params = (*end_params, *start_params)
        if connection.vendor == "postgresql":
            return f"EXTRACT(EPOCH FROM ({end_sql} - {start_sql}))::double precision", params
        if connection.vendor == "sqlite":
            return f"((julianday({end_sql}) - julianday({start_sql})) * 86400.0)", params
        if connection.vendor == "mysql":
            return f"(TIMESTAMPDIFF(MICROSECOND, {start_sql}, {end_sql}) / 1000000.0)", params
        return f"EXTRACT(EPOCH FROM ({end_sql} - {start_sql}))", params


def category_key(prefix: str = "") -> CaseWhen:
    """The confirmed category's slug, or ``uncategorised`` — a suggestion is never used."""
    return CaseWhen(
        When(
            **{f"{prefix}category_confirmed": True, f"{prefix}category__isnull": False},
            then=F(f"{prefix}category__slug"),
        ),
        default=Value(UNCATEGORISED),
        output_field=CharField(),
    )


def complaints() -> QuerySet[Case]:
    """Cases that are complaints: not a merged duplicate, not spam/praise."""
    return Case.objects.filter(merged_into__isnull=True).exclude(status=CaseStatus.NOT_ACTIONABLE)


def policy_seconds(clock: str, policies: dict[str, SlaTargets]) -> CaseWhen:
    """Today's policy target for the case's priority, in seconds (cases without their own due time)."""
    default = sla_targets("normal", policies)
    return CaseWhen(
        *(When(priority=p, then=Value(60.0 * getattr(t, clock))) for p, t in policies.items()),
        default=Value(60.0 * getattr(default, clock)),
        output_field=FloatField(),
    )


def sla_annotations(*, now: dt.datetime, policies: dict[str, SlaTargets]) -> dict[str, Expression]:
    """Annotations that judge each case's first-response and resolution clocks from the real times.

    A clock stops at the reply (or resolution); one still running is judged at the pause when the
    case waits on the customer, else now. Due times are compared as datetimes (exact); a case
    without one falls back on the policy's minutes for its priority, in elapsed seconds.
    """
    at = Value(now, output_field=DateTimeField())
    # A reopen restarts the first-response due time from the reopening, while the first response
    # stays the original one: for a reopened case that due time says nothing about the first reply.
    reopened = Exists(CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEvent.Kind.REOPENED))
    fr_end = Coalesce("first_response_at", "sla_paused_at", at, output_field=DateTimeField())
    res_end = Coalesce("resolved_at", "sla_paused_at", at, output_field=DateTimeField())
    return {
        "_reopened": reopened,
        "_fr_end": fr_end,
        "_res_end": res_end,
        "_fr_policy": policy_seconds("first_response", policies),
        "_res_policy": policy_seconds("resolution", policies),
        "_fr_took": EpochSeconds(fr_end, "opened_at"),
        "_res_took": EpochSeconds(res_end, "opened_at"),
    }


def sla_own_first_response_due() -> Q:
    return Q(sla_first_response_due__isnull=False, _reopened=False)


def sla_late() -> Q:
    """A first response or a resolution that came (or is still missing) after its due time."""
    own_due = sla_own_first_response_due()
    fr_late = (own_due & Q(_fr_end__gt=F("sla_first_response_due"))) | (~own_due & Q(_fr_took__gt=F("_fr_policy")))
    res_late = Q(sla_resolution_due__isnull=False, _res_end__gt=F("sla_resolution_due")) | Q(
        sla_resolution_due__isnull=True, _res_took__gt=F("_res_policy")
    )
    return fr_late | res_late


def sla_done() -> Q:
    return Q(first_response_at__isnull=False, resolved_at__isnull=False)


def highest_escalation(*, until: dt.datetime | Expression) -> Coalesce:
    """The highest escalation level a case reached before ``until``, from its ESCALATED events
    (0 when never escalated): what the month saw, whatever happened to the level afterwards."""
    levels = (
        CaseEvent.objects.filter(case=OuterRef("pk"), kind=CaseEvent.Kind.ESCALATED, created_at__lt=until)
        .order_by()
        .values("case")
        .annotate(top=Max(Cast(KT("data__level"), IntegerField())))
        .values("top")[:1]
    )
    return Coalesce(Subquery(levels, output_field=IntegerField()), Value(0))


def _order_value(field_name: str) -> CaseWhen:
    return CaseWhen(
        When(orders__id__isnull=True, then=Value(NO_ORDER)),
        When(Q(**{f"orders__{field_name}__isnull": True}) | Q(**{f"orders__{field_name}": ""}), then=Value(UNKNOWN)),
        default=F(f"orders__{field_name}"),
        output_field=CharField(),
    )


def language_key() -> CaseWhen:
    return CaseWhen(
        When(Q(language="") | Q(language__isnull=True), then=Value(UNKNOWN)),
        default=F("language"),
        output_field=CharField(),
    )


def dimension_expressions() -> dict[str, CaseWhen | Coalesce]:
    return {
        "brand_account": Coalesce(F("brand_account__handle"), Value(UNKNOWN), output_field=CharField()),
        "country": _order_value("destination_country"),
        "language": language_key(),
        "carrier": _order_value("carrier"),
        "sku": CaseWhen(
            When(orders__id__isnull=True, then=Value(NO_ORDER)),
            When(orders__items__sku__isnull=True, then=Value(NO_ITEMS)),
            default=F("orders__items__sku"),
            output_field=CharField(),
        ),
    }
