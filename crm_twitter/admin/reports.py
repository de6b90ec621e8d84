"""Admin for stored monthly reports (download links, explicit regeneration) and exchange rates."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from crm_twitter.admin.visibility import DeskWideMixin
from crm_twitter.models import ExchangeRate, ReportSnapshot
from crm_twitter.reports.months import ReportMonthError
from crm_twitter.reports.snapshots import FORMATS, snapshot_content, snapshot_create, snapshot_filename


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(DeskWideMixin, admin.ModelAdmin):
    list_display = ("month_label", "generated_at", "generated_by", "is_current", "scheduled", "emailed_at", "downloads")
    list_filter = ("is_current", "scheduled")
    date_hierarchy = "month"
    actions = ("regenerate",)
    fields = ("month", "generated_at", "generated_by", "is_current", "scheduled", "emailed_at", "downloads")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # snapshots are generated, never typed in

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a stored month never changes

    def get_queryset(self, request):
        # Lists never load the stored files.
        return super().get_queryset(request).select_related("generated_by").defer("data", "html", "csv", "xlsx")

    @admin.display(description=_("Month"), ordering="month")
    def month_label(self, obj: ReportSnapshot) -> str:
        return f"{obj.month:%Y-%m}"

    @admin.display(description=_("Download"))
    def downloads(self, obj: ReportSnapshot) -> str:
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:crm_twitter_reportsnapshot_download", args=[obj.pk, fmt]), fmt.upper())
                for fmt in FORMATS
            ),
        )

    @admin.action(description=_("Regenerate the selected months (keeps the old snapshots)"))
    def regenerate(self, request, queryset):
        months = sorted(set(queryset.values_list("month", flat=True)))
        for month in months:
            try:
                snapshot_create(month=month, actor=request.user)
            except ReportMonthError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
                continue
        self.message_user(
            request,
            _("Regenerated %(count)d month(s); earlier snapshots are kept and marked not current.")
            % {"count": len(months)},
            level=messages.SUCCESS,
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/download/<str:fmt>/",
                self.admin_site.admin_view(self.download_view),
                name="crm_twitter_reportsnapshot_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, pk: int, fmt: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if fmt not in FORMATS:
            raise PermissionDenied("Unknown format")
        snapshot = get_object_or_404(ReportSnapshot, pk=pk)
        response = HttpResponse(snapshot_content(snapshot, fmt), content_type=FORMATS[fmt][0])
        response["Content-Disposition"] = f'attachment; filename="{snapshot_filename(snapshot.month, fmt)}"'
        return response


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "rate", "valid_from")
    list_filter = ("currency",)
    search_fields = ("currency",)
    ordering = ("currency", "-valid_from")
    date_hierarchy = "valid_from"
