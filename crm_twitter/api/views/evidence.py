"""``/cases/{id}/evidence-packs/``: ask for a case's evidence pack, poll it, download its files.

``POST`` records the request and builds the pack in the background (202 with the pack); ``GET``
on the pack shows its status, and once ``ready`` its ``pdf_url`` and ``zip_url`` download the
files. The case's visibility rules apply: a case the caller may not see answers 404, and so do
its packs.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from crm_twitter.api.permissions import DeskUser
from crm_twitter.api.serializers.evidence import EvidencePackInput, EvidencePackSerializer
from crm_twitter.api.views.base import ApiViewMixin, extend_schema
from crm_twitter.evidence.build import evidence_pack_request
from crm_twitter.evidence.downloads import pack_file_response
from crm_twitter.models import Case, EvidencePack
from crm_twitter.selectors.visibility import cases_visible_to


class _FileRenderer(BaseRenderer):
    """Lets content negotiation accept the download (the body is a FileResponse, not rendered)."""

    media_type = "*/*"
    format = "file"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class EvidencePackViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EvidencePackSerializer
    permission_classes = [DeskUser]
    filter_backends: list = []

    def _case(self) -> Case:
        return get_object_or_404(cases_visible_to(self.request.user), pk=int(self.kwargs["case_pk"]))

    def get_queryset(self):
        return EvidencePack.objects.filter(case=self._case()).select_related("requested_by", "case")

    @extend_schema(summary="A case's evidence packs, newest first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One evidence pack: its status, and once ready its hashes and download URLs")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Build an evidence pack of the case (PDF + signed ZIP) in the background",
        request=EvidencePackInput,
        responses={202: EvidencePackSerializer},
    )
    def create(self, request, *args, **kwargs):
        case = self._case()
        data = EvidencePackInput(data=request.data)
        data.is_valid(raise_exception=True)
        pack = evidence_pack_request(case=case, user=request.user, **data.validated_data)
        return Response(self.get_serializer(pack).data, status=status.HTTP_202_ACCEPTED)

    def get_renderers(self):
        if self.action == "download":
            return [_FileRenderer()]
        return super().get_renderers()

    @extend_schema(
        summary="Download a ready pack's PDF or ZIP",
        responses={(200, "application/pdf"): bytes, (200, "application/zip"): bytes},
    )
    def download(self, request, kind: str, *args, **kwargs):
        if kind not in ("pdf", "zip"):
            raise NotFound()
        return pack_file_response(self.get_object(), kind)
