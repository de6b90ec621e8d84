"""The outcomes recorded on a case: a history, never overwritten.

A case can be resolved, reopened and resolved again; each resolution records its outcome here.
Money that left the merchant (a refund) stays on record whatever happens to the case later, so
the monthly report counts every refund once, in the month it was recorded, and a case refunded
twice shows both. ``Case.outcome`` and its refund fields keep the latest one, for lists and filters.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm_twitter.models.cases import Case, Outcome
from crm_twitter.models.watch import WatchedManager


class CaseOutcome(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outcome_records", db_index=False)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)
    refund_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    refund_currency = models.CharField(max_length=3, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
        help_text=_("Empty when the system recorded it."),
    )

    objects = WatchedManager()  # update() tells the report rollups (crm_twitter.models.watch)

    class Meta:
        verbose_name = _("recorded outcome")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refund_amount__isnull=True) | models.Q(refund_amount__gte=0),
                name="crm_tw_outcome_refund_gte_0",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "recorded_at"], name="crm_tw_outcome_case_time"),
            models.Index(fields=["recorded_at"], name="crm_tw_outcome_time"),
        ]

    def __str__(self) -> str:
        label = self.get_outcome_display()
        if self.refund_amount is not None:
            label += f" {self.refund_amount} {self.refund_currency}"
        return label

    @property
    def is_refund(self) -> bool:
        return self.refund_amount is not None and self.refund_amount > 0
