"""URLs of the X integration: the Account Activity webhook."""

from django.urls import path

from crm_twitter.x.webhooks import x_webhook_view

app_name = "crm_twitter_x"

urlpatterns = [
    path("webhooks/x/", x_webhook_view, name="webhook"),
]
