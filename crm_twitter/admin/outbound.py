"""Admin for the send queue: read-mostly; retry and cancel go through the outbound services."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crm_twitter.admin.actions import rows_apply
from crm_twitter.admin.display import preview
from crm_twitter.admin.visibility import CaseVisibilityMixin
from crm_twitter.models import OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(CaseVisibilityMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "case",
        "channel",
        "status",
        "ambiguous",
        "attempts",
        "text_preview",
        "brand_account",
        "created_by",
        "sent_at",
        "error_code",
    ]
    list_filter = ["status", "channel", "ambiguous", "brand_account", "error_code"]
    search_fields = ["case__reference", "text", "=x_id", "recipient__handle"]
    list_select_related = ["case", "brand_account", "created_by"]
    date_hierarchy = "created_at"
    fields = [
        "uid",
        "case",
        "brand_account",
        "channel",
        "recipient",
        "in_reply_to_tweet_id",
        "template",
        "text",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "ambiguous",
        "error_code",
        "last_error",
        "x_id",
        "sent_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    actions = ["retry", "cancel"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutboundMessage]:
        return (
            super().get_queryset(request).select_related("case", "brand_account", "recipient", "template", "created_by")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Messages are composed in the inbox, where the privacy guard and length checks run.
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # The list's actions need the permission; a single message's page stays read-only.
        return obj is None and super().has_change_permission(request)

    @admin.display(description=_("Text"))
    def text_preview(self, obj: OutboundMessage) -> str:
        return preview(obj.text)

    def _apply(self, request: HttpRequest, queryset, service, verb) -> None:
        rows_apply(
            self,
            request,
            queryset.select_related("case"),  # the refusal list names each message's case
            lambda message: service(message=message, actor=request.user),
            done_message=_("%(verb)s %(n)d message(s)."),
            verb=verb,
            case_of=lambda message: message.case,
        )

    @admin.action(description=_("Retry selected failed messages"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        from crm_twitter.services.compose import outbound_retry

        self._apply(request, queryset.filter(status=OutboundMessage.Status.FAILED), outbound_retry, _("Queued again"))

    @admin.action(description=_("Cancel selected queued messages"), permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        from crm_twitter.services.compose import outbound_cancel

        self._apply(
            request,
            queryset.filter(status__in=[OutboundMessage.Status.QUEUED, OutboundMessage.Status.FAILED]),
            outbound_cancel,
            _("Cancelled"),
        )
