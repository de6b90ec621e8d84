"""Webhook deliveries: every signed request X posted to the webhook, kept before it is answered."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookDelivery(models.Model):
    """One verified POST to the webhook, stored durably before X gets its 200.

    The row is written first and processed afterwards by a task, so a crash, a deploy or a bug in
    ingest never loses what X delivered: the admin shows the outcome and can process it again.
    """

    class Format(models.TextChoices):
        ACTIVITY = "xaa", _("X Activity API")
        ACCOUNT_ACTIVITY = "v1", _("Account Activity API (v1.1)")
        UNKNOWN = "unknown", _("Unrecognised")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting to be processed")
        PROCESSED = "processed", _("Processed")
        DUPLICATE = "duplicate", _("Duplicate of an earlier delivery")
        IGNORED = "ignored", _("Nothing to ingest")
        UNHANDLED = "unhandled", _("Unknown event type (kept)")
        REJECTED = "rejected", _("Rejected (malformed)")
        FAILED = "failed", _("Failed (will be retried)")

    received_at = models.DateTimeField(auto_now_add=True)
    body = models.TextField(help_text=_("The raw body X signed, as received."))
    body_sha256 = models.CharField(max_length=64, db_index=True)
    signature_verified = models.BooleanField(default=False)
    source = models.CharField(max_length=16, default="webhook", help_text=_("webhook or stream"))
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.UNKNOWN)
    event_uuid = models.CharField(max_length=64, blank=True, db_index=True)
    event_types = models.JSONField(default=list, blank=True)
    for_user_id = models.CharField(max_length=32, blank=True)
    account = models.ForeignKey(
        "crm_twitter.BrandAccount",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_deliveries",
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    error = models.TextField(blank=True)
    counts = models.JSONField(default=dict, blank=True, help_text=_("New rows the delivery made."))
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["outcome", "received_at"], name="crm_tw_whdeliv_outcome"),
            models.Index(fields=["account", "received_at"], name="crm_tw_whdeliv_account"),
        ]

    def __str__(self) -> str:
        kinds = ", ".join(self.event_types) or self.format
        return f"#{self.pk} {kinds} → {self.outcome}"
