"""The schema class of every API view: drf-spectacular's, made to say what the API really does.

Three things drf-spectacular leaves out, added here for every operation — including endpoints
added later, which get them by inheriting ``ApiPolicyMixin``:

- **Error answers.** Each operation lists the 4xx statuses it can answer, each with the one error
  body (``ErrorSerializer``): 401/403 everywhere, 400 where there is input, 404 where there is an
  id in the path (or a page number), 409 on writes (``expected_version`` or a workflow rule),
  413 where there is a body, 429 when throttled (with ``Retry-After``).
- **Blank values as sent.** DRF drops ``allow_blank`` from read-only model fields, so a column
  stored as ``""`` (an order without an e-mail, a choice not made yet) was documented as an
  e-mail address, a URI or an enum value it is not. A field whose model column allows blank is
  documented as "this, or an empty string".
- **Unknown fields refused.** Request bodies of ``StrictInputMixin`` serializers say
  ``additionalProperties: false``, as the serializers enforce.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS

from crm_twitter.api.serializers.base import PATTERNED_TEXT, StrictInputMixin, decimal_pattern, text_pattern
from crm_twitter.api.serializers.errors import ErrorSerializer

ERROR_ANSWERS = {
    400: (
        "Bad input: malformed JSON, a wrong type, an unknown field, an out-of-range or empty value, a bad cursor "
        "— or a rule about the input (`fields` names each field and reason)."
    ),
    401: "No credentials, or a token that is unknown, revoked or expired.",
    403: "The token's user has no desk role for this, or the token is read-only and this is a write.",
    404: "No such resource, or one the caller may not see (another team's case answers 404, not 403).",
    409: "The change conflicts with the current state of the data.",
    413: "The request body (or the number of rows) is over the limit.",
    429: "Too many requests for this token; wait `Retry-After` seconds.",
}
NO_NUL = "^[^\\u0000]*$"
STALE_409 = (
    "A workflow rule refused the action on the case as it is now (code `illegal_transition` or another rule), "
    "or `expected_version` is older than the case (code `stale`: read the case again, then retry)."
)


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's ``AutoSchema`` plus the API's error answers, blank values and strict bodies."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            self._bound_filter_parameters(operation)
            self._add_error_answers(operation)
        return operation

    def _bound_filter_parameters(self, operation: dict[str, Any]) -> None:
        """Each filter's own limits in its parameter: drf-spectacular leaves out ``max_length``,
        number bounds and the id-or-name pattern, so values the filter refuses looked valid."""
        filterset = getattr(self.view, "filterset_class", None)
        if filterset is None:
            return
        for parameter in operation.get("parameters", []):
            filter_ = filterset.base_filters.get(parameter.get("name")) if parameter.get("in") == "query" else None
            if filter_ is None:
                continue
            schema = parameter.setdefault("schema", {})
            extra = filter_.extra
            if schema.get("type") == "string" and not ({"format", "enum"} & (set(schema) | set(parameter))):
                if extra.get("max_length"):
                    schema["maxLength"] = extra["max_length"]
                # Django's form fields refuse NUL characters in any text.
                schema["pattern"] = f"^{filter_.pattern}$" if getattr(filter_, "pattern", None) else NO_NUL
            elif schema.get("type") == "integer":
                for key, bound in (("min_value", "minimum"), ("max_value", "maximum")):
                    if extra.get(key) is not None:
                        schema[bound] = extra[key]

    def _error_statuses(self, operation: dict[str, Any]) -> dict[int, str]:
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        writes = self.method not in SAFE_METHODS
        statuses = {401: ERROR_ANSWERS[401], 403: ERROR_ANSWERS[403]}
        if has_body or writes or any(p.get("in") == "query" for p in parameters):
            statuses[400] = ERROR_ANSWERS[400]
        if any(p.get("in") == "path" for p in parameters) or isinstance(self._get_paginator(), PageNumberPagination):
            statuses[404] = ERROR_ANSWERS[404]
        if writes:
            statuses[409] = STALE_409 if self._takes_expected_version(parameters) else ERROR_ANSWERS[409]
        if has_body:
            statuses[413] = ERROR_ANSWERS[413]
        if getattr(self.view, "throttle_classes", None):
            statuses[429] = ERROR_ANSWERS[429]
        return statuses

    def _takes_expected_version(self, parameters: list[dict[str, Any]]) -> bool:
        if any(p.get("name") == "expected_version" for p in parameters):
            return True
        request = self.get_request_serializer()
        try:
            return "expected_version" in getattr(request, "fields", {})
        except TypeError:  # a serializer class rather than an instance
            return "expected_version" in getattr(request(), "fields", {})

    def _add_error_answers(self, operation: dict[str, Any]) -> None:
        body = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = operation.setdefault("responses", {})
        for status, description in sorted(self._error_statuses(operation).items()):
            answer = responses.setdefault(str(status), {"description": description})
            answer.setdefault("description", description)
            answer["content"] = {"application/json": {"schema": body}}
            if status == 429:
                answer.setdefault("headers", {})["Retry-After"] = {
                    "schema": {"type": "integer", "minimum": 0},
                    "description": "Seconds until the next request is allowed.",
                }
            if status == 401:
                answer.setdefault("headers", {})["WWW-Authenticate"] = {
                    "schema": {"type": "string"},
                    "description": "The scheme to authenticate with (Bearer).",
                }

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or not isinstance(schema, dict) or field.read_only:
            return schema
        # The exact text the input check takes (``serializers.base.json_type_error``).
        if isinstance(field, serializers.DecimalField):
            schema.pop("format", None)
            schema["pattern"] = decimal_pattern(field)
        elif isinstance(field, serializers.CharField) and not isinstance(field, PATTERNED_TEXT):
            schema.setdefault("pattern", text_pattern(field))
        return schema

    def _map_basic_serializer(self, serializer, direction):
        if direction == "response":
            for field in getattr(serializer, "fields", {}).values():
                column = _column(field) if field.read_only else None
                if column is None:
                    continue
                if column.null:  # a nested serializer of a nullable relation is null too
                    field.allow_null = True
                if _stores_blank(column) and hasattr(field, "allow_blank"):
                    field.allow_blank = True
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictInputMixin):
            schema["additionalProperties"] = False
        return schema


def _column(field: serializers.Field) -> Any:
    """The model column behind a serializer field, when it maps to exactly one."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source = getattr(field, "source_attrs", None) or []
    if model is None or len(source) != 1:
        return None
    try:
        column = model._meta.get_field(source[0])
    except FieldDoesNotExist:
        return None
    # A column of this row (or a to-one relation), not a reverse or many-to-many relation.
    return column if isinstance(column, models.Field) and not column.many_to_many else None


def _stores_blank(column: Any) -> bool:
    """Whether a model column may hold ``""`` (a blank text column)."""
    return bool(getattr(column, "blank", False)) and column.get_internal_type() in {
        "CharField",
        "EmailField",
        "URLField",
        "SlugField",
        "TextField",
    }
