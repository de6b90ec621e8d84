"""What every API view shares: auth, permissions, throttling, parsing, pagination, error bodies.

All of it is set on the views, never read from the host's ``REST_FRAMEWORK``: DRF copies that
setting into ``APIView``'s class attributes once, at import, so a host project with its own API
(token auth, ``IsAdminUser``, limit/offset pages, a versioning scheme, its own error handler, DRF's
schema class) would otherwise reshape ours — and ours would reshape theirs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema as spectacular_extend_schema
from rest_framework import settings as drf_settings
from rest_framework.authentication import SessionAuthentication
from rest_framework.filters import OrderingFilter
from rest_framework.metadata import SimpleMetadata
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer

from crm_twitter.api.authentication import ApiTokenAuthentication
from crm_twitter.api.errors import api_exception_handler
from crm_twitter.api.openapi import ApiAutoSchema
from crm_twitter.api.pagination import ApiCursorPagination
from crm_twitter.api.parsers import LimitedJSONParser
from crm_twitter.api.permissions import DeskUser
from crm_twitter.api.throttling import ApiTokenRateThrottle

ID_REGEX = r"[0-9]{1,18}"

#: DRF's own defaults whatever the host says; ``APIView`` reads ``self.settings`` for the exception
#: handler, view names and descriptions and the format suffix. (A non-empty ``user_settings`` is
#: what keeps ``APISettings`` from falling back to ``settings.REST_FRAMEWORK``.)
API_SETTINGS = drf_settings.APISettings(
    user_settings={"EXCEPTION_HANDLER": "crm_twitter.api.errors.api_exception_handler"},
    defaults=drf_settings.DEFAULTS,
    import_strings=drf_settings.IMPORT_STRINGS,
)


class ApiJSONRenderer(JSONRenderer):
    """DRF's JSON output as documented (UTF-8, compact, no NaN), not as ``UNICODE_JSON``,
    ``COMPACT_JSON`` or ``STRICT_JSON`` in the host's settings would make it."""

    ensure_ascii = False
    compact = True
    strict = True


class ApiContentNegotiation(DefaultContentNegotiation):
    """``?format=`` as in DRF's defaults, whatever ``URL_FORMAT_OVERRIDE`` the host set."""

    settings = API_SETTINGS


class ApiOrderingFilter(OrderingFilter):
    """``?ordering=`` whatever ``ORDERING_PARAM`` the host set."""

    ordering_param = "ordering"


F = TypeVar("F", bound=Callable[..., Any])


def extend_schema(**kwargs: Any) -> Callable[[F], F]:
    """drf-spectacular's ``extend_schema``, built on drf-spectacular's ``AutoSchema`` whatever the
    host's ``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]`` says.

    drf-spectacular derives an annotated method's schema class from that setting when the method
    is decorated (at import); in a host that kept DRF's default, every annotated endpoint got
    DRF's ``AutoSchema`` and ``/api/schema/`` answered 500. Seeding the method with ours first —
    the slot drf-spectacular itself reads before the setting — keeps the annotation ours.
    Use it instead of ``drf_spectacular.utils.extend_schema`` in the API's views.
    """
    decorate = spectacular_extend_schema(**kwargs)

    def decorator(target: F) -> F:
        if callable(target) and not inspect.isclass(target) and not hasattr(target, "cls"):
            if not hasattr(target, "kwargs"):
                target.kwargs = {}  # type: ignore[attr-defined]
            target.kwargs.setdefault("schema", ApiAutoSchema)  # type: ignore[attr-defined]
        return decorate(target)

    return decorator


class ApiPolicyMixin:
    """Who may call, how often, how a request is negotiated, how errors read and how the view is
    described in the schema: shared by the resources and the schema/docs views."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [DeskUser]
    throttle_classes = [ApiTokenRateThrottle]
    parser_classes = [LimitedJSONParser]
    content_negotiation_class = ApiContentNegotiation
    metadata_class = SimpleMetadata
    versioning_class = None  # the version is in the path (/api/v1/)
    settings = API_SETTINGS
    schema = ApiAutoSchema()  # drf-spectacular's, plus error answers (api/openapi.py); DRF's cannot describe our views

    def get_exception_handler(self):
        return api_exception_handler

    def handle_exception(self, exc):
        # Every refusal is the JSON error body the schema documents, whatever the view renders
        # when it succeeds (a file download, the schema as YAML).
        response = super().handle_exception(exc)
        if getattr(response, "data", None) is not None and response.status_code >= 400:
            self.request.accepted_renderer = ApiJSONRenderer()
            self.request.accepted_media_type = ApiJSONRenderer.media_type
        return response


class ApiViewMixin(ApiPolicyMixin):
    """The ``/api/v1/`` resources: JSON in and out, cursor pages, filters, numeric ids."""

    renderer_classes = [ApiJSONRenderer]
    pagination_class = ApiCursorPagination
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = ID_REGEX
    max_body_bytes: int | None = None  # None: settings.DATA_UPLOAD_MAX_MEMORY_SIZE
