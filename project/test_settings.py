"""Settings for the test suite: the normal settings with a fixed key and DEBUG off.

DATABASE_URL still decides the database, so the same suite runs on SQLite (default) and
PostgreSQL (CI's second leg).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.pop("REDIS_URL", None) if os.environ.get("CRM_TEST_REDIS") != "1" else None

from project.settings import *  # noqa: E402,F403

DEBUG = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# The suite has no django-q2 worker: inbound pages suggest categories at once, in their transaction.
CRM_TWITTER = {**CRM_TWITTER, "CATEGORY_SUGGEST_IN_BACKGROUND": False}  # noqa: F405
