"""Stored monthly reports and the exchange rates they convert refunds with."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportSnapshot(models.Model):
    """A month's report frozen when it was generated, so a past month never changes."""

    month = models.DateField(help_text=_("First day of the month, merchant time zone."))
    generated_at = models.DateTimeField(auto_now_add=True)
    generated_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    is_current = models.BooleanField(default=True, help_text=_("False once a regeneration replaced it."))
    scheduled = models.BooleanField(default=False, help_text=_("Made by the monthly schedule."))
    data = models.JSONField(default=dict)
    html = models.TextField(blank=True)
    csv = models.TextField(blank=True)
    xlsx = models.BinaryField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "-generated_at"]
        constraints = [
            # One scheduled snapshot per month, even if the schedule fires twice.
            models.UniqueConstraint(
                fields=["month"], condition=models.Q(scheduled=True), name="crm_twitter_reportsnapshot_one_scheduled"
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.month:%Y-%m} ({self.generated_at:%Y-%m-%d %H:%M})"


class ExchangeRate(models.Model):
    currency = models.CharField(max_length=3)
    # How many units of the reporting currency one unit of `currency` buys.
    rate = models.DecimalField(max_digits=18, decimal_places=8)
    valid_from = models.DateField()

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="crm_twitter_exchangerate_unique"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="crm_twitter_exchangerate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} from {self.valid_from}"
