"""Admin for cases, their audit trail and promises.

The admin is one more interface to the workflow: every change to a case (assignment, category,
language, priority, remedy, linked orders, closing) goes through the same services as the inbox
and the API, so it follows the same rules and leaves the same audit events.
"""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from crm_twitter.admin.actions import rows_apply
from crm_twitter.admin.display import csv_cell, pretty_json, preview
from crm_twitter.admin.visibility import CaseVisibilityMixin
from crm_twitter.models import (
    Case,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    DirectMessage,
    OutboundMessage,
    Promise,
    Tweet,
)
from crm_twitter.services.errors import CaseRuleError

# --- inlines: the case's whole story, read-only ---------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True
    related: tuple[str, ...] = ()

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related(*self.related)

    @admin.display(description=_("Text"))
    def text_preview(self, obj) -> str:
        return preview(obj.text, 140)


class TweetInline(ReadOnlyInline):
    model = Tweet
    fields = ["created_at", "author", "direction", "kind", "text_preview", "engagement", "contains_private_data"]
    readonly_fields = fields
    related = ("author",)


class DirectMessageInline(ReadOnlyInline):
    model = DirectMessage
    fields = ["created_at", "sender", "direction", "text_preview", "sent_via_desk"]
    readonly_fields = fields
    related = ("sender",)


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["created_at", "kind", "actor", "message"]
    readonly_fields = fields
    related = ("actor",)
    show_change_link = False


class PromiseInline(ReadOnlyInline):
    model = Promise
    fields = ["description", "kind", "due_at", "status", "created_by", "resolved_at"]
    readonly_fields = fields
    related = ("created_by",)


class OutboundMessageInline(ReadOnlyInline):
    model = OutboundMessage
    fields = ["created_at", "channel", "status", "text_preview", "attempts", "created_by", "sent_at"]
    readonly_fields = fields
    related = ("created_by",)


# --- filters --------------------------------------------------------------------------------


class AssigneeFilter(admin.SimpleListFilter):
    """Mine / unassigned / assigned: listing every user would not scale and says less."""

    title = _("assignee")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", _("Assigned to me")), ("none", _("Unassigned")), ("any", _("Assigned"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "any":
            return queryset.filter(assignee__isnull=False)
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = _("open or done")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("no", _("Resolved, closed or not actionable"))]

    def queryset(self, request, queryset):
        from crm_twitter.models import OPEN_STATUSES

        if self.value() == "yes":
            return queryset.filter(status__in=OPEN_STATUSES)
        if self.value() == "no":
            return queryset.exclude(status__in=OPEN_STATUSES)
        return queryset


# --- the case form: edits become service calls -----------------------------------------------

EDITABLE = ["assignee", "category", "language", "priority", "requested_remedy", "orders"]


class CaseAdminForm(forms.ModelForm):
    # The version the page was rendered from: a save over someone else's change is refused.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Case
        fields = EDITABLE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version


EXPORT_COLUMNS = [
    "reference",
    "status",
    "priority",
    "escalation_level",
    "customer",
    "x_handle",
    "brand_account",
    "assignee",
    "team",
    "category",
    "language",
    "requested_remedy",
    "orders",
    "opened_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "sla_due_at",
    "is_overdue",
    "outcome",
    "refund_amount",
    "refund_currency",
    "satisfaction",
]


