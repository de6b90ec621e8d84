"""Customers, orders (with the bulk import), messages, lookup tables, accounts and reports."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from crm_twitter.api.errors import PayloadTooLarge
from crm_twitter.api.filters import (
    CustomerFilter,
    DirectMessageFilter,
    OrderFilter,
    ReplyTemplateFilter,
    ReportSnapshotFilter,
    TweetFilter,
)
from crm_twitter.api.pagination import ApiPageNumberPagination
from crm_twitter.api.permissions import DeskUser, SupervisorOnly, SupervisorWrites
from crm_twitter.api.serializers.messages import DirectMessageSerializer, TweetSerializer
from crm_twitter.api.serializers.orders import (
    OrderBulkInputSerializer,
    OrderBulkResultSerializer,
    OrderInputSerializer,
    OrderSerializer,
    OrderUpdateSerializer,
)
from crm_twitter.api.serializers.people import CustomerSerializer
from crm_twitter.api.serializers.reference import (
    BrandAccountSerializer,
    CategorySerializer,
    ReplyTemplateSerializer,
    TeamSerializer,
)
from crm_twitter.api.serializers.reports import ReportSnapshotDetailSerializer, ReportSnapshotSerializer
from crm_twitter.api.views.base import ApiViewMixin, extend_schema
from crm_twitter.conf import app_settings
from crm_twitter.models import (
    BrandAccount,
    Case,
    ComplaintCategory,
    Customer,
    DirectMessage,
    Media,
    Order,
    OrderItem,
    ReplyTemplate,
    ReportSnapshot,
    Team,
    TeamMembership,
    Tweet,
    XUser,
)
from crm_twitter.reports.snapshots import FORMATS, snapshot_content, snapshot_filename
from crm_twitter.selectors.visibility import cases_visible_to, orders_visible_to, user_sees_all_cases
from crm_twitter.services.orders import RowResult, orders_upsert

# --- customers ----------------------------------------------------------------------------------


def _visible_customer_ids(user):
    return cases_visible_to(user).values("customer_id")


@extend_schema_view(
    list=extend_schema(summary="List customers with their X users, orders and (visible) cases"),
    retrieve=extend_schema(summary="One customer"),
)
class CustomerViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Agents see the customers of the cases they can see; supervisors and managers see all."""

    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter

    def get_queryset(self):
        user = self.request.user
        qs = Customer.objects.all()
        if not user_sees_all_cases(user):
            qs = qs.filter(id__in=_visible_customer_ids(user))
        return qs.prefetch_related(
            Prefetch("x_users", queryset=XUser.objects.order_by("handle")),
            Prefetch("orders", queryset=Order.objects.order_by("-ordered_at", "-id")),
            Prefetch("cases", queryset=cases_visible_to(user).order_by("-opened_at"), to_attr="visible_cases"),
        )


# --- orders -------------------------------------------------------------------------------------


def _row_errors(result: RowResult) -> ValidationError:
    return ValidationError(result.errors or {"non_field_errors": [_("The order could not be saved.")]})


def _order_as_row(order: Order) -> dict:
    return {"store": order.store, "order_number": order.order_number}


