"""Every admin page of every crm_twitter model loads for a superuser, at a fixed query cost."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.builders import build

MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label == "crm_twitter"),
    key=lambda model: model.__name__,
)
MAX_QUERIES = 40


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:crm_twitter_{model._meta.model_name}_{view}", args=args)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


# Admin modules other parts of the project write; until one exists its models may lack an admin.
OPTIONAL_ADMINS = {
    "costs": {"ApiCall", "BilledResource"},
    "reports": {"ReportSnapshot", "ExchangeRate"},
    "api_tokens": {"ApiToken"},
}

# Derived tables with no admin on purpose: the rollups are recomputed from the history by the fold
# and by `crm_twitter_rollups --rebuild`; an edit there would be overwritten (or, worse, believed).
# Their freshness is shown where it matters, on the dashboard and the report ("Figures as of").
DERIVED_WITHOUT_ADMIN = {
    "RollupCaseDay",
    "RollupCountDay",
    "RollupCountMonth",
    "RollupDirtyDay",
    "RollupDurationDay",
    "RollupDurationMonth",
    "RollupState",
}


def test_every_crm_twitter_model_has_an_admin():
    import importlib.util

    from django.apps import apps

    missing = {
        model.__name__
        for model in apps.get_app_config("crm_twitter").get_models()
        if model not in admin.site._registry and not model._meta.auto_created
    } - DERIVED_WITHOUT_ADMIN
    for module, names in OPTIONAL_ADMINS.items():
        if importlib.util.find_spec(f"crm_twitter.admin.{module}") is None:
            missing -= names
    assert missing == set()


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model, django_assert_max_num_queries):
    build(model, children=1)
    build(model, children=1)
    url = _url(model, "changelist")
    admin_client.get(url)  # warm-up: per-process caches (content types, session) are not the point
    few = _queries(admin_client, url)
    for _ in range(5):
        build(model, children=2)
    with django_assert_max_num_queries(MAX_QUERIES):
        many = _queries(admin_client, url)
    assert many == few, f"{model.__name__} changelist: {few} queries for 2 rows, {many} for 7"


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_change_form_query_count_does_not_grow_with_related_rows(admin_client, model, django_assert_max_num_queries):
    small = build(model, children=1)
    big = build(model, children=4)
    admin_client.get(_url(model, "change", small.pk))  # warm-up
    few = _queries(admin_client, _url(model, "change", small.pk))
    with django_assert_max_num_queries(MAX_QUERIES):
        many = _queries(admin_client, _url(model, "change", big.pk))
    assert many == few, f"{model.__name__} change form: {few} queries with 1 related row each, {many} with 4"


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_add_form_loads_or_is_refused_on_purpose(admin_client, admin_user, model, django_assert_max_num_queries):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = admin.site._registry[model]
    url = _url(model, "add")
    if model_admin.has_add_permission(request):
        with django_assert_max_num_queries(MAX_QUERIES):
            assert admin_client.get(url).status_code == 200
    else:
        # Records that only arrive from X or from a workflow service cannot be typed in.
        assert admin_client.get(url).status_code == 403


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_changelist_search_and_filters_load(admin_client, model):
    build(model, children=1)
    response = admin_client.get(_url(model, "changelist"), {"q": "zzz-no-such-thing"})
    assert response.status_code == 200
