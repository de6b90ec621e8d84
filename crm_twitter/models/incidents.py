"""Incidents: a surge of the same complaint, seen as one problem.

Customers with the same problem find each other on X and complain together (a carrier stuck at
customs in one country, a bad batch of one SKU). Detection (services/incident_detection.py) opens
an incident when the distinct customers complaining along some dimensions outrun what the same
hours of the previous weeks lead us to expect; the incident page then answers them once and
resolves them in bulk (services/incidents.py). Each linked case keeps its own events, SLA stop
and survey: an incident groups cases, it never replaces them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Incident(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        MERGED = "merged", _("Merged")

    brand_account = models.ForeignKey(
        "crm_twitter.BrandAccount", on_delete=models.PROTECT, related_name="incidents", db_index=False
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    title = models.CharField(max_length=200, help_text=_("What is surging, in words, e.g. 'Lost parcel · DHL · BR'."))
    # The dimensions that surged; a blank one is not part of the incident's definition.
    category = models.ForeignKey(
        "crm_twitter.ComplaintCategory",
        on_delete=models.PROTECT,
        related_name="incidents",
        null=True,
        blank=True,
        db_index=False,
    )
    carrier = models.CharField(max_length=64, blank=True)
    sku = models.CharField(max_length=64, blank=True)
    destination_country = models.CharField(max_length=2, blank=True)
    # Canonical form of the dimensions above ("carrier=DHL;country=BR"): one open incident per key.
    dimension_key = models.CharField(max_length=300)
    # What detection saw when it opened (or last grew) the incident.
    window_hours = models.PositiveSmallIntegerField(help_text=_("The sliding window that surged (1, 6 or 24)."))
    observed_count = models.PositiveIntegerField(
        default=0, help_text=_("Distinct customers complaining in the window.")
    )
    expected_count = models.FloatField(default=0, help_text=_("Baseline from the same hours of previous weeks."))
    p_value = models.FloatField(null=True, blank=True, help_text=_("Poisson tail probability of the count."))
    case_count = models.PositiveIntegerField(default=0, help_text=_("Linked cases (kept by the services)."))
    alerted_case_count = models.PositiveIntegerField(
        default=0, help_text=_("Linked cases at the last alert: a new alert goes out when this doubles.")
    )
    opened_at = models.DateTimeField()
    last_linked_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    root_cause = models.TextField(blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, related_name="merged_incidents", null=True, blank=True
    )
    cases = models.ManyToManyField("crm_twitter.Case", through="IncidentCase", related_name="incidents", blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand_account", "dimension_key"],
                condition=models.Q(status="open"),
                name="crm_tw_incident_one_open_per_key",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "opened_at"], name="crm_tw_incident_status"),
            models.Index(fields=["brand_account", "status"], name="crm_tw_incident_account"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class IncidentCase(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    case = models.ForeignKey("crm_twitter.Case", on_delete=models.CASCADE, related_name="incident_links")
    linked_at = models.DateTimeField()
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
        help_text=_("Empty when detection linked it."),
    )

    class Meta:
        verbose_name = _("incident case")
        constraints = [
            models.UniqueConstraint(fields=["incident", "case"], name="crm_tw_incident_case_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} in {self.incident_id}"


class IncidentEvent(models.Model):
    """The incident's own history; each linked case also gets its own CaseEvent."""

    class Kind(models.TextChoices):
        OPENED = "opened", pgettext_lazy("incident opened", "Opened")
        GREW = "grew", _("Grew")
        ALERTED = "alerted", _("Alert sent")
        CASES_LINKED = "cases_linked", _("Cases linked")
        CASE_UNLINKED = "case_unlinked", _("Case unlinked")
        STATUS_UPDATE = "status_update", _("Public status update")
        CUSTOMERS_REPLIED = "customers_replied", _("Customers replied")
        CASES_RESOLVED = "cases_resolved", _("Cases resolved")
        MERGED = "merged", _("Merged")
        CLOSED = "closed", _("Closed")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events", db_index=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
        help_text=_("Empty for the system (detection)."),
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"], name="crm_tw_incident_event_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on incident {self.incident_id}"
