"""Admin for the brand's X accounts: credentials are write-only, sync state is read-only."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crm_twitter.admin.display import pretty_json
from crm_twitter.models import ApiCall, BrandAccount
from crm_twitter.models.accounts import CREDENTIAL_FIELDS

CREDENTIAL_LABELS = {
    "bearer_token": _("Bearer token"),
    "consumer_key": _("API key (consumer key)"),
    "consumer_secret": _("API key secret (consumer secret)"),
    "access_token": _("Access token"),
    "access_token_secret": _("Access token secret"),
}


def _secret_field(name: str) -> forms.CharField:
    # render_value=False: a stored secret is never written into the page, not even masked.
    return forms.CharField(
        required=False,
        label=CREDENTIAL_LABELS[name],
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the stored value."),
    )


class BrandAccountForm(forms.ModelForm):
    """Credentials are typed in but never shown back: empty fields keep what is stored."""

    bearer_token = _secret_field("bearer_token")
    consumer_key = _secret_field("consumer_key")
    consumer_secret = _secret_field("consumer_secret")
    access_token = _secret_field("access_token")
    access_token_secret = _secret_field("access_token_secret")

    clear_credentials = forms.BooleanField(
        required=False,
        label=_("Remove stored credentials"),
        help_text=_(
            "Deletes every stored secret of this account (values typed above in the same save are then stored)."
        ),
    )

    class Meta:
        model = BrandAccount
        fields = [
            "handle",
            "x_user_id",
            "display_name",
            "role",
            "region",
            "default_language",
            "is_active",
            "monthly_budget",
            "sync_interval_seconds",
        ]

    def save(self, commit: bool = True) -> BrandAccount:
        account = super().save(commit=False)
        if self.cleaned_data.get("clear_credentials"):
            account.credentials_encrypted = ""
        values = {name: self.cleaned_data.get(name) for name in CREDENTIAL_FIELDS if self.cleaned_data.get(name)}
        if values:
            account.set_credentials(**values)
        if commit:
            account.save()
        return account


@admin.register(BrandAccount)
class BrandAccountAdmin(admin.ModelAdmin):
    form = BrandAccountForm
    list_display = [
        "handle",
        "display_name",
        "role",
        "region",
        "is_active",
        "credentials_stored",
        "sync_health",
        "last_synced_at",
        "spend_this_month",
        "monthly_budget",
    ]
    list_filter = ["role", "is_active", "sync_health"]
    search_fields = ["handle", "display_name", "=x_user_id"]
    readonly_fields = [
        "credentials_stored",
        "mentions_since_id",
        "own_posts_since_id",
        "dm_newest_event_id",
        "dm_backfill_token",
        "dm_backfill_newest_id",
        "dm_backfill_started_at",
        "last_synced_at",
        "next_sync_at",
        "sync_health",
        "sync_message",
        "rate_limits_pretty",
        "spend_this_month",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["handle", "x_user_id", "display_name", "role", "region", "default_language", "is_active"]}),
        (
            _("Credentials (write-only)"),
            {
                "fields": ["credentials_stored", *CREDENTIAL_FIELDS, "clear_credentials"],
                "description": _("Stored encrypted. Saved values are never displayed; type a value to replace it."),
            },
        ),
        (_("Budget and polling"), {"fields": ["monthly_budget", "sync_interval_seconds", "spend_this_month"]}),
        (
            _("Sync state"),
            {
                "fields": [
                    "sync_health",
                    "sync_message",
                    "last_synced_at",
                    "next_sync_at",
                    "mentions_since_id",
                    "own_posts_since_id",
                    "dm_newest_event_id",
                    "dm_backfill_token",
                    "dm_backfill_newest_id",
                    "dm_backfill_started_at",
                    "rate_limits_pretty",
                    "created_at",
                    "updated_at",
                ],
                "classes": ["collapse"],
            },
        ),
    ]
    actions = ["sync_now"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BrandAccount]:
        from crm_twitter.x.costs import month_start

        # The month's spend (the cost ledger's own month boundary) in the same query as the rows.
        spend = (
            ApiCall.objects.filter(account=OuterRef("pk"), created_at__gte=month_start())
            .order_by()
            .values("account")
            .annotate(total=Sum("cost"))
            .values("total")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                month_spend=Coalesce(
                    Subquery(spend, output_field=DecimalField(max_digits=12, decimal_places=4)),
                    Value(Decimal("0")),
                    output_field=DecimalField(max_digits=12, decimal_places=4),
                )
            )
        )

    @admin.display(boolean=True, description=_("Credentials stored"))
    def credentials_stored(self, obj: BrandAccount) -> bool:
        return obj.has_credentials

    @admin.display(description=_("Spend this month (USD)"), ordering="month_spend")
    def spend_this_month(self, obj: BrandAccount) -> str:
        value = getattr(obj, "month_spend", None)
        if value is None:
            return "—"
        return f"{value:.2f}"

    @admin.display(description=_("Rate limits"))
    def rate_limits_pretty(self, obj: BrandAccount):
        return pretty_json(obj.rate_limits)

    @admin.action(description=_("Sync selected accounts now"))
    def sync_now(self, request: HttpRequest, queryset: QuerySet[BrandAccount]) -> None:
        try:
            from django_q.tasks import async_task
        except ImportError:  # pragma: no cover - django-q2 is a dependency
            self.message_user(request, _("The task queue is not installed."), messages.ERROR)
            return
        ids = list(queryset.filter(is_active=True).values_list("pk", flat=True))
        for account_id in ids:
            # After commit, like every enqueue: a worker must not start before the request's writes land.
            transaction.on_commit(
                lambda account_id=account_id: async_task("crm_twitter.tasks.sync.sync_account_task", account_id)
            )
        self.message_user(request, _("Sync queued for %(n)d account(s).") % {"n": len(ids)}, messages.SUCCESS)
