"""The incident tests start with an empty cache: the top bar's open-incident count is cached
(``services/incident_counts.py``) and the test cache outlives a test's rolled-back rows."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()
