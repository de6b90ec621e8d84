"""The error body every API failure answers with (``crm_twitter.api.errors``), as a schema.

Only documentation: ``api_exception_handler`` builds the body; the schema references this
shape from every operation's 4xx answers (``crm_twitter.api.openapi``) so a client generated from
the schema can read any refusal the same way.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class ComposeFindingSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=_("What the privacy guard found, e.g. phone, email, card."))
    explanation = serializers.CharField()


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_(
            "Stable machine-readable reason: invalid, malformed, not_authenticated, authentication_failed, "
            "permission_denied, not_found, stale, illegal_transition, too_large, throttled, …"
        )
    )
    message = serializers.CharField(help_text=_("A sentence for a person, in the request's language."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_('Reasons per input field ("items.0.sku", or "non_field_errors"); empty when none applies.'),
    )
    findings = ComposeFindingSerializer(
        many=True, required=False, help_text=_("Reply refused by the privacy guard: what it found.")
    )
    offer_channel = serializers.CharField(
        required=False, help_text=_('Reply refused in public: the channel that would work ("dm").')
    )

    class Meta:
        ref_name = "ErrorDetail"


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()

    class Meta:
        ref_name = "Error"
