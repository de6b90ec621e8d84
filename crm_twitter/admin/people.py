"""Admin for customers and the X users linked to them."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crm_twitter.admin.display import external_link, pretty_json
from crm_twitter.admin.visibility import CustomerVisibilityMixin, XUserVisibilityMixin
from crm_twitter.models import Customer, Order, XUser


class XUserInline(admin.TabularInline):
    """The customer's X accounts, as X reports them; link one from the X user's own page."""

    model = XUser
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["handle", "name", "x_id", "followers_count", "verified", "lang", "accepts_dms", "is_unavailable"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class OrderInline(admin.TabularInline):
    model = Order
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["order_number", "store", "status", "currency", "total_amount", "carrier", "tracking_number", "ordered_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Customer)
class CustomerAdmin(CustomerVisibilityMixin, admin.ModelAdmin):
    list_display = ["__str__", "handles", "email", "country", "language", "is_vip", "case_count", "created_at"]
    list_filter = ["is_vip", "country", "language"]
    search_fields = [
        "display_name",
        "email",
        "phone",
        "external_id",
        "x_users__handle",
        "orders__order_number",
        "orders__tracking_number",
    ]
    inlines = [XUserInline, OrderInline]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        return (
            super().get_queryset(request).annotate(case_total=Count("cases", distinct=True)).prefetch_related("x_users")
        )

    @admin.display(description=_("X handles"))
    def handles(self, obj: Customer) -> str:
        return ", ".join(f"@{u.handle}" for u in obj.x_users.all()) or "—"

    @admin.display(description=_("Cases"), ordering="case_total")
    def case_count(self, obj: Customer) -> int:
        return getattr(obj, "case_total", 0)


@admin.register(XUser)
class XUserAdmin(XUserVisibilityMixin, admin.ModelAdmin):
    list_display = ["__str__", "name", "customer", "followers_count", "verified", "lang", "location", "accepts_dms"]
    list_filter = ["verified", "protected", "is_unavailable", "accepts_dms", "lang"]
    search_fields = ["handle", "name", "=x_id"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    # Everything but the customer link is what X says about the user; the sync keeps it fresh.
    fields = [
        "customer",
        "handle",
        "name",
        "x_id",
        "profile_link",
        "followers_count",
        "following_count",
        "verified",
        "protected",
        "location",
        "lang",
        "description",
        "accepts_dms",
        "is_unavailable",
        "profile_fetched_at",
        "raw_pretty",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [f for f in fields if f != "customer"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # X users arrive from X (sync, import); typing one in would invent an X id.
        return False

    @admin.display(description=_("Profile"))
    def profile_link(self, obj: XUser):
        return external_link(obj.profile_url, f"@{obj.handle}")

    @admin.display(description=_("Raw payload"))
    def raw_pretty(self, obj: XUser):
        return pretty_json(obj.raw)
