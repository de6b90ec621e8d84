"""A JSON parser that refuses oversized bodies (413) and anything ``input_decoding`` refuses (400).

It applies Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` itself, or the view's ``max_body_bytes``
when that is set (the bulk import takes bigger bodies). It is deliberately not a subclass of
DRF's ``JSONParser``: DRF reads ``request.body`` — and so enforces Django's limit — for those.

Decoding follows ``crm_twitter.input_decoding``, the rule shared with the webhook and the order
import: a byte order mark wins (a UTF-16 export posted as is works), then the ``charset`` of the
Content-Type, then UTF-8; non-standard numbers (NaN, Infinity) and nesting deeper than
``MAX_JSON_DEPTH`` are refused, each with the line and column where it went wrong.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from crm_twitter.api.errors import PayloadTooLarge
from crm_twitter.input_decoding import InputDecodeError, json_loads_bounded


class LimitedJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        view = parser_context.get("view")
        limit = getattr(view, "max_body_bytes", None) or settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = parser_context.get("request")
        if limit is not None and request is not None:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                raise PayloadTooLarge(_("The request body is larger than %(limit)s bytes.") % {"limit": limit})
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(_("The request body is larger than %(limit)s bytes.") % {"limit": limit})
        # Only a charset the client declared; DRF's context falls back to DEFAULT_CHARSET, which
        # must not outrank a byte order mark.
        charset = (getattr(request, "content_params", None) or {}).get("charset") if request is not None else None
        try:
            return json_loads_bounded(raw, encoding=charset or None)
        except InputDecodeError as exc:
            raise ParseError(exc.message) from None
