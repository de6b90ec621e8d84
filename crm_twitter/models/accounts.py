"""The brand's own X accounts, their credentials and sync state, and the X API cost ledger."""

from __future__ import annotations

import json
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm_twitter.crypto import decrypt_text, encrypt_text

CREDENTIAL_FIELDS = ("bearer_token", "consumer_key", "consumer_secret", "access_token", "access_token_secret")


class BrandAccount(models.Model):
    class Role(models.TextChoices):
        SUPPORT = "support", _("Global support")
        REGIONAL = "regional", _("Regional support")
        EXECUTIVE = "executive", _("Executive / founder (watched for escalations)")

    class SyncHealth(models.TextChoices):
        OK = "ok", _("OK")
        SLOWED = "slowed", _("Slowed (budget)")
        STOPPED = "stopped", _("Stopped (budget reached)")
        RATE_LIMITED = "rate_limited", _("Rate limited")
        AUTH_FAILED = "auth_failed", _("Authentication failed")
        ERROR = "error", _("Error")

    handle = models.CharField(max_length=15, unique=True, help_text=_("Without the @."))
    x_user_id = models.CharField(max_length=32, unique=True)
    display_name = models.CharField(max_length=100, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SUPPORT)
    region = models.CharField(max_length=64, blank=True, help_text=_("For regional accounts, e.g. 'EU' or 'JP'."))
    default_language = models.CharField(max_length=16, blank=True)
    is_active = models.BooleanField(default=True)
    # Fernet token of a JSON object; never the secrets themselves.
    credentials_encrypted = models.TextField(blank=True, editable=False)

    # Sync state.
    mentions_since_id = models.CharField(max_length=32, blank=True)
    own_posts_since_id = models.CharField(max_length=32, blank=True)
    dm_newest_event_id = models.CharField(max_length=32, blank=True)
    # A DM walk (GET /2/dm_events pages newest → oldest, no since_id) that stopped before it reached
    # stored events or X's 30-day limit: page cap, 429, 5xx. The next sync reads the newest pages
    # first, then resumes here, so a first backfill of a busy account completes across runs.
    dm_backfill_token = models.CharField(
        max_length=255,
        blank=True,
        help_text=_(
            "X's pagination token of the next, older page of an unfinished DM walk; the next sync "
            "resumes there. Empty = no walk pending."
        ),
    )
    dm_backfill_newest_id = models.CharField(
        max_length=32,
        blank=True,
        help_text=_(
            "Newest DM event id read by the unfinished walk (and by the newer pages read since); it "
            "becomes the DM cursor once the walk reaches stored events or X's 30-day limit."
        ),
    )
    dm_backfill_started_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the unfinished DM walk began (empty = no walk pending).")
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    next_sync_at = models.DateTimeField(null=True, blank=True)
    sync_interval_seconds = models.PositiveIntegerField(null=True, blank=True)
    sync_health = models.CharField(max_length=16, choices=SyncHealth.choices, default=SyncHealth.OK)
    sync_message = models.TextField(blank=True)
    # {"GET /2/users/:id/mentions": {"limit": 450, "remaining": 3, "reset": "2026-...Z"}}
    rate_limits = models.JSONField(default=dict, blank=True)
    monthly_budget = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("USD per calendar month; polling slows near it and stops at it. Empty = no budget."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["handle"]

    def __str__(self) -> str:
        return f"@{self.handle}"

    def set_credentials(self, **values: str) -> None:
        """Encrypt and store X credentials; unknown names are refused so typos surface."""
        unknown = set(values) - set(CREDENTIAL_FIELDS)
        if unknown:
            raise ValueError(f"unknown credential(s): {', '.join(sorted(unknown))}")
        current = self.get_credentials() if self.credentials_encrypted else {}
        current.update({k: v for k, v in values.items() if v})
        self.credentials_encrypted = encrypt_text(json.dumps(current))

    def get_credentials(self) -> dict[str, str]:
        if not self.credentials_encrypted:
            return {}
        return json.loads(decrypt_text(self.credentials_encrypted))

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)


class ApiCall(models.Model):
    """One request to X: what it returned, what it cost, and the rate-limit state after it."""

    account = models.ForeignKey(BrandAccount, on_delete=models.CASCADE, related_name="api_calls", null=True)
    case = models.ForeignKey(
        "crm_twitter.Case", on_delete=models.SET_NULL, related_name="api_calls", null=True, blank=True
    )
    endpoint = models.CharField(max_length=128)  # "GET /2/users/:id/mentions"
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    resource_kind = models.CharField(max_length=32, blank=True)  # a key of PRICES
    resources = models.PositiveIntegerField(default=0)
    billed_resources = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0"))
    rate_limit_limit = models.PositiveIntegerField(null=True, blank=True)
    rate_limit_remaining = models.PositiveIntegerField(null=True, blank=True)
    rate_limit_reset = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["account", "created_at"], name="crm_tw_apicall_acct_time"),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} → {self.status_code} ({self.resources} × {self.resource_kind})"


class BilledResource(models.Model):
    """A resource X has billed today: reads of the same resource are billed once per UTC day."""

    account = models.ForeignKey(BrandAccount, on_delete=models.CASCADE, related_name="billed_resources")
    day = models.DateField()
    kind = models.CharField(max_length=32)
    resource_id = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "day", "kind", "resource_id"], name="crm_twitter_billedresource_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.resource_id} on {self.day}"
