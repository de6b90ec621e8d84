"""Evidence pack pages, included by crm_twitter/urls.py under ``evidence/``."""

from django.urls import path, re_path

from crm_twitter.evidence import views

app_name = "crm_twitter_evidence"

urlpatterns = [
    path("case/<int:pk>/", views.case_packs_view, name="case_packs"),
    re_path(r"^pack/(?P<pk>[0-9]{1,18})/(?P<kind>pdf|zip)/$", views.pack_download_view, name="download"),
    path("media/<int:pk>/", views.media_view, name="media"),
]
