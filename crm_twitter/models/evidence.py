"""Evidence packs: one case exported as a PDF and a signed ZIP for a chargeback or a regulator."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EvidencePack(models.Model):
    """One export of a case, built in the background (``crm_twitter.evidence.build``).

    The files stay in storage so the person who asked can download them later; the hashes here
    let anyone holding a copy check it is the one the desk produced.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Building")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    case = models.ForeignKey("crm_twitter.Case", on_delete=models.CASCADE, related_name="evidence_packs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    include_notes = models.BooleanField(default=False)
    redact_third_parties = models.BooleanField(default=False)
    pdf_file = models.FileField(max_length=300, blank=True)
    zip_file = models.FileField(max_length=300, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    zip_sha256 = models.CharField(max_length=64, blank=True)
    zip_size = models.PositiveBigIntegerField(null=True, blank=True)
    public_key = models.CharField(max_length=64, blank=True, help_text=_("Ed25519 key that signed the manifest."))
    message_count = models.PositiveIntegerField(default=0)
    media_count = models.PositiveIntegerField(default=0)
    media_missing = models.PositiveIntegerField(default=0, help_text=_("Media that could not be archived."))
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("evidence pack")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Evidence pack {self.pk} of case {self.case_id}"
