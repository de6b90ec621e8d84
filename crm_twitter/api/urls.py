"""``/api/v1/…`` resources, ``/api/schema/`` (OpenAPI 3) and ``/api/docs/`` (Swagger UI, no CDN).

Included by ``crm_twitter.urls`` as ``path("api/", include("crm_twitter.api.urls"))``.
"""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from crm_twitter.api import schema  # noqa: F401  (registers the token scheme with drf-spectacular)
from crm_twitter.api.schema import ApiDocsView, ApiSchemaView
from crm_twitter.api.views.cases import CaseViewSet
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

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", ApiSchemaView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="crm_twitter_api:schema"), name="docs"),
]
