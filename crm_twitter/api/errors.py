"""One error body for every API failure, so a script handles them all the same way.

``{"error": {"code": "...", "message": "...", "fields": {"field": ["reason", ...]}}}``

Service exceptions (``CaseRuleError`` and friends) become 400/409 with the field they name;
bad JSON, wrong types and unknown fields become 400; a body over the limit becomes 413.
Anything unexpected is logged and answered with the same shape and a 500 — the tests (and the
fuzz run) make sure that path is never taken by bad input.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from crm_twitter.services.errors import CaseRuleError, ComposeRefused, IllegalTransition, NotPermitted, StaleCase

logger = logging.getLogger("crm_twitter.api")

NON_FIELD = "non_field_errors"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "too_large"

    def __init__(self, detail: str | None = None, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = gettext_lazy("This action is not available on this installation yet.")
    default_code = "unavailable"


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"items.0.sku": ["This field is required."]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key) if not prefix else (prefix if key == NON_FIELD else f"{prefix}.{key}")
            for field, reasons in flatten_errors(value, name).items():
                out.setdefault(field, []).extend(reasons)
    elif isinstance(detail, list):
        if detail and all(not isinstance(item, dict | list) for item in detail):
            out.setdefault(prefix or NON_FIELD, []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                if not item:
                    continue
                name = f"{prefix}.{index}" if prefix else str(index)
                for field, reasons in flatten_errors(item, name).items():
                    out.setdefault(field, []).extend(reasons)
    else:
        out.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return out


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _first_message(fields: dict[str, list[str]], default: str) -> str:
    for field, reasons in fields.items():
        if reasons:
            return reasons[0] if field == NON_FIELD else f"{field}: {reasons[0]}"
    return default


def _rule_status(exc: CaseRuleError) -> int:
    if isinstance(exc, IllegalTransition | StaleCase):
        return status.HTTP_409_CONFLICT
    if isinstance(exc, ComposeRefused):
        return status.HTTP_400_BAD_REQUEST
    if isinstance(exc, NotPermitted):
        return status.HTTP_403_FORBIDDEN
    # A rule about the input names its field; one about the case's state does not.
    return status.HTTP_400_BAD_REQUEST if exc.field else status.HTTP_409_CONFLICT


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF exception handler producing the shared error body (set on our views, not globally)."""
    headers: dict[str, str] = {}
    if isinstance(exc, CaseRuleError):
        set_rollback()
        field = exc.field or NON_FIELD
        fields = {field: [exc.message]}
        body = error_body(exc.code, exc.message, fields)
        findings = getattr(exc, "findings", None)
        if findings:
            body["error"]["findings"] = [
                {"kind": getattr(f, "kind", ""), "explanation": getattr(f, "explanation", str(f))} for f in findings
            ]
        if getattr(exc, "offer_channel", ""):
            body["error"]["offer_channel"] = exc.offer_channel  # e.g. "dm": sending it privately would work
        return Response(body, status=_rule_status(exc))
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(str(exc) or None)
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        exc = exceptions.ValidationError(detail)
    if isinstance(exc, IntegrityError):
        set_rollback()
        return Response(error_body("conflict", _("The change conflicts with existing data.")), status=409)
    if isinstance(exc, OverflowError):  # an id or number beyond what the database can hold
        set_rollback()
        return Response(error_body("invalid", _("A number is out of range.")), status=400)
    if isinstance(exc, DataError):
        set_rollback()
        return Response(error_body("invalid", _("A value is out of range for its field.")), status=400)

    if isinstance(exc, exceptions.APIException):
        set_rollback()
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        if isinstance(exc, exceptions.ValidationError):
            fields = flatten_errors(exc.detail)
            body = error_body("invalid", _first_message(fields, _("Invalid input.")), fields)
        elif isinstance(exc, exceptions.ParseError):
            body = error_body("malformed", str(exc.detail), {NON_FIELD: [str(exc.detail)]})
        else:
            code = exc.get_codes() if not isinstance(exc.detail, dict | list) else exc.default_code
            code = code if isinstance(code, str) else exc.default_code
            fields = {}
            if isinstance(exc, PayloadTooLarge) and exc.field:
                fields = {exc.field: [str(exc.detail)]}
            body = error_body(code, str(exc.detail), fields)
        return Response(body, status=exc.status_code, headers=headers)

    logger.exception("Unhandled API error", exc_info=exc)
    set_rollback()
    return Response(error_body("server_error", _("Something went wrong on our side.")), status=500)
