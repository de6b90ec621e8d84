"""Conventions every serializer follows: unknown fields refused, times carry a zone."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StrictInputMixin:
    """Refuse fields the endpoint does not know, instead of silently ignoring a typo."""

    def to_internal_value(self, data):
        unknown: dict[str, list] = {}
        if isinstance(data, dict):
            known = {name for name, f in self.fields.items() if not f.read_only}
            unknown = {str(key): [_("Unknown field.")] for key in data if key not in known}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            # Report unknown and invalid fields together, so one round trip shows every mistake.
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown})
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    pass


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an explicit offset; a naive time is ambiguous across the desk's time zones."""

    default_error_messages = {"naive": _("Include a time zone offset, e.g. 2026-11-02T10:00:00+08:00.")}

    def to_internal_value(self, value):
        if isinstance(value, str) and value.strip():
            from django.utils.dateparse import parse_datetime

            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        return super().to_internal_value(value)


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class MoneySerializer(serializers.Serializer):
    """Money as a decimal string with its currency: ``{"amount": "59.90", "currency": "EUR"}``."""

    amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    currency = serializers.CharField(read_only=True)
