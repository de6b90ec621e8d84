"""Orders and their items. Writes are validated by ``services.orders`` (one rule set for the API
and the command); the input serializers here hold a request to the shape the schema documents
first (JSON types, ISO codes, handle syntax), so the schema's valid requests are the ones served.
The import file stays as lenient as the shop's exports need (``eur``, ``@handle``, ``59.9``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm_twitter.currencies import currencies
from crm_twitter.models import Order, OrderItem

from .base import AwareDateTimeField, StrictSerializer

ROW_STATUSES = [("created", "Created"), ("updated", "Updated"), ("error", "Error")]


class OrderItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderItem
        fields = ["id", "sku", "title", "quantity", "unit_price"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True, read_only=True)
    case_ids = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "store",
            "order_number",
            "status",
            "customer",
            "customer_email",
            "customer_handle",
            "marketplace",
            "destination_country",
            "currency",
            "total_amount",
            "payment_method",
            "payment_reference",
            "carrier",
            "tracking_number",
            "ordered_at",
            "shipped_at",
            "delivered_at",
            "created_at",
            "updated_at",
            "items",
            "case_ids",
        ]
        read_only_fields = fields

    def get_case_ids(self, obj) -> list[int]:
        return [case.pk for case in obj.cases.all()]


class OrderItemInputSerializer(StrictSerializer):
    sku = serializers.CharField(max_length=64)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    quantity = serializers.IntegerField(min_value=1, max_value=2_147_483_647, default=1)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)


class OrderInputSerializer(StrictSerializer):
    """One order row, as in ``orders/bulk/`` and the import file. Absent fields stay as they are."""

    store = serializers.CharField(max_length=64, required=False, help_text='Defaults to "default".')
    order_number = serializers.CharField(max_length=64)
    status = serializers.ChoiceField(choices=Order.Status.choices, required=False)
    customer_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    customer_handle = serializers.RegexField(
        r"^@?[A-Za-z0-9_]{1,50}\Z", max_length=51, required=False, allow_blank=True, help_text="X handle, @ optional."
    )
    customer_external_id = serializers.CharField(max_length=100, required=False, allow_blank=True)
    marketplace = serializers.CharField(max_length=64, required=False, allow_blank=True)
    destination_country = serializers.RegexField(
        r"^[A-Z]{2}\Z", required=False, allow_blank=True, help_text="ISO 3166-1 alpha-2, e.g. DE."
    )
    currency = serializers.ChoiceField(choices=sorted(currencies()), required=False, help_text="ISO 4217, e.g. EUR.")
    total_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    payment_method = serializers.CharField(max_length=32, required=False, allow_blank=True)
    payment_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    carrier = serializers.CharField(max_length=64, required=False, allow_blank=True)
    tracking_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    ordered_at = AwareDateTimeField(required=False, allow_null=True)
    shipped_at = AwareDateTimeField(required=False, allow_null=True)
    delivered_at = AwareDateTimeField(required=False, allow_null=True)
    items = OrderItemInputSerializer(
        many=True, required=False, max_length=1000, help_text="Replaces the order's items (at most 1,000)."
    )
    raw = serializers.DictField(required=False, help_text="The shop's own payload, kept for reference.")


class OrderUpdateSerializer(OrderInputSerializer):
    order_number = serializers.CharField(max_length=64, required=False)


@extend_schema_field(
    {
        "description": (
            "One order row with the fields of OrderInputRequest (POST /orders/). Rows are checked one by one: "
            "a refused row — of any shape — is reported in `results` with its errors and the others are "
            "stored, so any JSON value is taken here."
        ),
    }
)
class OrderRowField(serializers.Field):
    """A row passed through as is: ``orders_upsert`` validates it and reports errors per row."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class OrderBulkInputSerializer(StrictSerializer):
    store = serializers.CharField(max_length=64, required=False, help_text="Default store for rows without one.")
    rows = serializers.ListField(child=OrderRowField(), allow_empty=True)

    class Meta:
        ref_name = "OrderBulkInput"


class RowResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ROW_STATUSES)
    store = serializers.CharField()
    order_number = serializers.CharField()
    order_id = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class OrderBulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = RowResultSerializer(many=True)
