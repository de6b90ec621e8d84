"""Every API view carries its own DRF policy, so the host's ``REST_FRAMEWORK`` cannot reshape it.

DRF copies ``REST_FRAMEWORK`` into ``APIView``'s class attributes at import, so overriding the
setting in a test proves nothing; what can be proved here is that no view of ours still uses one
of those inherited attributes. tests/test_host_project.py runs the app under a hostile
``REST_FRAMEWORK`` for real.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.settings import patched_settings
from rest_framework.schemas.openapi import AutoSchema as DrfAutoSchema
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.views import APIView

from crm_twitter.api.authentication import ApiTokenAuthentication
from crm_twitter.api.errors import api_exception_handler
from crm_twitter.api.pagination import ApiCursorPagination, ApiPageNumberPagination
from crm_twitter.api.schema import SCHEMA_SETTINGS, ApiDocsView, ApiSchemaView
from crm_twitter.api.views.base import ApiJSONRenderer, ApiViewMixin
from tests.factories import CaseFactory

INHERITED_FROM_REST_FRAMEWORK = (
    "renderer_classes",
    "parser_classes",
    "authentication_classes",
    "throttle_classes",
    "permission_classes",
    "content_negotiation_class",
    "metadata_class",
    "versioning_class",
    "settings",
    "schema",
)


def _api_view_classes() -> list[type[APIView]]:
    def walk(patterns, inside_api: bool):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, inside_api or pattern.namespace == "crm_twitter_api")
            elif isinstance(pattern, URLPattern) and inside_api and hasattr(pattern.callback, "cls"):
                yield pattern.callback.cls

    return sorted(set(walk(get_resolver().url_patterns, False)), key=lambda cls: cls.__name__)


def _not_from_rest_framework(view_class: type, attribute: str) -> bool:
    """Set by our classes (or drf-spectacular's schema views), not left at DRF's settings-made default."""
    owner = next(klass for klass in view_class.__mro__ if attribute in vars(klass))
    return not owner.__module__.startswith("rest_framework.")


def test_the_api_has_views_to_check():
    classes = _api_view_classes()
    assert ApiSchemaView in classes and ApiDocsView in classes
    assert sum(issubclass(cls, ApiViewMixin) for cls in classes) >= 10


@pytest.mark.parametrize("view_class", _api_view_classes(), ids=lambda cls: cls.__name__)
def test_no_api_view_takes_its_policy_from_rest_framework_settings(view_class):
    for attribute in INHERITED_FROM_REST_FRAMEWORK:
        assert _not_from_rest_framework(view_class, attribute), f"{view_class.__name__}.{attribute} comes from DRF"
    assert view_class().get_exception_handler() is api_exception_handler
    assert ApiTokenAuthentication in view_class.authentication_classes
    assert view_class.versioning_class is None
    if issubclass(view_class, ApiViewMixin):
        for attribute in ("pagination_class", "filter_backends"):
            assert _not_from_rest_framework(view_class, attribute), f"{view_class.__name__}.{attribute} comes from DRF"
        assert view_class.pagination_class in (ApiCursorPagination, ApiPageNumberPagination)
        assert view_class.renderer_classes == [ApiJSONRenderer]
        assert isinstance(view_class.schema, AutoSchema)
    else:
        assert view_class.schema is None  # the schema and docs views are not part of the schema


def test_the_error_body_and_pages_ignore_a_host_rest_framework_setting(manager):
    # What DRF reads at request time (not at import) can be overridden in a test: it must not matter.
    hostile = {
        "EXCEPTION_HANDLER": "rest_framework.views.exception_handler",
        "PAGE_SIZE": 1,
        "URL_FORMAT_OVERRIDE": "fmt",
    }
    CaseFactory.create_batch(2)
    client = APIClient()
    client.force_login(manager)
    with override_settings(REST_FRAMEWORK=hostile):
        anonymous = APIClient().get("/api/v1/cases/")
        listed = client.get("/api/v1/cases/?fmt=xml")

    assert anonymous.status_code == 401
    assert set(anonymous.json()["error"]) >= {"code", "message", "fields"}
    assert listed.status_code == 200
    assert set(listed.json()) == {"next", "previous", "results"}
    assert len(listed.json()["results"]) == 2


def test_the_schema_is_generated_with_drfs_own_default_schema_class_in_place():
    # This project, like a new host, leaves REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] at DRF's
    # default: every annotated endpoint must still be described by drf-spectacular (an endpoint
    # annotated with drf_spectacular.utils.extend_schema instead of ours would raise here).
    assert api_settings.DEFAULT_SCHEMA_CLASS is DrfAutoSchema
    with patched_settings(SCHEMA_SETTINGS):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/cases/{id}/assign/" in schema["paths"]
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
