"""The root URLconf of a host project that applied the README's urls.py block (plus the admin)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("crm_twitter.signin.urls")),
    path("", include("crm_twitter.urls")),
]
