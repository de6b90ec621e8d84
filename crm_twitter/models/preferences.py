"""What each desk user chooses for themselves (today: the language of the interface and e-mails)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserPreferences(models.Model):
    """One row per user who changed a preference; no row means the defaults.

    ``language`` is a code of ``settings.LANGUAGES`` (kept as text, not choices, so adding a
    language to a project needs no migration); empty follows the browser's Accept-Language. It
    drives the inbox and reports after sign-in, the e-mails the desk sends the user and the
    report e-mails addressed to them.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crm_preferences", primary_key=True
    )
    language = models.CharField(_("language"), max_length=15, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("user preferences")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return f"{self.user} ({self.language or '—'})"
