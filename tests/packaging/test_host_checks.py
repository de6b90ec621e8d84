"""What a host project forgot is named by a system check, with the line to add as its hint."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.test import override_settings
from django.urls import clear_url_caches, include, path

from crm_twitter.checks import (
    check_host_cache,
    check_host_project,
    check_host_templates,
    check_host_urls,
    check_host_webhook,
)

DATABASE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "c"}}


def _ids(messages) -> list[str]:
    return [message.id for message in messages]


@pytest.fixture
def host_urls():
    """A root URLconf holding only what the README's urls.py block adds (no project login page)."""
    module = type("HostUrls", (), {})()
    module.urlpatterns = [path("", include("crm_twitter.urls"))]

    def use(*extra):
        module.urlpatterns = [*extra, path("", include("crm_twitter.urls"))]
        clear_url_caches()
        return module

    yield use
    clear_url_caches()


@pytest.mark.django_db  # Django 6 asks the database about JSON support while checking models
def test_the_projects_own_settings_pass_every_host_check(settings):
    settings.CACHES = DATABASE_CACHE  # the suite swaps in a per-process cache for speed
    messages = [m for m in run_checks(include_deployment_checks=False) if m.id and m.id.startswith("crm_twitter.")]
    assert messages == []


def test_a_missing_app_is_named_with_the_line_to_add(settings):
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "django_htmx"]

    (error,) = [m for m in check_host_project() if m.id == "crm_twitter.E030"]

    assert "django_htmx" in error.msg
    assert "INSTALLED_APPS +=" in error.hint


def test_missing_htmx_middleware_stops_start_up(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "htmx" not in m]

    (error,) = [m for m in check_host_project() if m.id == "crm_twitter.E031"]

    assert error.is_serious()
    assert "django_htmx.middleware.HtmxMiddleware" in error.hint


def test_a_subclass_of_a_required_middleware_counts(settings):
    settings.MIDDLEWARE = [
        "tests.packaging.middleware.HostAuthenticationMiddleware" if "AuthenticationMiddleware" in m else m
        for m in settings.MIDDLEWARE
    ]
    assert "crm_twitter.E031" not in _ids(check_host_project())


def test_without_the_locale_middleware_the_language_menu_is_flagged(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "LocaleMiddleware" not in m]
    assert "crm_twitter.W037" in _ids(check_host_project())


def test_a_project_without_q_cluster_is_told_to_add_one(settings):
    del settings.Q_CLUSTER

    (error,) = [m for m in check_host_project() if m.id == "crm_twitter.E035"]

    assert "Q_CLUSTER" in error.msg and '"orm": "default"' in error.hint


@pytest.mark.parametrize(
    "cluster",
    [{"orm": "default"}, {"orm": "default", "timeout": 300, "retry": 300}, {"orm": "default", "timeout": 60}],
    ids=["django-q2-defaults", "retry-equals-timeout", "default-retry-below-timeout"],
)
def test_a_retry_that_does_not_outlast_the_timeout_is_flagged(settings, cluster):
    settings.Q_CLUSTER = cluster
    assert "crm_twitter.W036" in _ids(check_host_project())


def test_rest_framework_format_settings_that_reach_our_api_are_flagged(settings):
    settings.REST_FRAMEWORK = {
        "COERCE_DECIMAL_TO_STRING": False,
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],  # ours are our own
    }

    (warning,) = [m for m in check_host_project() if m.id == "crm_twitter.W039"]

    assert "COERCE_DECIMAL_TO_STRING" in warning.msg
    assert "DEFAULT_PERMISSION_CLASSES" not in warning.msg


def test_templates_without_app_dirs_are_an_error(settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "APP_DIRS": False, "DIRS": []}]
    assert _ids(check_host_templates()) == ["crm_twitter.E032"]


def test_a_missing_context_processor_is_named(settings):
    engine = settings.TEMPLATES[0]
    processors = [p for p in engine["OPTIONS"]["context_processors"] if not p.endswith(".request")]
    settings.TEMPLATES = [{**engine, "OPTIONS": {**engine["OPTIONS"], "context_processors": processors}}]

    (error,) = check_host_templates()

    assert error.id == "crm_twitter.E032" and "context_processors.request" in error.msg


def test_a_login_url_without_a_page_is_an_error_pointing_at_the_sign_in_urls(settings, host_urls):
    settings.ROOT_URLCONF = host_urls()
    settings.LOGIN_URL = "/accounts/login/"  # Django's default, and nothing there

    (error,) = [m for m in check_host_urls() if m.id == "crm_twitter.E033"]

    assert 'include("crm_twitter.signin.urls")' in error.hint


def test_the_app_sign_in_pages_satisfy_the_login_url_check(settings, host_urls):
    settings.ROOT_URLCONF = host_urls(path("accounts/", include("crm_twitter.signin.urls")))
    for login_url in ("login", "/accounts/login/"):
        settings.LOGIN_URL = login_url
        assert check_host_urls() == []


def test_a_sign_in_on_another_site_is_left_to_the_host(settings, host_urls):
    settings.ROOT_URLCONF = host_urls()
    settings.LOGIN_URL = "https://sso.example.com/login"
    assert check_host_urls() == []


def test_a_project_that_does_not_include_the_app_urls_is_warned(settings):
    settings.ROOT_URLCONF = type("Bare", (), {"urlpatterns": [path("accounts/", include("crm_twitter.signin.urls"))]})()
    clear_url_caches()
    try:
        (warning,) = check_host_urls()
    finally:
        clear_url_caches()
    assert warning.id == "crm_twitter.W040" and "crm_twitter_inbox:queue" in warning.msg


@pytest.mark.parametrize("backend", ["locmem.LocMemCache", "dummy.DummyCache"])
def test_a_cache_each_process_keeps_to_itself_is_warned(settings, backend):
    settings.CACHES = {"default": {"BACKEND": f"django.core.cache.backends.{backend}"}}

    (warning,) = check_host_cache()

    assert warning.id == "crm_twitter.W034" and "createcachetable" in warning.hint


def test_a_shared_cache_passes(settings):
    settings.CACHES = DATABASE_CACHE
    assert check_host_cache() == []


@pytest.mark.django_db  # run_checks includes the model checks
def test_deploy_checks_say_the_webhook_is_off_without_its_secret():
    with override_settings(CRM_TWITTER={}):
        (warning,) = check_host_webhook()
    with override_settings(CRM_TWITTER={"WEBHOOK_CONSUMER_SECRET": "s3cret"}):
        assert check_host_webhook() == []
    assert warning.id == "crm_twitter.W038" and "https://" in warning.hint
    deploy_only = [m.id for m in run_checks(include_deployment_checks=False) if m.id == "crm_twitter.W038"]
    assert deploy_only == []
