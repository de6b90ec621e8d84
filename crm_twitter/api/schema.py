"""drf-spectacular glue: the token scheme in the schema, the schema view and the docs pages.

The docs pages use Swagger UI vendored under ``crm_twitter/static/crm_twitter/api/swagger-ui/``
(``npm pack swagger-ui-dist``), so they work offline and load nothing from a CDN.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.templatetags.static import static
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated

from crm_twitter.api.enums import ENUM_NAME_OVERRIDES
from crm_twitter.api.views.base import ApiPolicyMixin, ApiViewMixin

SWAGGER_STATIC = "crm_twitter/api/swagger-ui"


def only_crm_twitter_endpoints(endpoints: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """drf-spectacular preprocessing hook: keep the ``/api/v1/`` resources, drop everything else.

    The generator walks the host's whole URLconf; the host's own DRF views would otherwise land
    in our schema — or stop it with "Incompatible AutoSchema" when they use DRF's schema class.
    """
    return [endpoint for endpoint in endpoints if issubclass(getattr(endpoint[3], "cls", object), ApiViewMixin)]


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
    "PREPROCESSING_HOOKS": ["crm_twitter.api.schema.only_crm_twitter_endpoints"],
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


class ApiSchemaView(ApiPolicyMixin, SpectacularAPIView):
    """``/api/schema/`` — OpenAPI 3 for ``/api/v1/`` (readable by any desk user).

    Everything drf-spectacular would take from the host's ``SPECTACULAR_SETTINGS`` is fixed here
    (generator, public schema, whole URLconf, our settings), so the host needs none of them.
    """

    schema = None  # not an endpoint of the schema it serves
    generator_class = SchemaGenerator
    serve_public = True
    urlconf = None
    custom_settings = SCHEMA_SETTINGS


class ApiDocsView(ApiPolicyMixin, SpectacularSwaggerSplitView):
    """``/api/docs/`` — Swagger UI served from the app's own static files, to desk users only.

    Its start-up script is a file of its own (``/api/docs/?script``, drf-spectacular's split view),
    so the page runs under the Content-Security-Policy's ``script-src 'self'`` with no inline script.
    """

    schema = None
    url_name = "crm_twitter_api_schema"
    title = "crm_twitter API"
    # drf-spectacular's page with lang="…" on <html> (issue #23).
    template_name = "crm_twitter/api/swagger_ui.html"
    # Ours too, so drf_spectacular need not be an installed app (its deploy check would walk the
    # host's own DRF views).
    template_name_js = "crm_twitter/api/swagger_ui.js"

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        ui_settings = spectacular_settings.SWAGGER_UI_SETTINGS
        if "settings" in response.data and isinstance(ui_settings, dict):
            # No badge from validator.swagger.io: it would hand our schema's address to a third
            # party, and the CSP's img-src refuses it anyway.
            response.data["settings"] = self._dump({**ui_settings, "validatorUrl": None})
        return response

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
