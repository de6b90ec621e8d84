"""Customers and the X users they write from."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm_twitter.models import Customer, XUser


class XUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = XUser
        fields = [
            "id",
            "x_id",
            "handle",
            "name",
            "customer",
            "followers_count",
            "following_count",
            "verified",
            "protected",
            "location",
            "lang",
            "profile_image_url",
            "accepts_dms",
            "is_unavailable",
            "profile_fetched_at",
        ]
        read_only_fields = fields


class XUserBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = XUser
        fields = ["id", "x_id", "handle", "name", "followers_count", "verified"]
        read_only_fields = fields


class CustomerOrderBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    store = serializers.CharField(read_only=True)
    order_number = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    currency = serializers.CharField(read_only=True)
    total_amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    ordered_at = serializers.DateTimeField(read_only=True)


class CustomerCaseBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    opened_at = serializers.DateTimeField(read_only=True)


class CustomerSerializer(serializers.ModelSerializer):
    x_users = XUserBriefSerializer(many=True, read_only=True)
    orders = CustomerOrderBriefSerializer(many=True, read_only=True)
    cases = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "display_name",
            "email",
            "phone",
            "country",
            "language",
            "time_zone",
            "is_vip",
            "external_id",
            "created_at",
            "updated_at",
            "x_users",
            "orders",
            "cases",
        ]
        read_only_fields = fields

    @extend_schema_field(CustomerCaseBriefSerializer(many=True))
    def get_cases(self, obj) -> list[dict]:
        """Prefetched into ``visible_cases`` by the view: only the cases the caller may see."""
        return CustomerCaseBriefSerializer(getattr(obj, "visible_cases", []), many=True).data
