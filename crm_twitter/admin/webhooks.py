"""Admin for webhook deliveries: what X delivered, what became of it, and processing it again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crm_twitter.admin.visibility import DeskWideMixin
from crm_twitter.models import WebhookDelivery


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(DeskWideMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "received_at",
        "format",
        "kinds",
        "account",
        "outcome",
        "counts",
        "attempts",
        "processed_at",
        "error_preview",
    )
    list_filter = ("outcome", "format", "account", "source")
    search_fields = ("event_uuid", "for_user_id", "error")
    date_hierarchy = "received_at"
    list_select_related = ("account",)
    list_per_page = 100
    fields = [
        "received_at",
        "source",
        "format",
        "signature_verified",
        "event_uuid",
        "event_types",
        "for_user_id",
        "account",
        "outcome",
        "error",
        "counts",
        "attempts",
        "processed_at",
        "body_sha256",
        "body",
    ]
    readonly_fields = fields
    actions = ["reprocess"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # deliveries come from X only

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # The list's action needs the permission; a delivery's page stays read-only.
        return obj is None and super().has_change_permission(request)

    @admin.display(description=_("Event types"))
    def kinds(self, obj: WebhookDelivery) -> str:
        return ", ".join(obj.event_types)

    @admin.display(description=_("Error"))
    def error_preview(self, obj: WebhookDelivery) -> str:
        return obj.error[:120]

    @admin.action(description=_("Process selected deliveries again"), permissions=["change"])
    def reprocess(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        from crm_twitter.x.deliveries import webhook_deliveries_reprocess

        outcomes = webhook_deliveries_reprocess(delivery_ids=list(queryset.values_list("pk", flat=True)))
        summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items())) or _("nothing")
        level = messages.SUCCESS if set(outcomes) <= {"processed", "duplicate"} else messages.WARNING
        self.message_user(request, _("Processed again: %(summary)s.") % {"summary": summary}, level)
