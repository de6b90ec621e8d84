"""Orders imported from the shop, so a case can see what was bought, shipped and paid."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from crm_twitter.models.watch import WatchedManager


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        PAID = "paid", _("Paid")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        RETURNED = "returned", _("Returned")
        REFUNDED = "refunded", _("Refunded")
        CANCELLED = "cancelled", _("Cancelled")

    store = models.CharField(max_length=64, default="default", help_text=_("Store or marketplace code."))
    order_number = models.CharField(max_length=64)
    customer = models.ForeignKey(
        "crm_twitter.Customer", on_delete=models.SET_NULL, related_name="orders", null=True, blank=True
    )
    customer_email = models.EmailField(blank=True)
    customer_handle = models.CharField(max_length=50, blank=True, help_text=_("X handle given at checkout."))
    marketplace = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PAID)
    destination_country = models.CharField(max_length=2, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    total_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    payment_method = models.CharField(max_length=32, blank=True)
    payment_reference = models.CharField(max_length=100, blank=True)
    carrier = models.CharField(max_length=64, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True)
    ordered_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WatchedManager()  # update() tells the report rollups (crm_twitter.models.watch)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "order_number"], name="crm_twitter_order_store_number_unique"),
            models.CheckConstraint(condition=models.Q(total_amount__gte=0), name="crm_twitter_order_amount_gte_0"),
        ]
        indexes = [
            models.Index(fields=["order_number"], name="crm_tw_order_number"),
            models.Index(Upper("order_number"), name="crm_tw_order_number_upper"),
            models.Index(fields=["tracking_number"], name="crm_tw_order_tracking"),
        ]

    def __str__(self) -> str:
        return f"{self.order_number} ({self.store})"


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    sku = models.CharField(max_length=64, db_index=True)
    title = models.CharField(max_length=300, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))

    objects = WatchedManager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="crm_twitter_orderitem_quantity_gte_1"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="crm_twitter_orderitem_price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"
