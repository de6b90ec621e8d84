"""Admin for the complaint taxonomy and the reply templates agents start from."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crm_twitter.admin.display import preview
from crm_twitter.models import ComplaintCategory, ReplyTemplate


@admin.register(ComplaintCategory)
class ComplaintCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active", "sort_order", "keyword_count", "case_count"]
    list_editable = ["is_active", "sort_order"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[ComplaintCategory]:
        return super().get_queryset(request).annotate(case_total=Count("cases"))

    @admin.display(description=_("Keywords"))
    def keyword_count(self, obj: ComplaintCategory) -> int:
        return len(obj.keywords or [])

    @admin.display(description=_("Cases"), ordering="case_total")
    def case_count(self, obj: ComplaintCategory) -> int:
        return getattr(obj, "case_total", 0)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Categories in use are protected by the database; switching them off keeps the reports whole.
        if obj is not None and obj.cases.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "step", "language", "channel", "is_active", "body_preview", "updated_at"]
    list_filter = ["step", "language", "channel", "is_active"]
    search_fields = ["name", "body"]
    readonly_fields = ["created_at", "updated_at"]

    @admin.display(description=_("Body"))
    def body_preview(self, obj: ReplyTemplate) -> str:
        return preview(obj.body, 100)
