"""How the desk classifies complaints and what it says at each step of the flow."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ComplaintCategory(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    # Words (any language) typical of this category: they join the training examples each time the
    # desk retrains its classifier (how a category added in the admin gets known before labels).
    keywords = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name_plural = _("complaint categories")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return category_label(self.name)

    @property
    def label(self) -> str:
        """The name in the active language (the seeded categories are in the catalogue)."""
        return category_label(self.name)


def category_label(name: str) -> str:
    """A category's name in the active language: the seeded names ("Delivery delay", "Other")
    are translated through the catalogue; a name given in the admin is shown as written."""
    return gettext(name) if name else name


class ReplyTemplate(models.Model):
    class Step(models.TextChoices):
        ACKNOWLEDGE = "acknowledge", _("Acknowledge and move to DM")
        REQUEST_DETAILS = "request_details", _("Ask for order details (DM)")
        UPDATE = "update", _("Progress update")
        PROMISE = "promise", _("Promise with deadline")
        RESOLVE = "resolve", _("Resolution (DM)")
        PUBLIC_CLOSE = "public_close", _("Public close")
        PRIVACY_WARNING = "privacy_warning", _("Please delete private data")
        SATISFACTION = "satisfaction", _("Satisfaction survey (DM)")
        NUDGE_REPLY = "nudge_reply", _("Answer to a public nudge")
        INCIDENT_STATUS = "incident_status", _("Incident status update (public post)")
        INCIDENT_REPLY = "incident_reply", _("Incident: reply to a linked customer")

    class Channel(models.TextChoices):
        PUBLIC = "public", _("Public reply")
        DM = "dm", _("Direct message")

    step = models.CharField(max_length=32, choices=Step.choices)
    language = models.CharField(max_length=16, help_text=_("BCP 47 / X language code, e.g. en, zh, es."))
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.PUBLIC)
    name = models.CharField(max_length=100)
    body = models.TextField(
        help_text=_(
            "Placeholders: {handle} {name} {order_number} {promise_due} {agent_signature} {case_reference} {dm_link}"
        )
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["step", "language", "name"]
        constraints = [
            models.UniqueConstraint(fields=["step", "language", "name"], name="crm_twitter_replytemplate_unique"),
        ]
        indexes = [models.Index(fields=["step", "language"], name="crm_tw_tpl_step_lang")]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}]"
