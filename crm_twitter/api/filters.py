"""django-filter sets: query parameters are validated (a wrong type is a 400 naming the field)."""

from __future__ import annotations

import django_filters as filters
from django.db.models import QuerySet

from crm_twitter.form_fields import MAX_ID, AsciiIdField, IdOrNameField
from crm_twitter.models import (
    BrandAccount,
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
from crm_twitter.selectors.cases import QUEUES, ROW_RELATED, CaseFilters, _filters_q, _search_q, case_list
from crm_twitter.selectors.visibility import cases_visible_to

API_QUEUES = (*QUEUES, "all")


class IdFilter(filters.Filter):
    """A database id: whole, positive and within range, in ASCII digits."""

    field_class = AsciiIdField


class IdOrNameFilter(filters.CharFilter):
    """``?team=`` and friends: an id in ASCII digits or a slug/handle, checked before the selector's
    ``isdigit()`` test sees it."""

    field_class = IdOrNameField


class CaseFilter(filters.FilterSet):
    """The inbox's queues, filters and search (``crm_twitter.selectors.cases.case_list``)."""

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
    escalation = filters.NumberFilter(min_value=0, max_value=3, method="_noop", help_text="At least this level.")
    reach_min = filters.NumberFilter(
        min_value=0, max_value=MAX_ID, method="_noop", help_text="At least this many followers."
    )
    opened_from = filters.DateFilter(method="_noop")
    opened_to = filters.DateFilter(method="_noop")
    updated_since = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
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


class OrderFilter(filters.FilterSet):
    store = filters.CharFilter(max_length=64)
    order_number = filters.CharFilter(lookup_expr="iexact", max_length=64)
    tracking_number = filters.CharFilter(lookup_expr="iexact", max_length=64)
    status = filters.ChoiceFilter(choices=Order.Status.choices)
    customer = IdFilter(field_name="customer_id")
    updated_since = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Order
        fields: list[str] = []


class CustomerFilter(filters.FilterSet):
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


class TweetFilter(filters.FilterSet):
    case = IdFilter(field_name="case_id")
    brand_account = filters.ModelChoiceFilter(queryset=BrandAccount.objects.all())
    direction = filters.ChoiceFilter(choices=Direction.choices)
    party = filters.ChoiceFilter(choices=Party.choices)
    author = filters.CharFilter(field_name="author__handle", lookup_expr="iexact", max_length=50)
    conversation_id = filters.CharFilter(max_length=32)
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Tweet
        fields: list[str] = []


class DirectMessageFilter(filters.FilterSet):
    case = IdFilter(field_name="case_id")
    brand_account = filters.ModelChoiceFilter(queryset=BrandAccount.objects.all())
    direction = filters.ChoiceFilter(choices=Direction.choices)
    dm_conversation_id = filters.CharFilter(max_length=80)
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = DirectMessage
        fields: list[str] = []


class ReplyTemplateFilter(filters.FilterSet):
    step = filters.ChoiceFilter(choices=ReplyTemplate.Step.choices)
    language = filters.CharFilter(max_length=16)
    channel = filters.ChoiceFilter(choices=ReplyTemplate.Channel.choices)
    is_active = filters.BooleanFilter()

    class Meta:
        model = ReplyTemplate
        fields: list[str] = []


class ReportSnapshotFilter(filters.FilterSet):
    month = filters.DateFilter()
    is_current = filters.BooleanFilter()

    class Meta:
        model = ReportSnapshot
        fields: list[str] = []
