"""Admin for the X cost ledger: every call with its cost, and spend per account, day and case."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm_twitter.admin.visibility import DeskWideMixin
from crm_twitter.models import ApiCall, BilledResource
from crm_twitter.x.costs import account_budget_state, month_start, spend_by_account_day, spend_by_case

SPEND_DAYS = 31


@admin.register(ApiCall)
class ApiCallAdmin(DeskWideMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "account",
        "endpoint",
        "status_code",
        "resource_kind",
        "resources",
        "billed_resources",
        "cost",
        "rate_limit_remaining",
        "rate_limit_reset",
        "case_link",
        "duration_ms",
    )
    list_filter = ("account", "resource_kind", "status_code", "endpoint")
    list_select_related = ("account", "case")
    date_hierarchy = "created_at"
    search_fields = ("endpoint", "error", "case__reference")
    ordering = ("-created_at",)
    list_per_page = 100
    readonly_fields = [f.name for f in ApiCall._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the ledger is written by the gateway only

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("case"), ordering="case")
    def case_link(self, obj: ApiCall) -> str:
        if obj.case_id is None:
            return "—"
        url = reverse("admin:crm_twitter_case_change", args=[obj.case_id])
        return format_html('<a href="{}">{}</a>', url, obj.case.reference or obj.case_id)

    def get_urls(self):
        spend = path("spend/", self.admin_site.admin_view(self.spend_view), name="crm_twitter_apicall_spend")
        return [spend, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = dict(extra_context or {})
        response = super().changelist_view(request, extra_context=extra_context)
        if hasattr(response, "context_data") and "cl" in (response.context_data or {}):
            total = response.context_data["cl"].queryset.aggregate(total=Sum("cost"))["total"]
            response.context_data["crm_spend_total"] = total or 0
            response.context_data["crm_spend_url"] = reverse("admin:crm_twitter_apicall_spend")
        return response

    def spend_view(self, request: HttpRequest):
        """Spend per account and UTC day (last 31 days), this month's budget state, top cases."""
        from crm_twitter.models import BrandAccount

        if not self.has_view_permission(request):
            # admin_view only checks is_staff; the top cases name every team's cases.
            raise PermissionDenied

        since = timezone.now() - dt.timedelta(days=SPEND_DAYS)
        accounts = list(BrandAccount.objects.order_by("handle"))
        budgets = [(account, account_budget_state(account=account)) for account in accounts]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("X API spend"),
            "since": since,
            "month_start": month_start(),
            "by_day": spend_by_account_day(since=since),
            "by_case": spend_by_case(since=since),
            "budgets": budgets,
        }
        return TemplateResponse(request, "admin/crm_twitter/apicall/spend.html", context)


@admin.register(BilledResource)
class BilledResourceAdmin(DeskWideMixin, admin.ModelAdmin):
    list_display = ("day", "account", "kind", "resource_id")
    list_filter = ("account", "kind", "day")
    search_fields = ("resource_id",)
    date_hierarchy = "day"
    readonly_fields = ("account", "day", "kind", "resource_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
