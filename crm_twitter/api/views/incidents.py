"""``/incidents/``: surges of the same complaint, and the actions a supervisor takes on them.

Supervisors and managers read (``Ability.VIEW_INCIDENTS``); only supervisors act
(``Ability.MANAGE_INCIDENTS``) — an agent gets 403 on every address, a manager 403 on the
actions. The status-update preview and the reply plan change nothing and are open to readers.
Each action calls ``crm_twitter.services.incidents`` (the inbox's incident page calls the same
functions) and hands it the ``expected_version`` the caller saw: 409 ``stale`` when the incident
moved on, 409 ``plan_changed`` when the replies' total cost is no longer the one confirmed.
"""

from __future__ import annotations

import django_filters as filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm_twitter.api.filters import AwareDateTimeFilter, IdOrNameFilter, StrictFilterSet
from crm_twitter.api.permissions import DeskUser
from crm_twitter.api.serializers.cases import OutboundMessageSerializer
from crm_twitter.api.serializers.incidents import (
    BulkResultSerializer,
    IncidentCloseInput,
    IncidentDetailSerializer,
    IncidentMergeInput,
    IncidentSerializer,
    IncidentUnlinkInput,
    ReplyAllInput,
    ReplyPlanInput,
    ReplyPlanSerializer,
    ResolveAllInput,
    StatusUpdateInput,
    StatusUpdatePreviewInput,
    StatusUpdatePreviewSerializer,
    skipped_rows,
)
from crm_twitter.api.views.base import ApiViewMixin, extend_schema
from crm_twitter.models import Case, Incident, IncidentEvent
from crm_twitter.roles import user_may_manage_incidents, user_may_view_incidents
from crm_twitter.services import incidents as incident_services

READ_ACTIONS = ("list", "retrieve", "status_update_preview", "reply_plan")


class IncidentAccess(permissions.BasePermission):
    """Readers: supervisors and managers; actions: supervisors (as on the inbox's incident page)."""

    message = gettext_lazy("Your role may not see incidents.")

    def has_permission(self, request, view) -> bool:
        if not user_may_view_incidents(request.user):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "action", None) in READ_ACTIONS:
            return True
        self.message = gettext_lazy("Your role may read incidents but not act on them.")
        return user_may_manage_incidents(request.user)


class IncidentFilter(StrictFilterSet):
    status = filters.ChoiceFilter(choices=Incident.Status.choices)
    brand_account = IdOrNameFilter(max_length=64, method="_brand_account", help_text="Account id or handle.")
    opened_after = AwareDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = AwareDateTimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = Incident
        fields: list[str] = []

    def _brand_account(self, queryset, name, value):
        if str(value).isdigit():
            return queryset.filter(brand_account_id=int(value))
        return queryset.filter(brand_account__handle__iexact=value)


