"""Shared fixtures. Environment knobs:

- ``CRM_REQUIRE_BROWSER=1`` turns a missing Chromium into a failure instead of a skip (CI).
- ``CRM_REQUIRE_POSTGRES=1`` does the same for tests that need PostgreSQL (CI's PostgreSQL leg).
"""

import os

import pytest

pytest_plugins = [
    "tests.plugins.factories",
    "tests.plugins.sandbox",
    "tests.plugins.browser",
    "tests.plugins.axe",
]


@pytest.fixture(autouse=True)
def _crm_test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # The local-memory cache outlives a test (module-level storage); entries keyed by a fold stamp
    # or a frozen "now" would otherwise answer a later test with an earlier test's data.
    from django.core.cache import cache

    cache.clear()
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def on_postgres(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        if os.environ.get("CRM_REQUIRE_POSTGRES") == "1":
            pytest.fail("CRM_REQUIRE_POSTGRES=1 but the test database is not PostgreSQL")
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://… (see README)")
    return connection


@pytest.fixture(autouse=True)
def _seed_rows_for_transactional_tests(request):
    """Transactional tests flush the database afterwards, which also removes the rows the seed
    migration made (categories, templates, role groups, SLA policies); put them back first."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from crm_twitter.seeds import seed_all, seed_groups

    seed_all(apps)
    seed_groups(apps)
