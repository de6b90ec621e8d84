"""Conventions every serializer follows: unknown fields refused, JSON types as documented, times
carry a zone."""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

#: What Python's ``str.strip()`` removes (``str.isspace``), spelled out so the schema's pattern
#: (ECMA-262, whose ``\s`` differs) and the check here agree on every character.
WHITESPACE = r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: Text with no NUL (Django and PostgreSQL refuse it) and, for a required text, one visible character.
TEXT_PATTERN = r"^[^\u0000]*$"
NON_BLANK_TEXT_PATTERN = rf"^[^\u0000]*[^\u0000{WHITESPACE}][^\u0000]*$"


#: Text fields whose schema carries their own pattern or format (which leading spaces fail).
PATTERNED_TEXT = (serializers.SlugField, serializers.RegexField, serializers.EmailField, serializers.URLField)


def text_pattern(field: serializers.CharField) -> str:
    return TEXT_PATTERN if field.allow_blank else NON_BLANK_TEXT_PATTERN


def decimal_pattern(field: serializers.DecimalField) -> str:
    """A decimal string as the field takes it: digits, an optional fraction, a sign only when
    negative values are allowed."""
    whole = (field.max_digits or 30) - (field.decimal_places or 0)
    fraction = rf"(?:\.[0-9]{{1,{field.decimal_places}}})?" if field.decimal_places else ""
    sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
    return rf"^{sign}[0-9]{{1,{whole}}}{fraction}$"


def json_type_error(field: serializers.Field, value: Any) -> str | None:
    """Why ``value`` is not of the JSON type the schema documents for ``field`` (None if it is).

    DRF coerces: a CharField takes ``0`` as ``"0"``, an IntegerField ``"5"`` and ``5.0``, a
    BooleanField ``"yes"``. The schema says string, integer, boolean — so the API takes exactly that.
    """
    if value is None:
        return None  # the field's own allow_null decides
    if isinstance(field, serializers.ListSerializer | serializers.ListField):
        return None if isinstance(value, list) else _("Must be a list.")
    if isinstance(field, serializers.Serializer | serializers.DictField):
        return None if isinstance(value, dict) else _("Must be an object.")
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else _("Must be true or false.")
    if isinstance(field, serializers.IntegerField):
        return None if isinstance(value, int) and not isinstance(value, bool) else _("Must be a whole number.")
    if isinstance(field, serializers.DecimalField):
        if not isinstance(value, str) or not re.fullmatch(decimal_pattern(field), value):
            return _('Must be a decimal number written as a string, e.g. "25.00".')
        return None
    if isinstance(field, serializers.CharField):
        if not isinstance(value, str):
            return _("Must be a string.")
        if isinstance(field, PATTERNED_TEXT) and value != value.strip():
            return _("No spaces around the value.")  # DRF would trim them; the schema's pattern does not
        return None if re.fullmatch(text_pattern(field), value, re.DOTALL) else _("May not be blank.")
    if isinstance(field, serializers.ChoiceField | serializers.DateTimeField | serializers.DateField):
        return None if isinstance(value, str) else _("Must be a string.")
    return None


class StrictInputMixin:
    """Refuse fields the endpoint does not know, instead of silently ignoring a typo, and values
    of another JSON type than the schema documents."""

    def to_internal_value(self, data):
        unknown: dict[str, list] = {}
        wrong: dict[str, list] = {}
        if isinstance(data, dict):
            known = {name: f for name, f in self.fields.items() if not f.read_only}
            unknown = {str(key): [_("Unknown field.")] for key in data if key not in known}
            for key, value in data.items():
                reason = json_type_error(known[key], value) if key in known else None
                if reason:
                    wrong[key] = [reason]
        if wrong:
            raise serializers.ValidationError({**wrong, **unknown})
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