def _input(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _bulk(result) -> dict:
    return {"done": list(result.done), "skipped": skipped_rows(result.skipped)}


@extend_schema_view(
    list=extend_schema(summary="List incidents (filter by status, brand account, opening time)"),
    retrieve=extend_schema(summary="One incident with its linked case ids, dimensions and history"),
)
class IncidentViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    http_method_names = ["get", "post", "head", "options"]
    permission_classes = [DeskUser, IncidentAccess]

    def get_queryset(self):
        return Incident.objects.select_related("brand_account", "category").order_by("-id")

    def get_serializer_class(self):
        return IncidentDetailSerializer if self.action == "retrieve" else IncidentSerializer

    def get_object(self) -> Incident:
        incident = get_object_or_404(self.get_queryset(), pk=int(self.kwargs["pk"]))
        self.check_object_permissions(self.request, incident)
        return incident

    def retrieve(self, request, *args, **kwargs):
        incident = get_object_or_404(
            self.get_queryset().prefetch_related(
                "links", Prefetch("events", queryset=IncidentEvent.objects.select_related("actor"))
            ),
            pk=int(kwargs["pk"]),
        )
        return Response(IncidentDetailSerializer(incident, context=self.get_serializer_context()).data)

    def _row(self, incident: Incident) -> Response:
        incident = self.get_queryset().get(pk=incident.pk)
        return Response(IncidentSerializer(incident, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Check a public status update (draft in the customers' majority language when no text)",
        request=StatusUpdatePreviewInput,
        responses=StatusUpdatePreviewSerializer,
    )
    @action(detail=True, methods=["post"], url_path="status-update-preview", url_name="status-update-preview")
    def status_update_preview(self, request, pk=None):
        incident = self.get_object()
        data = _input(StatusUpdatePreviewInput, request)
        text = data.get("text")
        if text is None:
            text = incident_services.incident_status_update_draft(incident=incident, actor=request.user)
        verdict = incident_services.incident_status_update_preview(incident=incident, text=text)
        body = {
            "text": text,
            "ok": verdict.ok,
            "weighted_length": verdict.weighted_length,
            "limit": verdict.limit,
            "estimated_cost": verdict.estimated_cost,
            "resource_kind": verdict.resource_kind,
            "warnings": list(verdict.warnings),
            "errors": list(verdict.errors),
            "error_code": verdict.error_code,
        }
        return Response(StatusUpdatePreviewSerializer(body).data)

    @extend_schema(
        summary="Post the public status update from the brand account (queued for sending)",
        request=StatusUpdateInput,
        responses={202: OutboundMessageSerializer},
    )
    @action(detail=True, methods=["post"], url_path="status-update", url_name="status-update")
    def status_update(self, request, pk=None):
        incident = self.get_object()
        data = _input(StatusUpdateInput, request)
        message = incident_services.incident_status_update_post(
            incident=incident, actor=request.user, text=data["text"], expected_version=data.get("expected_version")
        )
        return Response(OutboundMessageSerializer(message).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Plan a reply to every linked customer: texts, channels, who is left out and why, total cost",
        request=ReplyPlanInput,
        responses=ReplyPlanSerializer,
    )
    @action(detail=True, methods=["post"], url_path="reply-plan", url_name="reply-plan")
    def reply_plan(self, request, pk=None):
        incident = self.get_object()
        data = _input(ReplyPlanInput, request)
        plan = incident_services.incident_reply_plan(
            incident=incident, channel=data["channel"], template_id=data.get("template")
        )
        body = {
            "channel": plan.channel,
            "count": plan.count,
            "total_cost": plan.total_cost,
            "replies": plan.replies,
            "skipped": skipped_rows(plan.skipped),
        }
        return Response(ReplyPlanSerializer(body).data)

    @extend_schema(
        summary="Reply to every eligible linked customer (queued; the confirmed total cost must still hold)",
        request=ReplyAllInput,
        responses={202: BulkResultSerializer},
    )
    @action(detail=True, methods=["post"], url_path="reply-all", url_name="reply-all")
    def reply_all(self, request, pk=None):
        incident = self.get_object()
        data = _input(ReplyAllInput, request)
        result = incident_services.incident_reply_all(
            incident=incident,
            actor=request.user,
            channel=data["channel"],
            template_id=data.get("template"),
            confirmed_total_cost=data["confirmed_total_cost"],
            expected_version=data.get("expected_version"),
        )
        return Response(BulkResultSerializer(_bulk(result)).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Resolve every eligible linked case with one outcome (each case its own events and survey)",
        request=ResolveAllInput,
        responses=BulkResultSerializer,
    )
    @action(detail=True, methods=["post"], url_path="resolve-all", url_name="resolve-all")
    def resolve_all(self, request, pk=None):
        incident = self.get_object()
        data = _input(ResolveAllInput, request)
        result = incident_services.incident_resolve_all(
            incident=incident,
            actor=request.user,
            outcome=data["outcome"],
            note=data.get("note", ""),
            refund_amount=data.get("refund_amount"),
            refund_currency=data.get("refund_currency", ""),
            expected_version=data.get("expected_version"),
        )
        return Response(BulkResultSerializer(_bulk(result)).data)

    @extend_schema(
        summary="Merge this incident into another open one of the same brand account",
        request=IncidentMergeInput,
        responses=IncidentSerializer,
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        incident = self.get_object()
        data = _input(IncidentMergeInput, request)
        into = Incident.objects.filter(pk=data["into"]).first()
        if into is None:
            raise ValidationError({"into": [_("No incident with this id.")]})
        target = incident_services.incident_merge(incident=incident, into=into, actor=request.user)
        return self._row(target)

    @extend_schema(summary="Unlink a case from the incident", request=IncidentUnlinkInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"])
    def unlink(self, request, pk=None):
        incident = self.get_object()
        data = _input(IncidentUnlinkInput, request)
        case = Case.objects.filter(pk=data["case"]).first()
        if case is None:
            raise ValidationError({"case": [_("No case with this id.")]})
        incident = incident_services.incident_unlink_case(incident=incident, case=case, actor=request.user)
        return self._row(incident)

    @extend_schema(
        summary="Close the incident with its root cause", request=IncidentCloseInput, responses=IncidentSerializer
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        incident = self.get_object()
        data = _input(IncidentCloseInput, request)
        incident = incident_services.incident_close(
            incident=incident,
            actor=request.user,
            root_cause=data["root_cause"],
            expected_version=data.get("expected_version"),
        )
        return self._row(incident)
