"""django-filter sets: query parameters are validated (a wrong type is a 400 naming the field).

Read as strictly as the schema documents them (``crm_twitter.api.openapi`` copies each filter's
bounds into its parameter): a typed parameter given empty (``updated_since=``) or twice is a
400, not "no filter"; numbers are whole numbers in ASCII digits within their range; an id-or-name
is an id or a slug/handle. So every request the schema calls valid is served and every other is
refused — nothing is silently ignored.
"""

from __future__ import annotations

import datetime as dt
import re

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from crm_twitter.api.serializers.base import WHITESPACE
from crm_twitter.form_fields import MAX_ID, AsciiIdField, IdOrNameField
from crm_twitter.models import (
    Case,
    CaseStatus,
    Customer,
    Direction,
    DirectMessage,
    Order,
    Party,
    ReplyTemplate,
    ReportSnapshot,
    Tweet,
)
from crm_twitter.selectors.queues import QUEUES, ROW_RELATED, CaseFilters, _filters_q, _search_q, case_list
from crm_twitter.selectors.visibility import cases_visible_to

API_QUEUES = (*QUEUES, "all")


#: An id as the schema documents it: ASCII digits, no leading zero, within a 64-bit column —
#: with the surrounding whitespace a form field strips (exactly ``str.strip()``'s characters).
ID_DIGITS = r"[1-9][0-9]{0,17}"
ID_PATTERN = rf"[{WHITESPACE}]*{ID_DIGITS}[{WHITESPACE}]*"
#: A slug or an X handle: what a name-or-id parameter holds when it is not an id.
NAME_PATTERN = r"[-A-Za-z0-9_]*[-A-Za-z_][-A-Za-z0-9_]*"


class PatternIdField(AsciiIdField):
    """``AsciiIdField`` holding the raw value to ``ID_PATTERN`` first (no spaces, no leading zero)."""

    def to_python(self, value) -> int | None:
        if value not in self.empty_values and not re.fullmatch(ID_PATTERN, str(value)):
            raise forms.ValidationError(_("Enter an id (digits 0-9, no leading zero)."), code="invalid")
        return super().to_python(value)


@extend_schema_field(OpenApiTypes.STR)
class IdFilter(filters.Filter):
    """A database id: whole, positive and within range, in ASCII digits."""

    field_class = PatternIdField
    pattern = ID_PATTERN


class StrictBooleanField(forms.Field):
    """``true`` or ``false``; django-filter's boolean widget reads anything else as "no filter"."""

    def to_python(self, value) -> bool | None:
        if value in self.empty_values:
            return None
        if value not in ("true", "false"):
            raise forms.ValidationError(_("Enter true or false."), code="invalid")
        return value == "true"


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class AwareDateTimeFilterField(filters.IsoDateTimeFilter.field_class):
    """ISO 8601 with its offset, as every time the API takes; a naive time is ambiguous."""

    def to_python(self, value):
        parsed = super().to_python(value)
        given = parse_datetime(value.strip()) if parsed is not None and isinstance(value, str) else None
        if given is not None and timezone.is_naive(given):
            raise forms.ValidationError(_("Include a time zone offset, e.g. 2026-11-02T10:00:00+08:00."))
        if parsed is None:
            return None
        # In UTC: ISO 8601 offsets go to ±23:59, PostgreSQL's stop at ±15:59 (a 400, not a DataError).
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(_("This time is out of range."), code="overflow") from None


class AwareDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = AwareDateTimeFilterField


class PatternIdOrNameField(IdOrNameField):
    """``IdOrNameField`` that first holds the raw value to the documented pattern (no stripping,
    no leading zeros, no letters outside a slug), so schema and filter agree on every value."""

    def __init__(self, *, pattern: str, **kwargs) -> None:
        self.pattern = re.compile(pattern)
        super().__init__(**kwargs)

    def to_python(self, value) -> str:
        if value not in self.empty_values and not self.pattern.fullmatch(str(value)):
            raise forms.ValidationError(_("Enter an id (digits 0-9, no leading zero) or a slug."), code="invalid")
        return super().to_python(value)


@extend_schema_field(OpenApiTypes.STR)
class IdOrNameFilter(filters.CharFilter):
    """``?team=`` and friends: an id in ASCII digits or a slug/handle, checked before the selector's
    ``isdigit()`` test sees it."""

    field_class = PatternIdOrNameField

    def __init__(self, *args, keywords: tuple[str, ...] = (), names: bool = True, **kwargs) -> None:
        alternatives = [ID_DIGITS, *(re.escape(k) for k in keywords)]
        if names:
            alternatives.append(NAME_PATTERN)
        self.pattern = rf"[{WHITESPACE}]*(?:" + "|".join(alternatives) + rf")[{WHITESPACE}]*"
        super().__init__(*args, keywords=keywords, names=names, pattern=self.pattern, **kwargs)


class WholeNumberField(forms.Field):
    """An integer in ASCII digits (``-`` allowed) within ``min_value``..``max_value``; Django's
    ``DecimalField`` behind ``NumberFilter`` also takes ``1.5``, ``1e3`` and ``²``."""

    def __init__(self, *, min_value: int, max_value: int, **kwargs) -> None:
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        text = str(value)
        digits = text[1:] if text.startswith("-") else text
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 19):
            raise forms.ValidationError(_("Enter a whole number."), code="invalid")
        number = int(text)
        if not self.min_value <= number <= self.max_value:
            raise forms.ValidationError(
                _("Enter a whole number from %(min)s to %(max)s.") % {"min": self.min_value, "max": self.max_value},
                code="range",
            )
        return number


@extend_schema_field(OpenApiTypes.INT)
class WholeNumberFilter(filters.Filter):
    field_class = WholeNumberField


