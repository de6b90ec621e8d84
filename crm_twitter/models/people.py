"""Who is on the other side: X users and the merchant's customers they belong to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    display_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2"))
    language = models.CharField(max_length=16, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    is_vip = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    external_id = models.CharField(
        max_length=100, blank=True, db_index=True, help_text=_("The shop's customer id, when imported.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.display_name or f"Customer #{self.pk}"


class XUser(models.Model):
    x_id = models.CharField(max_length=32)  # unique: Meta.constraints (no LIKE-pattern index)
    handle = models.CharField(max_length=50)
    name = models.CharField(max_length=200, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, related_name="x_users", null=True, blank=True)
    followers_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    verified = models.BooleanField(default=False)
    protected = models.BooleanField(default=False)
    location = models.CharField(max_length=200, blank=True)
    lang = models.CharField(max_length=16, blank=True)
    description = models.TextField(blank=True)
    profile_image_url = models.URLField(max_length=500, blank=True)
    accepts_dms = models.BooleanField(null=True, blank=True, help_text=_("False once X refused a DM to this user."))
    is_unavailable = models.BooleanField(default=False, help_text=_("Deleted, suspended or not visible."))
    profile_fetched_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("X user")
        ordering = ["handle"]
        constraints = [models.UniqueConstraint(fields=["x_id"], name="crm_tw_xuser_x_id_unique")]
        indexes = [
            models.Index(fields=["followers_count"], name="crm_tw_xuser_followers"),
            models.Index(fields=["handle"], name="crm_tw_xuser_handle"),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"

    @property
    def profile_url(self) -> str:
        return f"https://x.com/{self.handle}"
