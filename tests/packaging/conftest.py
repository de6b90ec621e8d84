import pytest

from tests.packaging.distribution import Distributions, build_distributions


@pytest.fixture(scope="session")
def distributions() -> Distributions:
    return build_distributions()