@extend_schema_view(
    list=extend_schema(summary="List orders"),
    retrieve=extend_schema(summary="One order with its items and linked case ids"),
    create=extend_schema(
        summary="Create or update one order by (store, order_number)",
        request=OrderInputSerializer,
        responses={201: OrderSerializer, 200: OrderSerializer},
    ),
    partial_update=extend_schema(
        summary="Update an order (items, when given, replace the order's items)",
        request=OrderUpdateSerializer,
        responses=OrderSerializer,
    ),
)
class OrderViewSet(ApiViewMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """All writes go through ``orders_upsert``: one validation and linking rule for the API and the import."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    permission_classes = [DeskUser, SupervisorWrites]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        # The same rule decides which orders the inbox lets an agent find and link.
        return orders_visible_to(self.request.user).prefetch_related(
            Prefetch("items", queryset=OrderItem.objects.order_by("id")),
            Prefetch("cases", queryset=Case.objects.only("id")),
        )

    def _saved(self, pk: int, code: int) -> Response:
        order = self.get_queryset().get(pk=pk)
        return Response(OrderSerializer(order, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [_("Expected a JSON object.")]})
        OrderInputSerializer(data=request.data).is_valid(raise_exception=True)  # the documented shape
        result = orders_upsert(rows=[request.data])[0]
        if not result.ok:
            raise _row_errors(result)
        return self._saved(result.order_id, status.HTTP_201_CREATED if result.status == "created" else 200)

    def partial_update(self, request, *args, **kwargs):
        order = self.get_object()
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [_("Expected a JSON object.")]})
        OrderUpdateSerializer(data=request.data).is_valid(raise_exception=True)  # the documented shape
        for key in ("store", "order_number"):
            if key in request.data and request.data[key] != getattr(order, key):
                raise ValidationError({key: [_("Cannot be changed; create a new order instead.")]})
        result = orders_upsert(rows=[{**request.data, **_order_as_row(order)}])[0]
        if not result.ok:
            raise _row_errors(result)
        return self._saved(result.order_id, status.HTTP_200_OK)

    @extend_schema(
        summary="Bulk upsert orders (idempotent by store + order_number; per-row results)",
        request=OrderBulkInputSerializer,
        responses={200: OrderBulkResultSerializer, 413: OpenApiResponse(description="Too many rows or bytes")},
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        serializer = OrderBulkInputSerializer(data=request.data)
        if isinstance(request.data, dict) and isinstance(request.data.get("rows"), list):
            limit = app_settings.API_BULK_MAX_ROWS
            if len(request.data["rows"]) > limit:
                raise PayloadTooLarge(_("At most %(n)s rows per request.") % {"n": limit}, field="rows")
        serializer.is_valid(raise_exception=True)
        results = orders_upsert(rows=serializer.validated_data["rows"], store=serializer.validated_data.get("store"))
        counts = {"created": 0, "updated": 0, "error": 0}
        for r in results:
            counts[r.status] += 1
        body = {
            "created": counts["created"],
            "updated": counts["updated"],
            "failed": counts["error"],
            "results": [
                {
                    "index": r.index,
                    "status": r.status,
                    "store": r.store,
                    "order_number": r.order_number,
                    "order_id": r.order_id,
                    "errors": r.errors,
                }
                for r in results
            ],
        }
        return Response(body)

    @property
    def max_body_bytes(self) -> int | None:
        # The bulk endpoint takes bigger bodies than the rest (a few thousand rows).
        return app_settings.API_BULK_MAX_BYTES if getattr(self, "action", None) == "bulk" else None


# --- messages -----------------------------------------------------------------------------------


def _visible_messages(model, user):
    qs = model.objects.all()
    if not user_sees_all_cases(user):
        qs = qs.filter(case_id__in=cases_visible_to(user).values("id"))
    return qs


@extend_schema_view(list=extend_schema(summary="List tweets"), retrieve=extend_schema(summary="One tweet"))
class TweetViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TweetSerializer
    filterset_class = TweetFilter

    def get_queryset(self):
        return (
            _visible_messages(Tweet, self.request.user)
            .select_related("author")
            .prefetch_related(Prefetch("media", queryset=Media.objects.order_by("id")))
        )


@extend_schema_view(
    list=extend_schema(summary="List direct messages"), retrieve=extend_schema(summary="One direct message")
)
class DirectMessageViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = DirectMessageSerializer
    filterset_class = DirectMessageFilter

    def get_queryset(self):
        return (
            _visible_messages(DirectMessage, self.request.user)
            .select_related("sender", "recipient")
            .prefetch_related(Prefetch("media", queryset=Media.objects.order_by("id")))
        )


# --- lookup tables --------------------------------------------------------------------------------


class LookupViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    pagination_class = ApiPageNumberPagination


@extend_schema_view(
    list=extend_schema(summary="List complaint categories"), retrieve=extend_schema(summary="One complaint category")
)
class CategoryViewSet(LookupViewSet):
    serializer_class = CategorySerializer
    queryset = ComplaintCategory.objects.order_by("sort_order", "name", "id")


@extend_schema_view(
    list=extend_schema(summary="List reply templates"), retrieve=extend_schema(summary="One reply template")
)
class ReplyTemplateViewSet(LookupViewSet):
    serializer_class = ReplyTemplateSerializer
    filterset_class = ReplyTemplateFilter
    queryset = ReplyTemplate.objects.order_by("step", "language", "name", "id")


@extend_schema_view(
    list=extend_schema(summary="List teams and their members"), retrieve=extend_schema(summary="One team")
)
class TeamViewSet(LookupViewSet):
    serializer_class = TeamSerializer
    queryset = Team.objects.order_by("name", "id").prefetch_related(
        Prefetch("memberships", queryset=TeamMembership.objects.select_related("user").order_by("id"))
    )


@extend_schema_view(
    list=extend_schema(summary="List the brand's X accounts (never any credential)"),
    retrieve=extend_schema(summary="One brand account"),
)
class BrandAccountViewSet(LookupViewSet):
    serializer_class = BrandAccountSerializer
    queryset = BrandAccount.objects.defer("rate_limits").order_by("handle", "id")


# --- reports --------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List monthly report snapshots"),
    retrieve=extend_schema(summary="One report snapshot with its data"),
)
class ReportSnapshotViewSet(LookupViewSet):
    permission_classes = [DeskUser, SupervisorOnly]
    filterset_class = ReportSnapshotFilter

    def get_queryset(self):
        qs = ReportSnapshot.objects.order_by("-month", "-generated_at", "-id")
        if self.action == "list":
            qs = qs.defer("data", "html", "csv", "xlsx")
        return qs

    def get_serializer_class(self):
        return ReportSnapshotDetailSerializer if self.action == "retrieve" else ReportSnapshotSerializer

    @extend_schema(
        summary="Download a snapshot as HTML, CSV or XLSX",
        parameters=[OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(FORMATS))],
        responses={(200, mime.split(";")[0]): OpenApiTypes.BINARY for mime, _suffix in FORMATS.values()},
    )
    @action(detail=True, methods=["get"], url_path=r"download/(?P<fmt>html|csv|xlsx)", url_name="download")
    def download(self, request, pk=None, fmt=None):
        snapshot = self.get_object()
        if not getattr(snapshot, fmt):
            raise NotFound(_("This snapshot has no %(fmt)s file.") % {"fmt": fmt})
        # The same bytes, type and file name as the dashboard's download (reports.snapshots).
        response = HttpResponse(snapshot_content(snapshot, fmt), content_type=FORMATS[fmt][0])
        response["Content-Disposition"] = f'attachment; filename="{snapshot_filename(snapshot.month, fmt)}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
