"""drf-spectacular glue: the token scheme in the schema, the schema view and the docs pages.

The docs pages use Swagger UI vendored under ``crm_twitter/static/crm_twitter/api/swagger-ui/``
(``npm pack swagger-ui-dist``), so they work offline and load nothing from a CDN.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.templatetags.static import static
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated

from crm_twitter.api.authentication import ApiTokenAuthentication
from crm_twitter.api.enums import ENUM_NAME_OVERRIDES
from crm_twitter.api.permissions import DeskUser

SWAGGER_STATIC = "crm_twitter/api/swagger-ui"

SCHEMA_SETTINGS = {
    "TITLE": "crm_twitter API",
    "DESCRIPTION": (
        "After-sales dispute desk for X/Twitter: cases, customers, orders, messages, reports.\n\n"
        "Authenticate with `Authorization: Bearer crm_…` (tokens are created in the admin). "
        'Errors always read `{"error": {"code", "message", "fields": {field: [reasons]}}}`. '
        "Times are ISO 8601 with a zone; money is a decimal string with its currency."
    ),
    "VERSION": "1.0.0",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": ENUM_NAME_OVERRIDES,
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "crm_twitter.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "crm_…",
            "description": "An API token created by an admin (read or read_write scope).",
        }


class ApiSchemaView(SpectacularAPIView):
    """``/api/schema/`` — OpenAPI 3 for ``/api/v1/`` (readable by any desk user)."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [DeskUser]
    custom_settings = SCHEMA_SETTINGS


class ApiDocsView(SpectacularSwaggerView):
    """``/api/docs/`` — Swagger UI served from the app's own static files."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [DeskUser]
    url_name = "crm_twitter_api_schema"
    title = "crm_twitter API"

    def handle_exception(self, exc):
        # A person opening the docs in a browser is sent to the login page, not shown a 401.
        if isinstance(exc, (NotAuthenticated, AuthenticationFailed)) and "Authorization" not in self.request.headers:
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)

    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        return static(f"{SWAGGER_STATIC}/{filename}")

    @staticmethod
    def _swagger_ui_favicon() -> str:
        return static(f"{SWAGGER_STATIC}/favicon-32x32.png")
