"""Incidents: rows for lists, one incident with its case ids, dimensions and history, and the
inputs and answers of every incident action (``crm_twitter.services.incidents``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm_twitter.currencies import currency_is_valid
from crm_twitter.models import Incident, IncidentEvent, Outcome
from crm_twitter.services.incidents import ROOT_CAUSE_MAX_LENGTH

from .base import StrictSerializer, UserBriefSerializer
from .cases import REPLY_CHANNELS

ID_MAX = 2**63 - 1


class IncidentSerializer(serializers.ModelSerializer):
    brand_account_handle = serializers.CharField(source="brand_account.handle", read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "status",
            "title",
            "brand_account",
            "brand_account_handle",
            "category",
            "carrier",
            "sku",
            "destination_country",
            "dimension_key",
            "window_hours",
            "observed_count",
            "expected_count",
            "p_value",
            "case_count",
            "opened_at",
            "last_linked_at",
            "closed_at",
            "closed_by",
            "root_cause",
            "merged_into",
            "version",
        ]
        read_only_fields = fields


class IncidentEventSerializer(serializers.ModelSerializer):
    actor = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = IncidentEvent
        fields = ["id", "kind", "actor", "message", "data", "created_at"]
        read_only_fields = fields


class IncidentDimensionsSerializer(serializers.Serializer):
    """What surged; an empty value is not part of the incident's definition."""

    category = serializers.CharField(read_only=True, allow_blank=True)
    carrier = serializers.CharField(read_only=True, allow_blank=True)
    sku = serializers.CharField(read_only=True, allow_blank=True)
    destination_country = serializers.CharField(read_only=True, allow_blank=True)


class IncidentDetailSerializer(IncidentSerializer):
    case_ids = serializers.SerializerMethodField()
    dimensions = serializers.SerializerMethodField()
    events = IncidentEventSerializer(many=True, read_only=True)

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "case_ids", "dimensions", "events"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_case_ids(self, obj: Incident) -> list[int]:
        return sorted(link.case_id for link in obj.links.all())

    @extend_schema_field(IncidentDimensionsSerializer)
    def get_dimensions(self, obj: Incident) -> dict[str, str]:
        return {
            "category": obj.category.slug if obj.category_id else "",
            "carrier": obj.carrier,
            "sku": obj.sku,
            "destination_country": obj.destination_country,
        }


# --- inputs -----------------------------------------------------------------------------------------


class IncidentVersionedInput(StrictSerializer):
    """The incident version the caller saw; a newer one is refused with 409 ``stale``."""

    expected_version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2_147_483_647,
        help_text=_("The incident version you saw; a newer one is refused with 409 instead of acted on."),
    )


class StatusUpdatePreviewInput(StrictSerializer):
    text = serializers.CharField(
        max_length=10_000,
        required=False,
        help_text=_("The words to check; left out, the template drafted in the linked customers' majority language."),
    )


class StatusUpdateInput(IncidentVersionedInput):
    text = serializers.CharField(max_length=10_000)


class ReplyPlanInput(StrictSerializer):
    channel = serializers.ChoiceField(choices=REPLY_CHANNELS)
    template = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=ID_MAX,
        help_text=_("One template for every customer; left out, the incident reply in each customer's language."),
    )


class ReplyAllInput(IncidentVersionedInput):
    channel = serializers.ChoiceField(choices=REPLY_CHANNELS)
    template = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=ID_MAX)
    confirmed_total_cost = serializers.DecimalField(
        max_digits=12,
        decimal_places=3,
        min_value=0,
        help_text=_("The plan's total_cost you confirmed; a different current total is refused with 409."),
    )


class ResolveAllInput(IncidentVersionedInput):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    refund_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    refund_currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")

    def validate_refund_currency(self, value: str) -> str:
        value = value.upper()
        if value and not currency_is_valid(value):
            raise serializers.ValidationError(_("Must be an ISO 4217 currency code, e.g. EUR."))
        return value

    def validate(self, attrs):
        if attrs.get("refund_amount") is not None and not attrs.get("refund_currency"):
            raise serializers.ValidationError({"refund_currency": [_("Required with a refund amount.")]})
        return attrs


class IncidentMergeInput(StrictSerializer):
    into = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, help_text=_("Id of the open incident (same brand account) to merge into.")
    )


class IncidentUnlinkInput(StrictSerializer):
    case = serializers.IntegerField(min_value=1, max_value=ID_MAX, help_text=_("Id of the linked case."))


class IncidentCloseInput(IncidentVersionedInput):
    root_cause = serializers.CharField(max_length=ROOT_CAUSE_MAX_LENGTH)


# --- answers ----------------------------------------------------------------------------------------


class StatusUpdatePreviewSerializer(serializers.Serializer):
    text = serializers.CharField(read_only=True, allow_blank=True)
    ok = serializers.BooleanField(read_only=True)
    weighted_length = serializers.IntegerField(read_only=True)
    limit = serializers.IntegerField(read_only=True)
    estimated_cost = serializers.DecimalField(max_digits=12, decimal_places=3, read_only=True)
    resource_kind = serializers.CharField(read_only=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)
    errors = serializers.ListField(child=serializers.CharField(), read_only=True)
    error_code = serializers.CharField(read_only=True, allow_blank=True)


class SkippedCaseSerializer(serializers.Serializer):
    case = serializers.IntegerField(read_only=True)
    reason = serializers.CharField(read_only=True)


class PlannedReplySerializer(serializers.Serializer):
    case = serializers.IntegerField(read_only=True, source="case_id")
    language = serializers.CharField(read_only=True, allow_blank=True)
    channel = serializers.CharField(read_only=True)
    text = serializers.CharField(read_only=True)
    estimated_cost = serializers.DecimalField(max_digits=12, decimal_places=3, read_only=True)
    template = serializers.IntegerField(read_only=True, source="template_id", allow_null=True)


class ReplyPlanSerializer(serializers.Serializer):
    channel = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True)
    total_cost = serializers.DecimalField(max_digits=12, decimal_places=3, read_only=True)
    replies = PlannedReplySerializer(many=True, read_only=True)
    skipped = SkippedCaseSerializer(many=True, read_only=True)


class BulkResultSerializer(serializers.Serializer):
    done = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    skipped = SkippedCaseSerializer(many=True, read_only=True)


def skipped_rows(skipped) -> list[dict]:
    return [{"case": case_id, "reason": reason} for case_id, reason in skipped]
