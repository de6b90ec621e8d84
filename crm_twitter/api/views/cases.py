"""``/cases/``: the inbox's queues, one case with its timeline, and every action an agent takes.

Each action validates its input, then calls the same workflow/outbound service the inbox calls,
so rules, row locks and the audit trail are identical whoever acts. A case the caller may not
see answers 404 (not 403), so ids of other teams' cases leak nothing. Every action accepts the
``expected_version`` the caller saw and hands it to the service, which answers 409 ``stale``
(with what changed in the message) when the case has moved on.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from crm_twitter.api.filters import CaseFilter
from crm_twitter.api.permissions import CaseActions, DeskUser
from crm_twitter.api.serializers.cases import (
    AssignInput,
    CaseDetailSerializer,
    CaseEditInput,
    CaseEventSerializer,
    CaseListSerializer,
    CategoryInput,
    EscalateInput,
    MergeInput,
    MoveTeamInput,
    NoteInput,
    OrderLinkInput,
    OrderUnlinkInput,
    OutboundMessageSerializer,
    OutcomeInput,
    PromiseInput,
    PromiseKeepInput,
    PromiseSerializer,
    ReplyInput,
    TransitionInput,
)
from crm_twitter.api.views.base import ID_REGEX, ApiOrderingFilter, ApiViewMixin, extend_schema
from crm_twitter.models import Case, ComplaintCategory, Order, Promise, ReplyTemplate, Team
from crm_twitter.selectors.case_detail import case_detail
from crm_twitter.selectors.orders import order_for_linking
from crm_twitter.selectors.queues import ROW_RELATED
from crm_twitter.selectors.timeline import case_timeline
from crm_twitter.selectors.visibility import cases_visible_to
from crm_twitter.services.case_edits import (
    case_add_note,
    case_edit,
    case_link_order,
    case_set_category,
    case_unlink_order,
)
from crm_twitter.services.case_teams import case_move_team
from crm_twitter.services.compose import reply_compose
from crm_twitter.services.escalation import case_escalate
from crm_twitter.services.lifecycle import allowed_transitions, case_resolve, case_transition
from crm_twitter.services.merge import case_merge
from crm_twitter.services.promises import promise_create, promise_keep
from crm_twitter.services.routing import case_assign


def _input(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(summary="List cases (inbox queues, filters and search)"),
    retrieve=extend_schema(summary="One case with orders, promises, allowed transitions and its timeline"),
    partial_update=extend_schema(
        summary="Edit a case's language, priority or requested remedy",
        request=CaseEditInput,
        responses=CaseListSerializer,
    ),
)
class CaseViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CaseListSerializer
    filterset_class = CaseFilter
    filter_backends = [*ApiViewMixin.filter_backends, ApiOrderingFilter]
    # Non-null columns only: a cursor cannot hold its place on a NULL.
    ordering_fields = ["opened_at", "updated_at", "id"]
    ordering = "-opened_at"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_classes = [DeskUser, CaseActions]

    def get_queryset(self):
        return cases_visible_to(self.request.user).select_related(*ROW_RELATED)

    def list(self, request, *args, **kwargs):
        """Page through ids on the case table alone, then load just that page's rows with joins.

        Joining customers, X users, teams … before the LIMIT lets PostgreSQL hash-join whole
        tables on every call (the inbox's ``case_list_page`` does the same two steps).
        """
        queryset = self.filter_queryset(self.get_queryset())
        light = queryset.select_related(None).only("id", "opened_at", "updated_at")
        page = self.paginate_queryset(light)
        rows = Case.objects.select_related(*ROW_RELATED).defer("customer_x_user__raw").in_bulk([c.pk for c in page])
        cases = [rows[case.pk] for case in page if case.pk in rows]
        return self.get_paginated_response(self.get_serializer(cases, many=True).data)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CaseDetailSerializer
        return CaseListSerializer

    def get_object(self) -> Case:
        # Not get_queryset() + filters: the list's default queue (open cases) must not hide a
        # closed case from its own detail URL. Visibility alone decides (404 when not visible).
        case = get_object_or_404(self.get_queryset(), pk=int(self.kwargs["pk"]))
        self.check_object_permissions(self.request, case)
        return case

    def _case(self) -> Case:
        return self.get_object()

    def _row(self, case: Case, code: int = status.HTTP_200_OK) -> Response:
        case = self.get_queryset().get(pk=case.pk)
        return Response(CaseListSerializer(case, context=self.get_serializer_context()).data, status=code)

    def retrieve(self, request, *args, **kwargs):
        case = case_detail(user=request.user, pk=int(kwargs["pk"]))
        try:
            allowed = allowed_transitions(case)
        except Exception:  # the detail stays readable without the lifecycle service
            allowed = []
        context = {
            **self.get_serializer_context(),
            "timeline": case_timeline(case=case),
            "allowed_transitions": allowed,
        }
        return Response(CaseDetailSerializer(case, context=context).data)

    def partial_update(self, request, *args, **kwargs):
        case = self._case()
        data = _input(CaseEditInput, request)
        case = case_edit(case=case, actor=request.user, **data)
        return self._row(case)

    @extend_schema(summary="Assign (or unassign with null)", request=AssignInput, responses=CaseListSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        case = self._case()
        data = _input(AssignInput, request)
        assignee = None
        if data["assignee"] is not None:
            assignee = get_user_model().objects.filter(pk=data["assignee"], is_active=True).first()
            if assignee is None:
                raise ValidationError({"assignee": [_("No active user with this id.")]})
        case = case_assign(
            case=case, assignee=assignee, actor=request.user, expected_version=data.get("expected_version")
        )
        return self._row(case)

    @extend_schema(
        summary="Move to another team (supervisors); the assignee stays only if they work that team",
        request=MoveTeamInput,
        responses=CaseListSerializer,
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        case = self._case()
        data = _input(MoveTeamInput, request)
        team = Team.objects.filter(pk=data["team"]).first()
        if team is None:
            raise ValidationError({"team": [_("No team with this id.")]})
        case = case_move_team(
            case=case,
            team=team,
            actor=request.user,
            reason=data["reason"],
            expected_version=data.get("expected_version"),
        )
        return self._row(case)

    @extend_schema(summary="Move to another status", request=TransitionInput, responses=CaseListSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        case = self._case()
        data = _input(TransitionInput, request)
        case = case_transition(
            case=case,
            to_status=data["to_status"],
            actor=request.user,
            reason=data.get("reason", ""),
            expected_version=data.get("expected_version"),
        )
        return self._row(case)

    @extend_schema(
        summary="Escalate (level omitted = one level up)", request=EscalateInput, responses=CaseListSerializer
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        case = self._case()
        data = _input(EscalateInput, request)
        case = case_escalate(
            case=case,
            actor=request.user,
            reason=data["reason"],
            level=data.get("level"),
            expected_version=data.get("expected_version"),
        )
        return self._row(case)

    @extend_schema(summary="Add an internal note", request=NoteInput, responses={201: CaseEventSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        case = self._case()
        data = _input(NoteInput, request)
        event = case_add_note(
            case=case, actor=request.user, text=data["text"], expected_version=data.get("expected_version")
        )
        return Response(CaseEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Record a promise with a deadline", request=PromiseInput, responses={201: PromiseSerializer})
    @action(detail=True, methods=["post"])
    def promises(self, request, pk=None):
        case = self._case()
        data = _input(PromiseInput, request)
        promise = promise_create(
            case=case,
            actor=request.user,
            kind=data["kind"],
            description=data["description"],
            due_at=data["due_at"],
            expected_version=data.get("expected_version"),
        )
        return Response(PromiseSerializer(promise).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Mark a promise as kept",
        request=PromiseKeepInput,
        responses=PromiseSerializer,
        parameters=[OpenApiParameter("promise_id", int, OpenApiParameter.PATH)],
    )
    @action(
        detail=True, methods=["post"], url_path=rf"promises/(?P<promise_id>{ID_REGEX})/keep", url_name="promise-keep"
    )
    def promise_keep(self, request, pk=None, promise_id=None):
        case = self._case()
        data = _input(PromiseKeepInput, request)
        promise = Promise.objects.filter(case=case, pk=int(promise_id)).first()
        if promise is None:
            raise NotFound(_("No such promise on this case."))
        promise = promise_keep(
            promise=promise,
            actor=request.user,
            note=data.get("note", ""),
            expected_version=data.get("expected_version"),
        )
        return Response(PromiseSerializer(promise).data)

    @extend_schema(
        summary="Reply publicly or by DM (queued for sending)",
        request=ReplyInput,
        responses={202: OutboundMessageSerializer},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        case = self._case()
        data = _input(ReplyInput, request)
        template = None
        if data.get("template") is not None:
            template = ReplyTemplate.objects.filter(pk=data["template"], is_active=True).first()
            if template is None:
                raise ValidationError({"template": [_("No active reply template with this id.")]})
        message = reply_compose(
            case=case,
            actor=request.user,
            channel=data["channel"],
            text=data["text"],
            in_reply_to_tweet_id=data.get("in_reply_to_tweet_id") or None,
            template=template,
            expected_version=data.get("expected_version"),
        )
        return Response(OutboundMessageSerializer(message).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Merge this case into another one", request=MergeInput, responses=CaseListSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        case = self._case()
        data = _input(MergeInput, request)
        target = cases_visible_to(request.user).filter(pk=data["target"]).first()
        if target is None:
            raise ValidationError({"target": [_("No case with this id that you can see.")]})
        if target.pk == case.pk:
            raise ValidationError({"target": [_("A case cannot be merged into itself.")]})
        result = case_merge(
            source=case, target=target, actor=request.user, expected_version=data.get("expected_version")
        )
        return self._row(result)

    @extend_schema(summary="Set (confirm) the complaint category", request=CategoryInput, responses=CaseListSerializer)
    @action(detail=True, methods=["post"])
    def category(self, request, pk=None):
        case = self._case()
        data = _input(CategoryInput, request)
        case = case_set_category(
            case=case,
            actor=request.user,
            category=_active_category(data["category"]),
            expected_version=data.get("expected_version"),
        )
        return self._row(case)

    @extend_schema(summary="Record the outcome and resolve", request=OutcomeInput, responses=CaseListSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        case = self._case()
        data = _input(OutcomeInput, request)
        case = case_resolve(
            case=case,
            actor=request.user,
            outcome=data["outcome"],
            refund_amount=data.get("refund_amount"),
            refund_currency=data.get("refund_currency", ""),
            note=data.get("note", ""),
            expected_version=data.get("expected_version"),
            category=_active_category(data["category"]) if data.get("category") else None,
        )
        return self._row(case)

    @extend_schema(
        summary="Link an imported order to the case (idempotent)",
        description=(
            "Same rules as the inbox: the order must be one you can see (an agent sees the orders of "
            "the customers whose cases they can see), otherwise 404; linking an order that is already "
            "linked changes nothing. Answers the case row; its orders are in the case detail."
        ),
        request=OrderLinkInput,
        responses=CaseListSerializer,
    )
    @action(detail=True, methods=["post"], url_path="orders", url_name="orders")
    def orders_link(self, request, pk=None):
        case = self._case()
        data = _input(OrderLinkInput, request)
        case = case_link_order(
            case=case,
            actor=request.user,
            order=_linkable_order(request, data["order"]),
            expected_version=data.get("expected_version"),
        )
        return self._row(case)

    @extend_schema(
        summary="Unlink an order from the case",
        description=(
            "Same rules as the inbox: 404 for an order you cannot see, 400 ``not_linked`` when the "
            "order is not linked to this case. ``expected_version`` may come in the JSON body or the "
            "query string."
        ),
        request=OrderUnlinkInput,
        responses={200: CaseListSerializer},  # the case row, not drf-spectacular's default 204 for DELETE
        parameters=[
            OpenApiParameter("order_id", int, OpenApiParameter.PATH),
            OpenApiParameter(
                "expected_version",
                {"type": "integer", "minimum": 1, "maximum": 2_147_483_647},
                OpenApiParameter.QUERY,
                required=False,
            ),
        ],
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=rf"orders/(?P<order_id>{ID_REGEX})",
        url_name="order-unlink",
    )
    def orders_unlink(self, request, pk=None, order_id=None):
        case = self._case()
        # A DELETE body is optional (some clients cannot send one): the query string may carry it.
        body = request.data or _query_version(request)
        serializer = OrderUnlinkInput(data=body)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = case_unlink_order(
            case=case,
            actor=request.user,
            order=_linkable_order(request, int(order_id)),
            expected_version=data.get("expected_version"),
        )
        return self._row(case)


def _query_version(request) -> dict:
    """``?expected_version=`` as the JSON body would carry it: a number when written as one."""
    if "expected_version" not in request.query_params:
        return {}
    raw = request.query_params["expected_version"]
    return {"expected_version": int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 else raw}


def _linkable_order(request, pk: int) -> Order:
    """An order outside the caller's reach answers 404, exactly like one that does not exist."""
    try:
        return order_for_linking(user=request.user, pk=pk)
    except Order.DoesNotExist:
        raise NotFound(_("No such order."))


def _active_category(slug: str) -> ComplaintCategory:
    category = ComplaintCategory.objects.filter(slug=slug, is_active=True).first()
    if category is None:
        raise ValidationError({"category": [_("No active category with this slug.")]})
    return category
