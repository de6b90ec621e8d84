"""Admin for API tokens: the raw key is shown once at creation, then only its prefix.

Keys are stored hashed (``ApiToken.key_hash``), so the admin cannot show them again even if it
wanted to; revoking is an action (kept for the audit of who had access), not a delete.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm_twitter.models import ApiToken

RAW_KEY_ATTR = "_crm_api_token_raw_key"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "scope", "prefix_display", "created_at", "last_used_at", "is_active"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    raw_id_fields = ["user"]
    actions = ["revoke"]
    readonly_fields = ["prefix_display", "created_at", "last_used_at", "revoked_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "scope"]
        return ["user", "name", "scope", "prefix_display", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # The key cannot be re-issued under the same row; scope and owner changes need a new token.
        return ["user", "scope", *self.readonly_fields]

    @admin.display(description=_("Key"))
    def prefix_display(self, obj: ApiToken) -> str:
        return f"{obj.prefix}…" if obj.prefix else "—"

    @admin.display(boolean=True, description=_("Active"))
    def is_active(self, obj: ApiToken) -> bool:
        return obj.revoked_at is None

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = ApiToken.generate(user=obj.user, name=obj.name, scope=obj.scope)
        obj.pk = token.pk
        obj.prefix, obj.key_hash, obj.created_at = token.prefix, token.key_hash, token.created_at
        obj._state.adding = False
        obj._state.db = token._state.db
        setattr(request, RAW_KEY_ATTR, raw)

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(request, RAW_KEY_ATTR, None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": _("API token created"),
            "token": obj,
            "raw_key": raw,
            "opts": self.model._meta,
            "changelist_url": reverse("admin:crm_twitter_apitoken_changelist"),
        }
        response = TemplateResponse(request, "crm_twitter/admin/api_token_created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", count) % {"n": count},
            messages.SUCCESS,
        )
