"""The OpenAPI schema validates and documents every endpoint; the docs page needs no CDN."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

import crm_twitter
from crm_twitter.api.urls import router


@pytest.fixture
def schema(manager_api):
    response = manager_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def _router_paths() -> set[str]:
    paths = set()
    for pattern in router.urls:
        route = str(pattern.pattern)
        if "format" in route:
            continue
        route = route.lstrip("^").rstrip("$")
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: "{" + m.group(1) + "}", route)
        paths.add("/api/v1/" + route.replace("{pk}", "{id}"))
    return paths


def test_schema_is_valid_openapi(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_schema_documents_every_endpoint(schema):
    documented = set(schema["paths"])
    missing = _router_paths() - documented
    assert not missing
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary") or operation.get("description"), f"{method} {path} undocumented"


def test_schema_declares_the_token_scheme(schema):
    scheme = schema["components"]["securitySchemes"]["apiToken"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}


def test_schema_generation_has_no_warnings_or_errors():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.settings import patched_settings

    from crm_twitter.api.schema import SCHEMA_SETTINGS

    GENERATOR_STATS.reset()
    with patched_settings(SCHEMA_SETTINGS):
        generated = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(generated)
    assert not GENERATOR_STATS._warn_cache, list(GENERATOR_STATS._warn_cache)
    assert not GENERATOR_STATS._error_cache, list(GENERATOR_STATS._error_cache)


def test_schema_needs_a_desk_user(db):
    assert APIClient().get("/api/schema/").status_code == 401


def test_docs_page_loads_swagger_ui_from_our_static_files(manager):
    client = APIClient()
    client.force_login(manager)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert f"{django_settings.STATIC_URL}crm_twitter/api/swagger-ui/{asset}" in html
    assert "cdn" not in html.lower()
    assert "https://" not in html
    vendored = Path(crm_twitter.__file__).parent / "static/crm_twitter/api/swagger-ui"
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css", "LICENSE"):
        assert (vendored / name).is_file()


def test_docs_page_sends_a_signed_out_visitor_to_the_login_page(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api/docs/")
