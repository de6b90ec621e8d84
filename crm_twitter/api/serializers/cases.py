"""Cases: rows for lists, the full case with its timeline, and the inputs of every case action."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm_twitter.currencies import currency_is_valid
from crm_twitter.models import (
    Case,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    OutboundMessage,
    Outcome,
    Priority,
    Promise,
    Remedy,
)

from .base import AwareDateTimeField, MoneySerializer, StrictSerializer, UserBriefSerializer
from .messages import DirectMessageSerializer, TweetSerializer
from .orders import OrderSerializer
from .people import XUserBriefSerializer

REPLY_CHANNELS = [("public", "Public reply"), ("dm", "Direct message")]
TIMELINE_KINDS = [
    ("tweet", "Tweet"),
    ("dm", "Direct message"),
    ("note", "Note"),
    ("event", "Event"),
    ("outbound", "Outbound message"),
]


class CustomerBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    is_vip = serializers.BooleanField(read_only=True)


class RefBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)


class CaseListSerializer(serializers.ModelSerializer):
    customer = CustomerBriefSerializer(read_only=True)
    customer_x_user = XUserBriefSerializer(read_only=True)
    brand_account = serializers.SlugRelatedField(slug_field="handle", read_only=True)
    assignee = UserBriefSerializer(read_only=True, allow_null=True)
    team = RefBriefSerializer(read_only=True, allow_null=True)
    category = RefBriefSerializer(read_only=True, allow_null=True)
    refund = serializers.SerializerMethodField()

    risk_kinds = serializers.SerializerMethodField(
        help_text=_("Kinds of risk signal the customer's messages contain: chargeback, payment_dispute, legal, …")
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "status",
            "priority",
            "priority_score",
            "escalation_level",
            "escalation_reason",
            "is_overdue",
            "customer",
            "customer_x_user",
            "brand_account",
            "assignee",
            "team",
            "language",
            "category",
            "category_confirmed",
            "requested_remedy",
            "outcome",
            "refund",
            "reach",
            "contact_count",
            "public_nudge_count",
            "has_risk_words",
            "risk_kinds",
            "has_private_data_in_public",
            "opened_at",
            "first_response_at",
            "last_message_at",
            "last_message_preview",
            "sla_due_at",
            "resolved_at",
            "closed_at",
            "version",
        ]
        read_only_fields = fields

    def get_risk_kinds(self, obj) -> list[str]:
        return obj.risk_kind_list

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_refund(self, obj) -> dict | None:
        if obj.refund_amount is None:
            return None
        return {"amount": f"{obj.refund_amount:.2f}", "currency": obj.refund_currency}


class PromiseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Promise
        fields = ["id", "kind", "description", "due_at", "status", "created_by", "created_at", "resolved_at", "note"]
        read_only_fields = fields


class CaseOutcomeSerializer(serializers.ModelSerializer):
    """One recorded outcome: a case resolved, reopened and resolved again lists both."""

    refund = serializers.SerializerMethodField()
    recorded_by = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CaseOutcome
        fields = ["id", "outcome", "note", "refund", "recorded_at", "recorded_by"]
        read_only_fields = fields

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_refund(self, obj) -> dict | None:
        if obj.refund_amount is None:
            return None
        return {"amount": f"{obj.refund_amount:.2f}", "currency": obj.refund_currency}


class CaseEventSerializer(serializers.ModelSerializer):
    actor = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "actor", "message", "data", "created_at"]
        read_only_fields = fields


class OutboundMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboundMessage
        fields = [
            "id",
            "uid",
            "case",
            "channel",
            "text",
            "in_reply_to_tweet_id",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "error_code",
            "x_id",
            "sent_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class TimelineEntrySerializer(serializers.Serializer):
    """One timeline row: ``kind`` says which of the payload keys is set."""

    kind = serializers.ChoiceField(choices=TIMELINE_KINDS)
    at = serializers.DateTimeField()
    tweet = TweetSerializer(required=False, allow_null=True)
    dm = DirectMessageSerializer(required=False, allow_null=True)
    event = CaseEventSerializer(required=False, allow_null=True)
    outbound = OutboundMessageSerializer(required=False, allow_null=True)

    def to_representation(self, entry):
        kind = entry.kind
        data = {"kind": kind, "at": serializers.DateTimeField().to_representation(entry.at)}
        if kind == "tweet":
            data["tweet"] = TweetSerializer(entry.obj).data
        elif kind == "dm":
            data["dm"] = DirectMessageSerializer(entry.obj).data
        elif kind in ("note", "event"):
            data["event"] = CaseEventSerializer(entry.obj).data
        if entry.outbound is not None:
            data["outbound"] = OutboundMessageSerializer(entry.outbound).data
        return data


class CaseOrderSerializer(OrderSerializer):
    """An order as shown on its case (without the ids of its other cases: no extra query)."""

    class Meta(OrderSerializer.Meta):
        fields = [f for f in OrderSerializer.Meta.fields if f != "case_ids"]
        read_only_fields = fields


class CaseDetailSerializer(CaseListSerializer):
    orders = CaseOrderSerializer(many=True, read_only=True)
    promises = PromiseSerializer(many=True, read_only=True)
    # Every outcome ever recorded, oldest first; ``outcome``/``refund`` are the latest of them.
    outcome_history = CaseOutcomeSerializer(source="outcome_records", many=True, read_only=True)
    suggested_category = RefBriefSerializer(read_only=True, allow_null=True)
    allowed_transitions = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "suggested_category",
            "suggested_confidence",
            "suggestion_model",
            "outcome_note",
            "outcome_history",
            "satisfaction",
            "satisfaction_comment",
            "sla_first_response_due",
            "sla_next_response_due",
            "sla_resolution_due",
            "sla_breached_at",
            "moved_to_dm_at",
            "merged_into",
            "reopened_from",
            "conversation_ids",
            "orders",
            "promises",
            "allowed_transitions",
            "timeline",
        ]
        read_only_fields = fields

    def get_allowed_transitions(self, obj) -> list[str]:
        return list(self.context.get("allowed_transitions", []))

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, obj) -> list[dict]:
        return TimelineEntrySerializer(self.context.get("timeline", []), many=True).data


# --- inputs of case actions -------------------------------------------------------------------


class VersionedInput(StrictSerializer):
    """Every case action's input: the version the caller saw, checked by the service under the case lock.

    Optional (a script that does not care about concurrent edits leaves it out); when sent and
    the case has moved on, the action is refused with 409 ``stale`` and nothing changes.
    """

    expected_version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2_147_483_647,
        help_text=_("The case version you saw; a newer one is refused with 409 instead of overwritten."),
    )


class CaseEditInput(VersionedInput):
    language = serializers.CharField(max_length=16, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    requested_remedy = serializers.ChoiceField(choices=Remedy.choices, required=False, allow_blank=True)


class AssignInput(VersionedInput):
    assignee = serializers.IntegerField(
        allow_null=True, min_value=1, max_value=2**63 - 1, help_text=_("User id, or null to unassign.")
    )


class MoveTeamInput(VersionedInput):
    team = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text=_("Id of the team to move the case to.")
    )
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class TransitionInput(VersionedInput):
    to_status = serializers.ChoiceField(choices=CaseStatus.choices)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class EscalateInput(VersionedInput):
    reason = serializers.CharField(max_length=300)
    level = serializers.IntegerField(min_value=0, max_value=3, required=False, allow_null=True)


class NoteInput(VersionedInput):
    text = serializers.CharField(max_length=10_000)


class PromiseInput(VersionedInput):
    kind = serializers.ChoiceField(choices=Promise.Kind.choices, default=Promise.Kind.OTHER)
    description = serializers.CharField(max_length=300)
    due_at = AwareDateTimeField()


class PromiseKeepInput(VersionedInput):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ReplyInput(VersionedInput):
    channel = serializers.ChoiceField(choices=REPLY_CHANNELS)
    text = serializers.CharField(max_length=10_000)
    in_reply_to_tweet_id = serializers.RegexField(r"^[0-9]{1,32}\Z", required=False, allow_blank=True)
    template = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)


class MergeInput(VersionedInput):
    target = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text=_("Id of the case this one is merged into.")
    )


class OrderLinkInput(VersionedInput):
    order = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text=_("Id of an imported order you can see (GET /orders/).")
    )


class OrderUnlinkInput(VersionedInput):
    """Optional body of ``DELETE …/orders/{order_id}/`` (or ``?expected_version=`` in the query)."""


class CategoryInput(VersionedInput):
    category = serializers.SlugField(max_length=64, help_text=_("Category slug."))


class OutcomeInput(VersionedInput):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    refund_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    refund_currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    category = serializers.SlugField(
        max_length=64,
        required=False,
        help_text=_("Confirm the complaint category while resolving (slug); the inbox asks for it when unconfirmed."),
    )

    def validate_refund_currency(self, value: str) -> str:
        value = value.upper()
        if value and not currency_is_valid(value):
            raise serializers.ValidationError(_("Must be an ISO 4217 currency code, e.g. EUR."))
        return value

    def validate(self, attrs):
        if attrs.get("refund_amount") is not None and not attrs.get("refund_currency"):
            raise serializers.ValidationError({"refund_currency": [_("Required with a refund amount.")]})
        return attrs
