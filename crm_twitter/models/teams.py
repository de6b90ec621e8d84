"""Teams, their shifts and members, and SLA targets per priority."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm_twitter.models.choices import Priority


def default_working_hours() -> dict[str, list[list[str]]]:
    weekday = [["09:00", "18:00"]]
    return {"mon": weekday, "tue": weekday, "wed": weekday, "thu": weekday, "fri": weekday, "sat": [], "sun": []}


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=64, unique=True)
    languages = models.JSONField(default=list, blank=True, help_text=_('e.g. ["en", "de"]'))
    time_zone = models.CharField(max_length=64, default="UTC")
    # {"mon": [["09:00", "18:00"]], ...}; an empty list is a day off.
    working_hours = models.JSONField(default=default_working_hours, blank=True)
    is_fallback = models.BooleanField(default=False, help_text=_("Takes cases no team on shift can take."))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="TeamMembership", related_name="crm_teams")
    supervisors_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    class Role(models.TextChoices):
        AGENT = "agent", _("Agent")
        SUPERVISOR = "supervisor", _("Supervisor")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    max_open_cases = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Empty = the MAX_OPEN_CASES_PER_AGENT setting.")
    )
    is_available = models.BooleanField(default=True, help_text=_("Off while on leave: gets no new cases."))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="crm_twitter_teammembership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class SlaPolicy(models.Model):
    priority = models.CharField(max_length=8, choices=Priority.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField()
    next_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    pause_when_awaiting_customer = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["priority"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_response_minutes__gt=0, next_response_minutes__gt=0, resolution_minutes__gt=0),
                name="crm_twitter_slapolicy_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"SLA {self.get_priority_display()}"
