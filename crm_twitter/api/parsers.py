"""A JSON parser that refuses oversized bodies (413) and non-standard numbers (NaN, Infinity).

It applies Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` itself, or the view's ``max_body_bytes``
when that is set (the bulk import takes bigger bodies). It is deliberately not a subclass of
DRF's ``JSONParser``: DRF reads ``request.body`` — and so enforces Django's limit — for those.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from crm_twitter.api.errors import PayloadTooLarge


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a valid JSON number")


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
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            "".encode(encoding)  # only text codecs: a bytes codec (bz2, zlib) could inflate the body
        except (LookupError, UnicodeError):
            raise ParseError(
                _("Unsupported charset %(charset)s in the Content-Type header.") % {"charset": repr(encoding)}
            )
        try:
            text = raw.decode(encoding)
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(_("Malformed JSON: %(error)s") % {"error": exc})
        except RecursionError:
            raise ParseError(_("Malformed JSON: nested too deeply."))