class StrictFilterSet(filters.FilterSet):
    """A FilterSet that refuses a parameter given twice, and a typed one given empty."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data.get(name)]
            if name not in self.data:
                continue
            if len(values) > 1:
                self.form.add_error(name, _("Give this parameter once."))
                valid = False
            elif values[0] == "" and not takes_text(filter_):
                self.form.add_error(name, _("Give a value, or leave the parameter out."))
                valid = False
        return valid


def takes_text(filter_: filters.Filter) -> bool:
    """A free-text parameter, for which an empty value is a valid string (and filters nothing)."""
    return isinstance(filter_, filters.CharFilter) and getattr(filter_, "pattern", None) is None


class CaseFilter(StrictFilterSet):
    """The inbox's queues, filters and search (``crm_twitter.selectors.queues.case_list``)."""

    queue = filters.ChoiceFilter(
        choices=[(q, q) for q in API_QUEUES],
        method="_noop",
        help_text="Inbox queue; default all_open. 'all' = every status.",
    )
    status = filters.ChoiceFilter(choices=CaseStatus.choices, method="_noop")
    category = IdOrNameFilter(max_length=64, method="_noop", help_text="Category id or slug.")
    brand_account = IdOrNameFilter(max_length=64, method="_noop", help_text="Account id or handle.")
    language = filters.CharFilter(max_length=16, method="_noop")
    team = IdOrNameFilter(max_length=64, method="_noop", help_text="Team id or slug.")
    assignee = IdOrNameFilter(
        max_length=20, method="_noop", keywords=("me", "none"), names=False, help_text="User id, 'me' or 'none'."
    )
    escalation = WholeNumberFilter(min_value=0, max_value=3, method="_noop", help_text="At least this level.")
    reach_min = WholeNumberFilter(
        min_value=0, max_value=MAX_ID, method="_noop", help_text="At least this many followers."
    )
    opened_from = filters.DateFilter(method="_noop")
    opened_to = filters.DateFilter(method="_noop")
    updated_since = AwareDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    q = filters.CharFilter(
        max_length=200,
        method="_noop",
        help_text="Search: @handle, name, order or tracking number, case reference, message text.",
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def _noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        data = dict(self.form.cleaned_data)
        for key in ("escalation", "reach_min"):
            if data.get(key) is not None:
                data[key] = int(data[key])
        queue = data.pop("queue", None) or "all_open"
        user = self.request.user
        if queue == "all":
            qs = _all_cases(user=user, filters=CaseFilters.from_dict(data))
        else:
            qs = case_list(user=user, queue=queue, filters=data)
        if data.get("updated_since"):
            qs = qs.filter(updated_at__gte=data["updated_since"])
        return qs


def _all_cases(*, user, filters: CaseFilters) -> QuerySet[Case]:
    """Every status (the inbox has no such queue; integrations exporting cases need it).

    Uses the inbox selector's own filter and search rules so both interfaces narrow the same way.
    """
    qs = cases_visible_to(user).filter(_filters_q(filters, user))
    if filters.q:
        qs = qs.filter(_search_q(filters.q))
    return qs.select_related(*ROW_RELATED)


class OrderFilter(StrictFilterSet):
    store = filters.CharFilter(max_length=64)
    order_number = filters.CharFilter(lookup_expr="iexact", max_length=64)
    tracking_number = filters.CharFilter(lookup_expr="iexact", max_length=64)
    status = filters.ChoiceFilter(choices=Order.Status.choices)
    customer = IdFilter(field_name="customer_id")
    updated_since = AwareDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Order
        fields: list[str] = []


class CustomerFilter(StrictFilterSet):
    email = filters.CharFilter(lookup_expr="iexact", max_length=254)
    external_id = filters.CharFilter(max_length=100)
    handle = filters.CharFilter(method="_by_handle", max_length=50, help_text="X handle, with or without @.")
    q = filters.CharFilter(field_name="display_name", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Customer
        fields: list[str] = []

    def _by_handle(self, queryset, name, value):
        from crm_twitter.models import XUser

        ids = XUser.objects.filter(handle__iexact=value.lstrip("@")).values("customer_id")
        return queryset.filter(id__in=ids)


class TweetFilter(StrictFilterSet):
    case = IdFilter(field_name="case_id")
    brand_account = IdFilter(field_name="brand_account_id")
    direction = filters.ChoiceFilter(choices=Direction.choices)
    party = filters.ChoiceFilter(choices=Party.choices)
    author = filters.CharFilter(field_name="author__handle", lookup_expr="iexact", max_length=50)
    conversation_id = filters.CharFilter(max_length=32)
    created_after = AwareDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = AwareDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Tweet
        fields: list[str] = []


class DirectMessageFilter(StrictFilterSet):
    case = IdFilter(field_name="case_id")
    brand_account = IdFilter(field_name="brand_account_id")
    direction = filters.ChoiceFilter(choices=Direction.choices)
    dm_conversation_id = filters.CharFilter(max_length=80)
    created_after = AwareDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = AwareDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = DirectMessage
        fields: list[str] = []


class ReplyTemplateFilter(StrictFilterSet):
    step = filters.ChoiceFilter(choices=ReplyTemplate.Step.choices)
    language = filters.CharFilter(max_length=16)
    channel = filters.ChoiceFilter(choices=ReplyTemplate.Channel.choices)
    is_active = StrictBooleanFilter()

    class Meta:
        model = ReplyTemplate
        fields: list[str] = []


class ReportSnapshotFilter(StrictFilterSet):
    month = filters.DateFilter()
    is_current = StrictBooleanFilter()

    class Meta:
        model = ReportSnapshot
        fields: list[str] = []
