"""Evidence packs in the API: the request body and the pack as its status is polled."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from crm_twitter.api.serializers.base import StrictSerializer, UserBriefSerializer
from crm_twitter.models import EvidencePack


class EvidencePackInput(StrictSerializer):
    include_notes = serializers.BooleanField(default=False, help_text="Include internal notes in the PDF.")
    redact_third_parties = serializers.BooleanField(
        default=False, help_text="Replace bystanders in the public thread by 'Third party N'."
    )


class EvidencePackSerializer(serializers.ModelSerializer):
    requested_by = UserBriefSerializer(read_only=True, allow_null=True)
    pdf_url = serializers.SerializerMethodField(help_text="Download of the PDF once the pack is ready.")
    zip_url = serializers.SerializerMethodField(help_text="Download of the signed ZIP once the pack is ready.")

    class Meta:
        model = EvidencePack
        fields = [
            "id",
            "case",
            "status",
            "include_notes",
            "redact_third_parties",
            "requested_by",
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
            "error",
            "pdf_url",
            "zip_url",
        ]
        read_only_fields = fields

    def _url(self, pack: EvidencePack, kind: str) -> str | None:
        if pack.status != EvidencePack.Status.READY:
            return None
        path = reverse("crm_twitter_api:case-evidence-pack-download", args=[pack.case_id, pack.pk, kind])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_pdf_url(self, pack: EvidencePack) -> str | None:
        return self._url(pack, "pdf")

    def get_zip_url(self, pack: EvidencePack) -> str | None:
        return self._url(pack, "zip")
