"""Cursor pagination for the big, growing collections; page numbers for the small lookup tables."""

from __future__ import annotations

import binascii
from base64 import b64decode
from urllib import parse

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination, PageNumberPagination

from crm_twitter.conf import app_settings
from crm_twitter.form_fields import MAX_ID

MAX_PAGE_SIZE = 500
MAX_PAGE = 10**9
CURSOR_KEYS = frozenset({"o", "r", "p"})  # offset, reverse, position


def _whole_number(request, name: str, maximum: int) -> int | None:
    """A paging parameter read strictly: ASCII digits, 1 to ``maximum``, or a 400 naming it.

    DRF falls back to the default for anything else (``page_size=null``, ``-1``, ``1e3``), so a
    typo silently returned a page of another size than asked; and it clamps sizes over the limit.
    """
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= maximum):
        raise ValidationError({name: [_("Must be a whole number from 1 to %(max)s.") % {"max": maximum}]})
    return int(raw)


class StrictPageSizeMixin:
    """``?page_size=`` from 1 to ``MAX_PAGE_SIZE`` or a 400, documented with those bounds."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        return _whole_number(request, self.page_size_query_param, self.max_page_size) or self.page_size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1, "maximum": self.max_page_size}
            elif parameter["name"] == getattr(self, "page_query_param", None):
                parameter["schema"] = {**parameter["schema"], "minimum": 1, "maximum": MAX_PAGE}
            elif parameter["name"] == getattr(self, "cursor_query_param", None):
                # Opaque: only a value from a response's next/previous link is valid (else 400).
                parameter["schema"] = {**parameter["schema"], "pattern": "^[A-Za-z0-9+/]*={0,2}$"}
        return parameters


class ApiCursorPagination(StrictPageSizeMixin, CursorPagination):
    """Stable under inserts (new cases/messages do not shift pages); ``?page_size=`` up to 500.

    A cursor is opaque but not signed, so it is input like any other: one that does not decode,
    or whose position is not a value of the ordering column (a date that is no date, an id out
    of range), is a 400 naming ``cursor`` — DRF would answer 404, or let the database raise.
    """

    ordering = "-id"

    def __init__(self) -> None:
        self.page_size = app_settings.API_PAGE_SIZE
        self._model: type[models.Model] | None = None

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model  # decode_cursor checks the position against its column
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request) -> Cursor | None:
        """DRF's cursor format (base64 of ``o=…&r=…&p=…``), read strictly: DRF's own decoder
        skips characters that are not base64 and unknown keys, so garbage reads as page one."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            querystring = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            tokens = parse.parse_qs(querystring, keep_blank_values=True, strict_parsing=True) if querystring else {}
            if not set(tokens) <= CURSOR_KEYS or any(len(values) != 1 for values in tokens.values()):
                raise ValueError("unknown or repeated key")
            offset = tokens.get("o", ["0"])[0]
            reverse = tokens.get("r", ["0"])[0]
            if not (offset.isascii() and offset.isdigit() and len(offset) <= 9) or reverse not in ("0", "1"):
                raise ValueError("bad offset or direction")
        except (ValueError, UnicodeError, binascii.Error):
            raise _invalid_cursor() from None
        position = tokens.get("p", [None])[0]
        if position is not None and self._model is not None:
            try:
                field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
            except FieldDoesNotExist:  # ordered through a relation: the database checks it
                field = None
            if field is not None:
                position = _position_value(field, position)
        return Cursor(offset=min(int(offset), self.offset_cutoff), reverse=reverse == "1", position=position)


def _invalid_cursor() -> ValidationError:
    return ValidationError({"cursor": [_("Invalid cursor: follow the next/previous links as given.")]})


def _position_value(field: models.Field, raw: str):
    """The cursor's position as a value of the ordering column, or a 400."""
    try:
        value = field.to_python(raw)
    except (DjangoValidationError, ValueError, TypeError, OverflowError):
        raise _invalid_cursor() from None
    if value is None:
        raise _invalid_cursor()
    if isinstance(field, models.DateTimeField) and timezone.is_naive(value):
        raise _invalid_cursor()  # the links we write always carry the offset
    if isinstance(field, models.IntegerField | models.AutoField) and not -MAX_ID <= value <= MAX_ID:
        raise _invalid_cursor()
    return value


class ApiPageNumberPagination(StrictPageSizeMixin, PageNumberPagination):
    """Page numbers for the small lookup tables: ``?page=`` a whole number (400 otherwise), and a
    page past the last one a 404, as in DRF."""

    def __init__(self) -> None:
        self.page_size = app_settings.API_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        _whole_number(request, self.page_query_param, MAX_PAGE)
        return super().paginate_queryset(queryset, request, view)
