"""What every API view shares: auth, permissions, throttling, parsing, pagination, error bodies."""

from __future__ import annotations

import importlib
from typing import Any

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import JSONRenderer

from crm_twitter.api.authentication import ApiTokenAuthentication
from crm_twitter.api.errors import ServiceUnavailable, api_exception_handler
from crm_twitter.api.pagination import ApiCursorPagination
from crm_twitter.api.parsers import LimitedJSONParser
from crm_twitter.api.permissions import DeskUser
from crm_twitter.api.throttling import ApiTokenRateThrottle

ID_REGEX = r"[0-9]{1,18}"


class ApiViewMixin:
    """Set on the views rather than in ``REST_FRAMEWORK`` so a host project's DRF settings for
    its own APIs neither change ours nor are changed by ours."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [DeskUser]
    throttle_classes = [ApiTokenRateThrottle]
    parser_classes = [LimitedJSONParser]
    renderer_classes = [JSONRenderer]
    pagination_class = ApiCursorPagination
    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = ID_REGEX
    max_body_bytes: int | None = None  # None: settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def get_exception_handler(self):
        return api_exception_handler


# Where the workflow/outbound helpers put their services (contracts.md); searched in order.
SERVICE_MODULES = (
    "cases",
    "lifecycle",
    "routing",
    "assignment",
    "escalation",
    "promises",
    "categorisation",
    "compose",
    "edits",
    "merge",
    "notes",
)


def service(name: str) -> Any:
    """A service function by name, imported when first used.

    The workflow and outbound services live in modules owned by other parts of the app;
    importing them lazily keeps the API importable (and its read endpoints working) on an
    installation where one is missing — the action then answers 503 instead of crashing.
    """
    for module in SERVICE_MODULES:
        try:
            found = getattr(importlib.import_module(f"crm_twitter.services.{module}"), name, None)
        except ImportError:
            continue
        if found is not None:
            return found
    raise ServiceUnavailable(_("The %(name)s service is not installed.") % {"name": name})
