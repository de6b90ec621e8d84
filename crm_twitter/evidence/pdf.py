"""The pack's PDF: a Django template (``crm_twitter/evidence/pack.html``, overridable) by WeasyPrint.

WeasyPrint lays text out with Pango and HarfBuzz, so CJK, Arabic (shaped, right to left) and
emoji come out right given fonts: the template asks for DejaVu Sans (Latin, Cyrillic, Arabic),
WenQuanYi Zen Hei or Noto CJK, and Noto Color Emoji, whichever the machine has (docs/evidence.md).
Text stays text, so every message can be searched and copied from the PDF.

The renderer fetches nothing from the network: images come from the archive's storage through
the ``crm-evidence:`` scheme, and every other URL is refused — the PDF shows what the desk holds,
and a template or message can never make the server fetch something.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from typing import IO, Any
from urllib.parse import unquote

from django.template.loader import render_to_string
from django.utils import timezone, translation

from crm_twitter.evidence.storage import MEDIA_PREFIX, archive_storage

TEMPLATE = "crm_twitter/evidence/pack.html"
SCHEME = "crm-evidence:"


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ArchiveFetcher(URLFetcher):
        """Serves archived media only; refuses every other URL (no network, no files)."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if not url.startswith(SCHEME):
                raise ValueError(f"the evidence PDF fetches nothing outside the archive: {url[:80]}")
            name = unquote(url[len(SCHEME) :])
            if not name.startswith(MEDIA_PREFIX + "/") or ".." in name:
                raise ValueError("not an archived medium")
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, body=archive_storage().open(name, "rb"), headers={"Content-Type": content_type}
            )

    return ArchiveFetcher


def render_html(context: dict[str, Any]) -> str:
    with timezone.override(dt.UTC):
        return render_to_string(TEMPLATE, context)


def write_pdf(context: dict[str, Any], target: IO[bytes], *, language: str | None = None) -> None:
    """Render the template with ``context`` and write the PDF to ``target`` (a binary file)."""
    from weasyprint import HTML

    with translation.override(language or translation.get_language() or "en"):
        html = render_html(context)
    document = HTML(string=html, base_url=SCHEME, url_fetcher=_fetcher_class()())
    document.write_pdf(target)
