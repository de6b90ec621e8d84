"""The app's URLs; a host project includes them with ``path("", include("crm_twitter.urls"))``.

Sign-in pages are separate (``crm_twitter.signin.urls``): a host that already has its own keeps
them and only points ``LOGIN_URL`` there. Check ``crm_twitter.W040`` warns when these are missing.
"""

from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("inbox/", include("crm_twitter.inbox.urls")),
    path("evidence/", include("crm_twitter.evidence.urls")),
    path("api/", include("crm_twitter.api.urls")),
    path("", include("crm_twitter.reports.urls")),
    path("", include("crm_twitter.x.urls")),
]
