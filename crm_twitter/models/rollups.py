"""Daily rollups of the complaint history: what the dashboard and the monthly report read.

Why several narrow tables instead of one wide one: carrier, SKU and destination country come from
a case's orders, and a case with two orders counts once under *each* value. In one wide row keyed
by every dimension at once a case would be counted once per combination, and totals would be wrong
(or need a distinct count the rollup cannot hold). So:

- ``RollupCaseDay``: complaints (and the excluded merged / not-actionable cases) opened on a day on
  the merchant's wall clock, per brand account × language × confirmed category × kind — counts,
  SLA met/breached, escalation, DM, satisfaction — the single-valued keys, so sums are exact.
- ``RollupCountDay``: plain counts per day for the multi-valued or differently-dated figures:
  ``country`` / ``carrier`` / ``sku`` (distinct cases per value, by opened day), ``categorisation``
  (confirmed vs suggested, by model version), ``risk`` (cases per risk kind), ``outcome`` (outcome ×
  refund currency, by the day the outcome was *recorded*, with refund count and amount), ``promise``
  (promise status, by the day it is *due*).
- ``RollupCountMonth``: the order dimensions summed per month, so a breakdown reads one row per
  value rather than one per value and day.
- ``RollupDurationDay`` / ``RollupDurationMonth``: first-response (by opened day) and resolution
  (by resolved day) times per category: a count, the exact values while few, and a DDSketch.
- ``RollupState``: the fold's watermarks, when it last ran ("figures as of"), and the open backlog
  by age at that moment.
- ``RollupDirtyDay``: days a change made stale where the watermarks cannot see it (a row deleted, a
  case–order link removed, a dated row edited in place), noted in the changing transaction and
  recomputed by the next fold (``crm_twitter.signals.rollups``).

Every rollup row is derived data: ``crm_twitter_rollups --rebuild`` recreates them all.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RollupCaseDay(models.Model):
    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        MERGED = "merged", _("Merged duplicate")
        NOT_ACTIONABLE = "not_actionable", _("Not actionable")

    day = models.DateField(help_text=_("The day the case was opened, merchant time zone."))
    account_id = models.BigIntegerField(null=True, blank=True, help_text=_("Brand account (id)."))
    language = models.CharField(max_length=16)
    category = models.CharField(max_length=64, help_text=_("Confirmed category slug, or uncategorised."))
    kind = models.CharField(max_length=16, choices=Kind.choices)
    cases = models.IntegerField(default=0)
    sla_met = models.IntegerField(default=0)
    sla_breached = models.IntegerField(default=0)
    next_breach_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the first case still pending turns breached (the fold refreshes it).")
    )
    escalated = models.IntegerField(default=0)
    escalated_1 = models.IntegerField(default=0)
    escalated_2 = models.IntegerField(default=0)
    escalated_3 = models.IntegerField(default=0)
    moved_to_dm = models.IntegerField(default=0)
    satisfaction_count = models.IntegerField(default=0)
    satisfaction_sum = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("case rollup (day)")
        indexes = [
            models.Index(fields=["day"], name="crm_tw_rollup_case_day"),
            models.Index(
                fields=["next_breach_at"],
                name="crm_tw_rollup_case_breach",
                condition=models.Q(next_breach_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.category} ({self.kind}): {self.cases}"


class RollupCountDay(models.Model):
    day = models.DateField(help_text=_("Opened, recorded or due day (see kind), merchant time zone."))
    kind = models.CharField(max_length=16)
    category = models.CharField(max_length=64)
    key1 = models.CharField(max_length=100, blank=True)
    key2 = models.CharField(max_length=64, blank=True)
    n = models.IntegerField(default=0)
    refunds = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("count rollup (day)")
        indexes = [models.Index(fields=["kind", "day"], name="crm_tw_rollup_count_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.category} {self.key1} {self.key2}: {self.n}"


class RollupCountMonth(models.Model):
    """The month's sum of the ``country`` / ``carrier`` / ``SKU`` daily counts (exact: a case has one
    opened day), so a breakdown reads one row per value, not one per value and day."""

    month = models.DateField()
    kind = models.CharField(max_length=16)
    category = models.CharField(max_length=64)
    key1 = models.CharField(max_length=100, blank=True)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("count rollup (month)")
        indexes = [models.Index(fields=["month", "kind"], name="crm_tw_rollup_count_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} {self.category} {self.key1}: {self.n}"


class RollupDurationDay(models.Model):
    day = models.DateField()
    metric = models.CharField(max_length=16)  # first_response (opened day) / resolution (resolved day)
    category = models.CharField(max_length=64)
    count = models.IntegerField(default=0)
    sketch = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("duration rollup (day)")
        indexes = [models.Index(fields=["metric", "day"], name="crm_tw_rollup_duration_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.category}: {self.count}"


class RollupDurationMonth(models.Model):
    """The month's merge of the daily duration rows (and a ``__all__`` row over every category), so
    the report and the 13-month trend merge a few dozen sketches, not a thousand."""

    month = models.DateField()
    metric = models.CharField(max_length=16)
    category = models.CharField(max_length=64)
    count = models.IntegerField(default=0)
    sketch = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("duration rollup (month)")
        constraints = [
            models.UniqueConstraint(fields=["month", "metric", "category"], name="crm_tw_rollup_duration_month_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.metric} {self.category}: {self.count}"


class RollupState(models.Model):
    """One row: how far the fold has read, and when (what the pages show as "figures as of")."""

    key = models.CharField(max_length=16, primary_key=True, default="default")
    folded_at = models.DateTimeField(null=True, blank=True)
    changed_since = models.DateTimeField(null=True, blank=True)
    case_id = models.BigIntegerField(default=0)
    event_id = models.BigIntegerField(default=0)
    outcome_id = models.BigIntegerField(default=0)
    promise_id = models.BigIntegerField(default=0)
    item_id = models.BigIntegerField(default=0)
    link_id = models.BigIntegerField(default=0)
    previous_marks = models.JSONField(default=dict, help_text=_("The id marks of the fold before the last one."))
    policies = models.CharField(max_length=64, blank=True, help_text=_("Fingerprint of the SLA policies folded with."))
    time_zone = models.CharField(
        max_length=64, blank=True, help_text=_("The merchant time zone the days were cut in (a change refolds).")
    )
    backlog = models.JSONField(default=dict)
    checks = models.JSONField(
        default=dict,
        help_text=_("Per-day digests of the raw rows behind the recent days, as last folded (the self-check)."),
    )

    class Meta:
        verbose_name = _("rollup state")

    def __str__(self) -> str:
        return f"rollups as of {self.folded_at}"


class RollupDirtyDay(models.Model):
    """A day (merchant wall clock) whose rollup rows a change made stale where the fold's watermarks
    cannot see it: a case, order, item, event, outcome or promise deleted, a case–order link removed,
    an outcome, promise or order item edited in place. Written in the changing transaction (so it
    exists exactly when the change does), read and deleted by the next fold, which recomputes the day.

    No unique key on purpose: each transaction adds its own rows and the fold deletes only the rows
    it read, so a change committing while a fold runs is never swallowed by a row the fold is
    clearing; duplicates only mean a day recounted once more.
    """

    day = models.DateField()

    class Meta:
        verbose_name = _("rollup day to refold")

    def __str__(self) -> str:
        return f"refold {self.day}"