@admin.register(Case)
class CaseAdmin(CaseVisibilityMixin, admin.ModelAdmin):
    case_lookups = ("",)
    form = CaseAdminForm
    list_display = [
        "reference",
        "status",
        "priority",
        "escalation_level",
        "x_handle",
        "brand_account",
        "assignee",
        "team",
        "category",
        "language",
        "sla_due_at",
        "is_overdue",
        "opened_at",
    ]
    list_filter = [
        OpenFilter,
        "status",
        "priority",
        "escalation_level",
        "is_overdue",
        AssigneeFilter,
        "team",
        "brand_account",
        "category",
        "language",
        "requested_remedy",
        "outcome",
    ]
    search_fields = [
        "reference",
        "customer_x_user__handle",
        "customer__display_name",
        "orders__order_number",
        "orders__tracking_number",
        "last_message_preview",
        "tweets__text",
        "direct_messages__text",
    ]
    list_select_related = ["customer_x_user", "brand_account", "assignee", "team", "category"]
    date_hierarchy = "opened_at"
    autocomplete_fields = ["assignee", "orders"]
    inlines = [TweetInline, DirectMessageInline, PromiseInline, OutboundMessageInline, CaseEventInline]
    actions = ["assign_to_me", "close_cases", "export_csv"]
    readonly_fields = [
        "reference",
        "status",
        "allowed_next",
        "customer",
        "customer_x_user",
        "brand_account",
        "team",
        "category_confirmed",
        "suggested_category",
        "priority_score",
        "escalation_level",
        "escalation_reason",
        "outcome",
        "outcome_note",
        "refund_amount",
        "refund_currency",
        "outcome_history",
        "sla_first_response_due",
        "sla_next_response_due",
        "sla_resolution_due",
        "sla_due_at",
        "sla_paused_at",
        "sla_breached_at",
        "is_overdue",
        "opened_at",
        "first_response_at",
        "moved_to_dm_at",
        "last_customer_message_at",
        "last_agent_message_at",
        "last_message_at",
        "last_message_preview",
        "resolved_at",
        "closed_at",
        "reach",
        "contact_count",
        "public_nudge_count",
        "has_risk_words",
        "has_private_data_in_public",
        "satisfaction",
        "satisfaction_comment",
        "satisfaction_requested_at",
        "merged_into",
        "reopened_from",
        "conversation_ids_pretty",
        "version",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "status",
                    "allowed_next",
                    "customer",
                    "customer_x_user",
                    "brand_account",
                    "expected_version",
                ]
            },
        ),
        (
            _("Handling"),
            {
                "fields": [
                    "assignee",
                    "team",
                    "priority",
                    "priority_score",
                    "language",
                    "category",
                    "category_confirmed",
                    "suggested_category",
                    "requested_remedy",
                    "orders",
                ]
            },
        ),
        (
            _("Escalation"),
            {
                "fields": [
                    "escalation_level",
                    "escalation_reason",
                    "reach",
                    "contact_count",
                    "public_nudge_count",
                    "has_risk_words",
                    "has_private_data_in_public",
                ]
            },
        ),
        (
            _("Outcome"),
            {
                "fields": [
                    "outcome",
                    "outcome_note",
                    "refund_amount",
                    "refund_currency",
                    "outcome_history",
                    "satisfaction",
                    "satisfaction_comment",
                    "satisfaction_requested_at",
                ]
            },
        ),
        (
            _("SLA and milestones"),
            {
                "fields": [
                    "sla_due_at",
                    "is_overdue",
                    "sla_first_response_due",
                    "sla_next_response_due",
                    "sla_resolution_due",
                    "sla_paused_at",
                    "sla_breached_at",
                    "opened_at",
                    "first_response_at",
                    "moved_to_dm_at",
                    "last_customer_message_at",
                    "last_agent_message_at",
                    "last_message_at",
                    "last_message_preview",
                    "resolved_at",
                    "closed_at",
                ],
                "classes": ["collapse"],
            },
        ),
        (
            _("Links"),
            {
                "fields": [
                    "merged_into",
                    "reopened_from",
                    "conversation_ids_pretty",
                    "version",
                    "created_at",
                    "updated_at",
                ],
                "classes": ["collapse"],
            },
        ),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Cases open from customers' messages (sync, API); see case_open.
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        return (
            super()
            .get_queryset(request)
            .select_related(
                "customer",
                "customer_x_user",
                "brand_account",
                "assignee",
                "team",
                "category",
                "suggested_category",
                "merged_into",
                "reopened_from",
            )
        )

    def get_search_results(self, request, queryset, search_term):
        # Order numbers are often typed with a leading "#".
        return super().get_search_results(request, queryset, search_term.strip().lstrip("#"))

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "orders":
            # Only orders the user may see can be linked, as in the inbox: another team's order id
            # typed into the form is refused like an unknown one.
            from crm_twitter.selectors.visibility import orders_visible_to

            kwargs["queryset"] = orders_visible_to(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("Customer on X"), ordering="customer_x_user__handle")
    def x_handle(self, obj: Case) -> str:
        return str(obj.customer_x_user) if obj.customer_x_user_id else "—"

    @admin.display(description=_("Allowed next statuses"))
    def allowed_next(self, obj: Case) -> str:
        from crm_twitter.services.lifecycle import allowed_transitions

        allowed = allowed_transitions(obj)
        return ", ".join(str(CaseStatus(s).label) for s in allowed) or "—"

    @admin.display(description=_("Outcome history"))
    def outcome_history(self, obj: Case):
        """Every outcome recorded, oldest first (the fields above are the latest): a case that was
        resolved, reopened and resolved again shows both, refunds included."""
        records = obj.outcome_records.all()
        if not records:
            return "—"
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li>{} · {}{}{}</li>",
                (
                    (
                        date_format(timezone.localtime(r.recorded_at), "DATETIME_FORMAT"),
                        r.get_outcome_display(),
                        f" · {r.refund_amount} {r.refund_currency}" if r.refund_amount is not None else "",
                        f" — {r.note}" if r.note else "",
                    )
                    for r in records
                ),
            ),
        )

    @admin.display(description=_("X conversations"))
    def conversation_ids_pretty(self, obj: Case):
        return pretty_json(obj.conversation_ids)

    # --- saving: through the services ----------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Case, form: CaseAdminForm, change: bool) -> None:
        if not change:  # pragma: no cover - adding is disabled
            super().save_model(request, obj, form, change)
            return
        from crm_twitter.services.case_edits import case_edit, case_link_order, case_set_category, case_unlink_order
        from crm_twitter.services.routing import case_assign

        changed = set(form.changed_data) - {"expected_version"}
        if not changed:
            return
        case = Case.objects.get(pk=obj.pk)
        expected = form.cleaned_data.get("expected_version")
        actor = request.user
        try:
            # All or nothing: a refused step (say, a stale version on the edit) must not leave
            # the assignment made a moment earlier in place while the page says "Not saved".
            with transaction.atomic():
                if "assignee" in changed:
                    case = case_assign(
                        case=case, assignee=form.cleaned_data["assignee"], actor=actor, expected_version=expected
                    )
                    expected = case.version
                if "category" in changed and form.cleaned_data["category"] is not None:
                    case = case_set_category(
                        case=case, actor=actor, category=form.cleaned_data["category"], expected_version=expected
                    )
                    expected = case.version
                edits = {f: form.cleaned_data[f] for f in ("language", "priority", "requested_remedy") if f in changed}
                if edits:
                    case = case_edit(case=case, actor=actor, expected_version=expected, **edits)
                    expected = case.version
                if "orders" in changed:
                    wanted = set(form.cleaned_data["orders"])
                    current = set(case.orders.all())
                    for order in wanted - current:
                        case = case_link_order(case=case, actor=actor, order=order, expected_version=expected)
                        expected = case.version
                    for order in current - wanted:
                        case = case_unlink_order(case=case, actor=actor, order=order, expected_version=expected)
                        expected = case.version
        except CaseRuleError as exc:
            request._crm_case_refused = True
            self.message_user(request, _("Not saved: %(error)s") % {"error": exc.message}, messages.ERROR)

    def log_change(self, request: HttpRequest, obj, message):
        if getattr(request, "_crm_case_refused", False):
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request: HttpRequest, obj: Case) -> HttpResponse:
        # A refused change goes back to the form with the reason, not to "changed successfully".
        if getattr(request, "_crm_case_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # Linked orders were saved by case_link_order / case_unlink_order in save_model, so
        # form.save_m2m() must not run; the inlines are read-only, saving them writes nothing.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    # --- actions ------------------------------------------------------------------------------

    def _apply(self, request: HttpRequest, queryset: QuerySet[Case], verb: str, call) -> None:
        rows_apply(self, request, queryset, call, done_message=_("%(verb)s %(n)d case(s)."), verb=verb)

    @admin.action(description=_("Assign selected cases to me"), permissions=["change"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        from crm_twitter.services.routing import case_assign

        self._apply(
            request,
            queryset,
            _("Assigned"),
            lambda case: case_assign(case=case, assignee=request.user, actor=request.user),
        )

    @admin.action(description=_("Close selected cases"), permissions=["change"])
    def close_cases(self, request: HttpRequest, queryset: QuerySet[Case]) -> None:
        from crm_twitter.services.lifecycle import case_close

        self._apply(request, queryset, _("Closed"), lambda case: case_close(case=case, actor=request.user))

    @admin.action(description=_("Export selected cases as CSV"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Case]) -> HttpResponse:
        rows = (
            queryset.select_related("customer", "customer_x_user", "brand_account", "assignee", "team", "category")
            .prefetch_related("orders")
            .order_by("opened_at", "pk")
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="crm_twitter-cases-{stamp}.csv"'
        response.write("\ufeff")  # so spreadsheet programs read UTF-8 (Chinese, Japanese names)
        writer = csv.writer(response)
        writer.writerow(EXPORT_COLUMNS)
        for case in rows:
            values = {
                "reference": case.reference,
                "status": case.status,
                "priority": case.priority,
                "escalation_level": case.escalation_level,
                "customer": str(case.customer),
                "x_handle": case.customer_x_user.handle if case.customer_x_user_id else "",
                "brand_account": case.brand_account.handle,
                "assignee": case.assignee.get_username() if case.assignee_id else "",
                "team": case.team.name if case.team_id else "",
                "category": case.category.slug if case.category_id else "",
                "language": case.language,
                "requested_remedy": case.requested_remedy,
                "orders": " ".join(o.order_number for o in case.orders.all()),
                "opened_at": case.opened_at.isoformat() if case.opened_at else "",
                "first_response_at": case.first_response_at.isoformat() if case.first_response_at else "",
                "resolved_at": case.resolved_at.isoformat() if case.resolved_at else "",
                "closed_at": case.closed_at.isoformat() if case.closed_at else "",
                "sla_due_at": case.sla_due_at.isoformat() if case.sla_due_at else "",
                "is_overdue": "yes" if case.is_overdue else "no",
                "outcome": case.outcome,
                "refund_amount": case.refund_amount if case.refund_amount is not None else "",
                "refund_currency": case.refund_currency,
                "satisfaction": case.satisfaction if case.satisfaction is not None else "",
            }
            writer.writerow([csv_cell(values[c]) for c in EXPORT_COLUMNS])
        return response


@admin.register(CaseEvent)
class CaseEventAdmin(CaseVisibilityMixin, admin.ModelAdmin):
    """The audit trail: readable, never edited or deleted from here."""

    list_display = ["created_at", "case", "kind", "actor", "message_preview"]
    list_filter = ["kind"]
    search_fields = ["case__reference", "message"]
    list_select_related = ["case", "actor"]
    date_hierarchy = "created_at"
    fields = ["case", "kind", "actor", "message", "data_pretty", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("Message"))
    def message_preview(self, obj: CaseEvent) -> str:
        return preview(obj.message, 100)

    @admin.display(description=_("Data"))
    def data_pretty(self, obj: CaseEvent):
        return pretty_json(obj.data)


@admin.register(CaseOutcome)
class CaseOutcomeAdmin(CaseVisibilityMixin, admin.ModelAdmin):
    """Every outcome ever recorded (refunds included), as history: readable, never edited here.
    A case resolved, reopened and resolved again has two rows; the monthly report counts each
    once, in the month it was recorded."""

    list_display = ["recorded_at", "case", "outcome", "refund_amount", "refund_currency", "recorded_by"]
    list_filter = ["outcome", "refund_currency"]
    search_fields = ["case__reference", "note"]
    list_select_related = ["case", "recorded_by"]
    date_hierarchy = "recorded_at"
    fields = ["case", "outcome", "refund_amount", "refund_currency", "note", "recorded_at", "recorded_by"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Promise)
class PromiseAdmin(CaseVisibilityMixin, admin.ModelAdmin):
    """Promises are made from the inbox; here they can be reviewed and marked kept or cancelled."""

    list_display = ["description", "case", "kind", "status", "due_at", "created_by", "resolved_at"]
    list_filter = ["status", "kind"]
    search_fields = ["case__reference", "description"]
    list_select_related = ["case", "created_by"]
    date_hierarchy = "due_at"
    fields = ["case", "kind", "description", "due_at", "status", "created_by", "created_at", "resolved_at", "note"]
    readonly_fields = fields
    actions = ["mark_kept", "cancel"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # The list's actions need the permission; a single promise's page stays read-only.
        return obj is None and super().has_change_permission(request)

    def _apply(self, request: HttpRequest, queryset: QuerySet[Promise], service, verb: str) -> None:
        rows_apply(
            self,
            request,
            queryset.select_related("case"),
            lambda promise: service(promise=promise, actor=request.user),
            done_message=_("%(verb)s %(n)d promise(s)."),
            verb=verb,
            case_of=lambda promise: promise.case,
        )

    @admin.action(description=_("Mark selected promises kept"), permissions=["change"])
    def mark_kept(self, request: HttpRequest, queryset: QuerySet[Promise]) -> None:
        from crm_twitter.services.promises import promise_keep

        self._apply(request, queryset, promise_keep, _("Kept"))

    @admin.action(description=_("Cancel selected promises"), permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Promise]) -> None:
        from crm_twitter.services.promises import promise_cancel

        self._apply(request, queryset, promise_cancel, _("Cancelled"))
