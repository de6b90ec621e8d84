from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

# The desk's styled "not for you" page for any PermissionDenied (the desk's own views answer it directly).
handler403 = "crm_twitter.forbidden.permission_denied"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="crm_twitter_inbox:queue", permanent=False)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("crm_twitter.urls")),
]
