"""Inbox URLs, included by crm_twitter/urls.py under ``inbox/``."""

from django.urls import path

from crm_twitter.inbox.views import actions, case, incidents, preferences, queue

app_name = "crm_twitter_inbox"

urlpatterns = [
    path("", queue.queue_view, name="queue"),
    path("language/", preferences.language_view, name="set_language"),
    path("preferences/", preferences.preferences_view, name="preferences"),
    path("case/<int:pk>/", case.case_view, name="case"),
    path("case/<int:pk>/presence/", case.presence_view, name="presence"),
    path("case/<int:pk>/orders/search/", case.order_search_view, name="order_search"),
    path("case/<int:pk>/take/", actions.take_view, name="take"),
    path("case/<int:pk>/assign/", actions.assign_view, name="assign"),
    path("case/<int:pk>/move/", actions.move_team_view, name="move_team"),
    path("case/<int:pk>/status/", actions.transition_view, name="transition"),
    path("case/<int:pk>/resolve/", actions.resolve_view, name="resolve"),
    path("case/<int:pk>/escalate/", actions.escalate_view, name="escalate"),
    path("case/<int:pk>/note/", actions.note_view, name="note"),
    path("case/<int:pk>/category/", actions.category_view, name="category"),
    path("case/<int:pk>/orders/link/", actions.order_link_view, name="order_link"),
    path("case/<int:pk>/orders/unlink/", actions.order_unlink_view, name="order_unlink"),
    path("case/<int:pk>/promises/", actions.promise_view, name="promise"),
    path("case/<int:pk>/promises/keep/", actions.promise_keep_view, name="promise_keep"),
    path("case/<int:pk>/compose/", actions.compose_view, name="compose"),
    path("case/<int:pk>/compose/preview/", actions.compose_preview_view, name="compose_preview"),
    path("case/<int:pk>/compose/template/", actions.template_view, name="template"),
    path("case/<int:pk>/outbound/retry/", actions.retry_view, name="retry"),
    path("incidents/", incidents.incident_list_view, name="incidents"),
    path("incidents/<int:pk>/", incidents.incident_view, name="incident"),
    path("incidents/<int:pk>/status-update/", incidents.incident_status_update_view, name="incident_status_update"),
    path("incidents/<int:pk>/status-update/preview/", incidents.incident_status_preview_view, name="incident_preview"),
    path("incidents/<int:pk>/reply-all/", incidents.incident_reply_all_view, name="incident_reply_all"),
    path("incidents/<int:pk>/resolve-all/", incidents.incident_resolve_all_view, name="incident_resolve_all"),
    path("incidents/<int:pk>/merge/", incidents.incident_merge_view, name="incident_merge"),
    path("incidents/<int:pk>/unlink/", incidents.incident_unlink_view, name="incident_unlink"),
    path("incidents/<int:pk>/close/", incidents.incident_close_view, name="incident_close"),
]
