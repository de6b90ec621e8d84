"""The ``sandbox`` fixture: the fake X API served over real HTTP, fresh state for every test.

The server is started once per test session on a free loopback port; each test gets an empty
state (users, posts, faults, rate limits, counters) and ``settings.CRM_TWITTER["API_BASE_URL"]``
pointing at the server, so ``XGateway`` — real tweepy, real HTTP — talks to it.

    def test_x(sandbox):
        brand = sandbox.state.add_brand("AcmeHelp")
        alice = sandbox.state.add_user("alice", followers=120)
        sandbox.state.customer_tweet(alice, "@AcmeHelp my parcel never arrived 😡")
        sandbox.faults.server_error("GET /2/users/:id/mentions", status=503)
        gateway = sandbox.gateway(brand)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import requests

from crm_twitter.csp import csp_policy
from crm_twitter.sandbox.server import SandboxServer
from crm_twitter.sandbox.state import SANDBOX_APP_BEARER_TOKEN

# Short enough that a stalled connection fails a test quickly, long enough for a busy CI machine.
TEST_HTTP_TIMEOUT_SECONDS = 3.0


@dataclass
class Sandbox:
    server: SandboxServer

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def state(self):
        return self.server.state

    @property
    def faults(self):
        return self.server.state.faults

    def credentials(self, user: Any) -> dict[str, str]:
        """Credentials the sandbox accepts for ``user`` (a user dict, id or handle)."""
        return self.server.state.credentials(user)

    @property
    def app_headers(self) -> dict[str, str]:
        """``Authorization`` with the app bearer token the sandbox issued, for raw HTTP calls (the
        sandbox answers 401 to a token it never issued)."""
        return {"Authorization": f"Bearer {SANDBOX_APP_BEARER_TOKEN}"}

    def user_auth(self, user: Any) -> requests.auth.AuthBase:
        """OAuth 1.0a user context for ``user`` on raw HTTP calls, signed the way the gateway signs
        (tweepy's handler)."""
        import tweepy

        creds = self.credentials(user)
        return tweepy.OAuth1UserHandler(
            creds["consumer_key"], creds["consumer_secret"], creds["access_token"], creds["access_token_secret"]
        ).apply_auth()

    def brand_account(self, handle: str = "AcmeHelp", *, role: str = "support", followers: int = 25_000, **fields):
        """A sandbox brand plus the matching ``BrandAccount`` row with credentials the sandbox accepts
        (needs the database)."""
        from tests.factories import BrandAccountFactory

        user = self.state.add_brand(handle, role=role, followers=followers)
        return BrandAccountFactory(
            handle=handle, x_user_id=user["id"], role=role, credentials=self.credentials(user), **fields
        )

    def gateway(self, user: Any, *, on_call=None, timeout: float | None = None, credentials: dict | None = None):
        """An ``XGateway`` authenticated as ``user`` against this sandbox."""
        from crm_twitter.x.gateway import XGateway

        return XGateway(
            credentials=credentials or self.credentials(user),
            x_user_id=self.state.user_id(user),
            base_url=self.base_url,
            timeout=timeout,
            on_call=on_call,
        )


@pytest.fixture(scope="session")
def sandbox_server():
    server = SandboxServer(port=0).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server, settings):
    sandbox_server.reset()
    settings.CRM_TWITTER = {
        **(getattr(settings, "CRM_TWITTER", None) or {}),
        "API_BASE_URL": sandbox_server.base_url,
        "HTTP_TIMEOUT_SECONDS": TEST_HTTP_TIMEOUT_SECONDS,
    }
    # The sandbox serves the media X's CDN would: pages under the CSP may show them (as in the demo).
    settings.SECURE_CSP = csp_policy(api_base_url=sandbox_server.base_url)
    yield Sandbox(sandbox_server)
    sandbox_server.state.faults.clear()
