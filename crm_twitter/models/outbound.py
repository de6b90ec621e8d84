"""The send queue: every reply and DM is committed here first, then sent exactly once."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundMessage(models.Model):
    class Channel(models.TextChoices):
        PUBLIC_REPLY = "public_reply", _("Public reply")
        DM = "dm", _("Direct message")
        POST = "post", _("Public post")  # an incident's status update: a post of its own, replying to no one

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Empty only for an incident's public status update, which answers no single case.
    case = models.ForeignKey(
        "crm_twitter.Case", on_delete=models.CASCADE, related_name="outbound_messages", null=True, blank=True
    )
    incident = models.ForeignKey(
        "crm_twitter.Incident",
        on_delete=models.SET_NULL,
        related_name="outbound_messages",
        null=True,
        blank=True,
        help_text=_("Set for an incident's status update and its replies to linked customers."),
    )
    brand_account = models.ForeignKey(
        "crm_twitter.BrandAccount", on_delete=models.PROTECT, related_name="outbound_messages"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    text = models.TextField()
    in_reply_to_tweet_id = models.CharField(max_length=32, blank=True)
    recipient = models.ForeignKey(
        "crm_twitter.XUser", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    template = models.ForeignKey(
        "crm_twitter.ReplyTemplate", on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set when a send may have reached X without us seeing the answer: look before resending.
    ambiguous = models.BooleanField(default=False)
    last_error = models.TextField(blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    x_id = models.CharField(max_length=32, blank=True, help_text=_("Tweet id or DM event id on success."))
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case__isnull=False) | models.Q(incident__isnull=False),
                name="crm_tw_outbound_case_or_incident",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="crm_tw_outbound_queue"),
            models.Index(fields=["case", "created_at"], name="crm_tw_outbound_case"),
        ]

    def __str__(self) -> str:
        target = self.case_id if self.case_id else f"incident {self.incident_id}"
        return f"{self.get_channel_display()} for {target} ({self.status})"
