"""Web pages of evidence packs (thin): a case's packs with the "build" form, downloads, archived media.

The same visibility as the inbox: a case outside the user's teams answers 404, and so do its
packs and its archived media.
"""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm_twitter.evidence import signing
from crm_twitter.evidence.build import evidence_pack_request
from crm_twitter.evidence.downloads import pack_file_response
from crm_twitter.evidence.storage import archive_storage
from crm_twitter.inbox.access import crm_role_required, visible_case_or_404
from crm_twitter.models import EvidencePack, Media
from crm_twitter.selectors.visibility import cases_visible_to


@crm_role_required
@require_http_methods(["GET", "POST"])
def case_packs_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case_or_404(request, pk)
    if request.method == "POST":
        pack = evidence_pack_request(
            case=case,
            user=request.user,
            include_notes=request.POST.get("include_notes") == "1",
            redact_third_parties=request.POST.get("redact_third_parties") == "1",
        )
        messages.success(
            request, _("Evidence pack %(id)s is being built; this page shows when it is ready.") % {"id": pack.pk}
        )
        return redirect("crm_twitter_evidence:case_packs", pk=case.pk)
    packs = EvidencePack.objects.filter(case=case).select_related("requested_by")[:50]
    key = signing.public_key_text()
    return render(
        request,
        "crm_twitter/evidence/case_packs.html",
        {
            "case": case,
            "packs": packs,
            "building": any(p.status in (EvidencePack.Status.QUEUED, EvidencePack.Status.BUILDING) for p in packs),
            "public_key": key,
            "fingerprint": signing.fingerprint(key),
        },
    )


@crm_role_required
@require_GET
def pack_download_view(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    pack = get_object_or_404(
        EvidencePack.objects.select_related("case"), pk=pk, case__in=cases_visible_to(request.user)
    )
    return pack_file_response(pack, kind)


@crm_role_required
@require_GET
def media_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The archived copy of a medium, for those who may see its case (private DM photos included)."""
    visible = cases_visible_to(request.user)
    media = Media.objects.filter(pk=pk).select_related("tweet", "direct_message").first()
    case_id = None
    if media is not None:
        case_id = (
            media.tweet.case_id
            if media.tweet_id
            else (media.direct_message.case_id if media.direct_message_id else None)
        )
    if media is None or not media.is_archived or case_id is None or not visible.filter(pk=case_id).exists():
        raise Http404("No such medium")
    handle = archive_storage().open(media.archive_file.name, "rb")
    content_type = media.content_type or mimetypes.guess_type(media.archive_file.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
