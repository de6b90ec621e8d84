import pytest


class Calls(list):
    """Collects the CallRecords a gateway hands to ``on_call``."""

    def kinds(self) -> list[tuple[str, str]]:
        return [(record.endpoint, record.resource_kind) for record in self]


@pytest.fixture
def calls():
    return Calls()


@pytest.fixture
def brand(sandbox):
    return sandbox.state.add_brand("AcmeHelp", name="Acme Support")


@pytest.fixture
def alice(sandbox):
    return sandbox.state.add_user("alice_buys", name="Alice", followers=1200, location="Leeds")


@pytest.fixture
def gateway(sandbox, brand, calls):
    return sandbox.gateway(brand, on_call=calls.append)
