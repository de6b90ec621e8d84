"""The app's URLs; a host project includes them with ``path("", include("crm_twitter.urls"))``."""

from django.urls import include, path

urlpatterns: list = [
    path("inbox/", include("crm_twitter.inbox.urls")),
    path("api/", include("crm_twitter.api.urls")),
    path("", include("crm_twitter.reports.urls")),
    path("", include("crm_twitter.x.urls")),
]
