"""The app's URLs; a host project includes them with ``path("", include("crm_twitter.urls"))``."""

from django.urls import include, path

urlpatterns: list = [
]
