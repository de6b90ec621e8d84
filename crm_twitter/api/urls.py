"""``/api/v1/…`` resources, ``/api/schema/`` (OpenAPI 3) and ``/api/docs/`` (Swagger UI, no CDN).

Included by ``crm_twitter.urls`` as ``path("api/", include("crm_twitter.api.urls"))``.
"""

from __future__ import annotations

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from crm_twitter.api import schema  # noqa: F401  (registers the token scheme with drf-spectacular)
from crm_twitter.api.schema import ApiDocsView, ApiSchemaView
from crm_twitter.api.views.cases import CaseViewSet
from crm_twitter.api.views.evidence import EvidencePackViewSet
from crm_twitter.api.views.incidents import IncidentViewSet
from crm_twitter.api.views.not_found import ApiNotFoundView
from crm_twitter.api.views.resources import (
    BrandAccountViewSet,
    CategoryViewSet,
    CustomerViewSet,
    DirectMessageViewSet,
    OrderViewSet,
    ReplyTemplateViewSet,
    ReportSnapshotViewSet,
    TeamViewSet,
    TweetViewSet,
)

app_name = "crm_twitter_api"

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("customers", CustomerViewSet, basename="customer")
router.register("orders", OrderViewSet, basename="order")
router.register("tweets", TweetViewSet, basename="tweet")
router.register("direct-messages", DirectMessageViewSet, basename="direct-message")
router.register("categories", CategoryViewSet, basename="category")
router.register("reply-templates", ReplyTemplateViewSet, basename="reply-template")
router.register("teams", TeamViewSet, basename="team")
router.register("accounts", BrandAccountViewSet, basename="account")
router.register("reports", ReportSnapshotViewSet, basename="report")
router.register("incidents", IncidentViewSet, basename="incident")

urlpatterns = [
    path("v1/", include(router.urls)),
    path(
        "v1/cases/<int:case_pk>/evidence-packs/",
        EvidencePackViewSet.as_view({"get": "list", "post": "create"}),
        name="case-evidence-pack-list",
    ),
    path(
        "v1/cases/<int:case_pk>/evidence-packs/<int:pk>/",
        EvidencePackViewSet.as_view({"get": "retrieve"}),
        name="case-evidence-pack-detail",
    ),
    path(
        "v1/cases/<int:case_pk>/evidence-packs/<int:pk>/download/<str:kind>/",
        EvidencePackViewSet.as_view({"get": "download"}),
        name="case-evidence-pack-download",
    ),
    path("schema/", ApiSchemaView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="crm_twitter_api:schema"), name="docs"),
    # Keep this LAST (it would shadow anything after it): any other address under v1/ answers the
    # API's JSON 404 — a wrong id, a misspelt resource — instead of Django's HTML page.
    re_path(r"^v1/", ApiNotFoundView.as_view(), name="not-found"),
]
