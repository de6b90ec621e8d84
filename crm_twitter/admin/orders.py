"""Admin for orders imported from the shop and their items."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm_twitter.admin.display import pretty_json
from crm_twitter.admin.visibility import OrderVisibilityMixin
from crm_twitter.models import Order, OrderItem


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    fields = ["sku", "title", "quantity", "unit_price"]


@admin.register(Order)
class OrderAdmin(OrderVisibilityMixin, admin.ModelAdmin):
    list_display = [
        "order_number",
        "store",
        "customer",
        "customer_handle",
        "status",
        "destination_country",
        "currency",
        "total_amount",
        "carrier",
        "tracking_number",
        "ordered_at",
    ]
    list_filter = ["status", "store", "destination_country", "currency", "carrier", "payment_method"]
    search_fields = [
        "order_number",
        "tracking_number",
        "customer_handle",
        "customer_email",
        "payment_reference",
        "customer__display_name",
    ]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    date_hierarchy = "ordered_at"
    inlines = [OrderItemInline]
    readonly_fields = ["raw_pretty", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["store", "order_number", "status", "marketplace"]}),
        (_("Customer"), {"fields": ["customer", "customer_email", "customer_handle", "destination_country"]}),
        (_("Payment"), {"fields": ["currency", "total_amount", "payment_method", "payment_reference"]}),
        (_("Shipping"), {"fields": ["carrier", "tracking_number", "ordered_at", "shipped_at", "delivered_at"]}),
        (_("Source"), {"fields": ["raw_pretty", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description=_("Raw import row"))
    def raw_pretty(self, obj: Order):
        return pretty_json(obj.raw)


@admin.register(OrderItem)
class OrderItemAdmin(OrderVisibilityMixin, admin.ModelAdmin):
    order_lookup = "order"
    list_display = ["sku", "title", "quantity", "unit_price", "order"]
    search_fields = ["sku", "title", "order__order_number"]
    list_select_related = ["order"]
    raw_id_fields = ["order"]
