"""In-app notifications: what an agent or supervisor must look at now."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Case assigned")
        ESCALATED = "escalated", _("Case escalated")
        SLA_BREACHED = "sla_breached", _("SLA breached")
        PROMISE_MISSED = "promise_missed", _("Promise missed")
        SEND_FAILED = "send_failed", _("Message failed to send")
        SYNC_ALERT = "sync_alert", _("Sync alert")
        INCIDENT = "incident", _("Incident")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_notifications")
    case = models.ForeignKey(
        "crm_twitter.Case", on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    incident = models.ForeignKey(
        "crm_twitter.Incident", on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at", "created_at"], name="crm_tw_notif_user_unread")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user}"
