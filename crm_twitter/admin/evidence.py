"""Admin for evidence packs: read-only, with the public key that checks them on the list page."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm_twitter.admin.visibility import CaseVisibilityMixin
from crm_twitter.evidence import signing
from crm_twitter.models import EvidencePack


@admin.register(EvidencePack)
class EvidencePackAdmin(CaseVisibilityMixin, admin.ModelAdmin):
    change_list_template = "crm_twitter/admin/evidence_pack_change_list.html"
    list_display = ["id", "case", "status", "requested_by", "created_at", "message_count", "media_missing", "downloads"]
    list_filter = ["status", "include_notes", "redact_third_parties"]
    search_fields = ["=case__reference", "=zip_sha256"]
    list_select_related = ["case", "requested_by"]
    fields = [
        "case",
        "status",
        "requested_by",
        "include_notes",
        "redact_third_parties",
        "created_at",
        "started_at",
        "finished_at",
        "message_count",
        "media_count",
        "media_missing",
        "pdf_sha256",
        "zip_sha256",
        "zip_size",
        "public_key",
        "downloads",
        "error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # packs are built from the case page, the API or the command

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvidencePack]:
        return super().get_queryset(request).select_related("case", "requested_by")

    @admin.display(description=_("Files"))
    def downloads(self, obj: EvidencePack):
        if obj.status != EvidencePack.Status.READY or not obj.zip_file:
            return "—"
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">ZIP</a>',
            reverse("crm_twitter_evidence:download", args=[obj.pk, "pdf"]),
            reverse("crm_twitter_evidence:download", args=[obj.pk, "zip"]),
        )

    def changelist_view(self, request: HttpRequest, extra_context=None):
        key = signing.public_key_text()
        extra_context = {
            **(extra_context or {}),
            "evidence_public_key": key,
            "evidence_fingerprint": signing.fingerprint(key),
        }
        return super().changelist_view(request, extra_context)
