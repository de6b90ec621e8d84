"""Database expressions the report needs: durations in seconds and percentiles, on any backend.

Percentiles are computed in the database. PostgreSQL has ``percentile_cont`` (one aggregate
query per grouping). On SQLite (and other backends) a window-function query numbers the
durations inside each group and returns only the one or two rows around each wanted percentile;
Python interpolates between them exactly like ``percentile_cont`` (linear interpolation).
Either way it is one query per metric and grouping, and the rows transferred do not grow with
the data: at most four per group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Aggregate, Count, Expression, FloatField, QuerySet

from crm_twitter.db.sql import rows_fetch


class PercentileCont(Aggregate):
    """PostgreSQL's ``percentile_cont(p) WITHIN GROUP (ORDER BY expr)``."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, *, fraction: float, **extra):
        # A float we control, rendered as a literal (ordered-set aggregates take a constant).
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


@dataclass(frozen=True)
class DurationStats:
    """How many durations there were, and their median and 90th percentile in seconds."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


PERCENTILES = (0.5, 0.9)


def duration_stats(count: int, values: dict[float, float | None]) -> DurationStats:
    """Stats as the report shows them (seconds to one decimal), from a count and its percentiles."""
    return _stats_from(count, values)


def _stats_from(count: int, values: dict[float, float | None]) -> DurationStats:
    def seconds(v: float | None) -> float | None:
        return None if v is None else round(float(v), 1)

    return DurationStats(count=count, median=seconds(values.get(0.5)), p90=seconds(values.get(0.9)))


def duration_percentiles(queryset: QuerySet, *, group: Expression, duration: Expression) -> dict[object, DurationStats]:
    """Median and p90 of ``duration`` per value of ``group`` over ``queryset``, in one query.

    Rows where the duration is NULL (no first response yet, not resolved) are left out: they
    are counted elsewhere as pending, not as zero.
    """
    base = queryset.annotate(_g=group, _d=duration).filter(_d__isnull=False).order_by()
    if connection.vendor == "postgresql":
        rows = base.values("_g").annotate(
            _n=Count("pk"),
            _p50=PercentileCont("_d", fraction=0.5),
            _p90=PercentileCont("_d", fraction=0.9),
        )
        return {r["_g"]: _stats_from(r["_n"], {0.5: r["_p50"], 0.9: r["_p90"]}) for r in rows}
    return _window_percentiles(base, PERCENTILES)


def _window_percentiles(base: QuerySet, fractions: Sequence[float]) -> dict[object, DurationStats]:
    inner_sql, params = base.values("_g", "_d").query.sql_with_params()
    q = connection.ops.quote_name
    wanted = []
    for fraction in fractions:
        floor = f"CAST((w.{q('n')} - 1) * {float(fraction)!r} AS INTEGER)"
        wanted.append(f"w.{q('rn')} = {floor}")
        wanted.append(f"w.{q('rn')} = {floor} + 1")
    # Only Django's own compiled SQL (values stay in ``params``) and quoted names are interpolated.
    sql = (
        f"SELECT w.{q('_g')}, w.{q('n')}, w.{q('rn')}, w.{q('_d')} FROM ("  # noqa: S608
        f"SELECT s.{q('_g')}, s.{q('_d')}, "
        f"ROW_NUMBER() OVER (PARTITION BY s.{q('_g')} ORDER BY s.{q('_d')}) - 1 AS {q('rn')}, "
        f"COUNT(*) OVER (PARTITION BY s.{q('_g')}) AS {q('n')} "
        f"FROM ({inner_sql}) s) w WHERE {' OR '.join(wanted)}"
    )
    by_group: dict[object, tuple[int, dict[int, float]]] = {}
    for g, n, rn, d in rows_fetch(sql, params):
        count, values = by_group.setdefault(g, (int(n), {}))
        values[int(rn)] = float(d)
    result = {}
    for g, (count, values) in by_group.items():
        found = {}
        for fraction in fractions:
            pos = (count - 1) * fraction
            lo = int(pos)
            low = values[lo]
            high = values.get(lo + 1, low)
            found[fraction] = low + (high - low) * (pos - lo)
        result[g] = _stats_from(count, found)
    return result
