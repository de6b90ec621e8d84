"""Fixtures for the database helper tests."""

from __future__ import annotations

import pytest

from tests.factories import BrandAccountFactory


@pytest.fixture
def brand(db):
    return BrandAccountFactory(handle="brandhelp", x_user_id="900000001")
