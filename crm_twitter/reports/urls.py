from django.urls import path

from crm_twitter.reports import views

app_name = "crm_twitter_reports"

urlpatterns = [
    path("reports/", views.dashboard, name="dashboard"),
    path("reports/export/", views.export, name="export"),
    path("reports/snapshots/<int:pk>/<str:fmt>/", views.snapshot_download, name="snapshot_download"),
]
