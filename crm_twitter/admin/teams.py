"""Admin for teams (languages, time zone, shifts, members) and SLA policies."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from crm_twitter.models import OPEN_STATUSES, SlaPolicy, Team, TeamMembership


class TeamMembershipInline(admin.TabularInline):
    """Current members: the user is shown, not a picker, so the page costs the same for any team size."""

    model = TeamMembership
    extra = 0
    fields = ["user", "role", "max_open_cases", "is_available"]
    readonly_fields = ["user"]
    verbose_name_plural = _("members")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[TeamMembership]:
        return super().get_queryset(request).select_related("user", "team")


class NewTeamMembershipInline(admin.TabularInline):
    """Rows for adding members (a searchable user picker)."""

    model = TeamMembership
    extra = 1
    fields = ["user", "role", "max_open_cases", "is_available"]
    autocomplete_fields = ["user"]
    can_delete = False
    verbose_name_plural = _("add members")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TeamMembership]:
        return super().get_queryset(request).none()


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "languages", "time_zone", "is_fallback", "member_count", "open_case_count"]
    list_filter = ["is_fallback", "time_zone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TeamMembershipInline, NewTeamMembershipInline]
    fields = ["name", "slug", "languages", "time_zone", "working_hours", "is_fallback", "supervisors_email"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_total=Count("memberships", distinct=True),
                open_total=Count("cases", filter=Q(cases__status__in=OPEN_STATUSES), distinct=True),
            )
        )

    @admin.display(description=_("Members"), ordering="member_total")
    def member_count(self, obj: Team) -> int:
        return getattr(obj, "member_total", 0)

    @admin.display(description=_("Open cases"), ordering="open_total")
    def open_case_count(self, obj: Team) -> int:
        return getattr(obj, "open_total", 0)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "priority",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "pause_when_awaiting_customer",
    ]
    list_editable = [
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "pause_when_awaiting_customer",
    ]


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "max_open_cases", "is_available"]
    list_filter = ["role", "is_available", "team"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]
    list_select_related = ["user", "team"]
    autocomplete_fields = ["user", "team"]
