"""The sandbox answers only the tokens it issued, as X does: a wrong token fails in tests too."""

import pytest
import requests

from crm_twitter.sandbox.state import SANDBOX_APP_BEARER_TOKEN, sandbox_credentials
from crm_twitter.x.errors import XAuthError

UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def get(sandbox, path, **kwargs):
    return requests.get(f"{sandbox.base_url}{path}", timeout=5, **kwargs)


@pytest.mark.parametrize("token", ["any-app-token", "None", SANDBOX_APP_BEARER_TOKEN + "-expired"])
def test_a_bearer_token_the_sandbox_never_issued_is_401(sandbox, token):
    alice = sandbox.state.add_user("alice")

    response = get(sandbox, f"/2/users/{alice['id']}", headers=bearer(token))

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == UNAUTHORIZED


def test_the_issued_app_token_and_any_further_one_issued_read_public_data(sandbox):
    alice = sandbox.state.add_user("alice")
    sandbox.state.issue_app_token("second-app-token")

    issued = get(sandbox, f"/2/users/{alice['id']}", headers=bearer(SANDBOX_APP_BEARER_TOKEN))
    further = get(sandbox, f"/2/users/{alice['id']}", headers=bearer("second-app-token"))

    assert issued.status_code == further.status_code == 200


def test_sandbox_credentials_work_for_every_user_the_sandbox_serves(sandbox):
    brand = sandbox.state.add_brand("AcmeHelp")
    alice = sandbox.state.add_user("alice")

    assert sandbox.gateway(brand).get_me()["id"] == brand["id"]
    assert sandbox.gateway(alice).get_me()["id"] == alice["id"]


def test_an_oauth1_access_token_never_issued_is_refused(sandbox):
    brand = sandbox.state.add_brand("AcmeHelp")
    made_up = {**sandbox.credentials(brand), "access_token": f"{brand['id']}-made-up-token"}

    with pytest.raises(XAuthError) as caught:
        sandbox.gateway(brand, credentials=made_up).get_me()

    assert caught.value.status_code == 401


def test_sandbox_credentials_of_a_user_the_sandbox_does_not_serve_are_refused(sandbox):
    brand = sandbox.state.add_brand("AcmeHelp")
    stranger = sandbox_credentials("424242")

    with pytest.raises(XAuthError) as caught:
        sandbox.gateway(brand, credentials=stranger).get_mentions(brand["id"])

    assert caught.value.status_code == 401


def test_an_oauth1_consumer_key_never_issued_is_refused(sandbox):
    brand = sandbox.state.add_brand("AcmeHelp")
    other_app = {**sandbox.credentials(brand), "consumer_key": "another-apps-key"}

    with pytest.raises(XAuthError) as caught:
        sandbox.gateway(brand, credentials=other_app).get_me()

    assert caught.value.status_code == 401


def test_tokens_issued_later_act_as_their_user(sandbox):
    brand = sandbox.state.add_brand("AcmeHelp")
    sandbox.state.issue_consumer_key("second-app-key")
    sandbox.state.issue_access_token("rotated-access-token", brand)
    rotated = {**sandbox.credentials(brand), "consumer_key": "second-app-key", "access_token": "rotated-access-token"}

    assert sandbox.gateway(brand, credentials=rotated).get_me()["id"] == brand["id"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/2/users/me"), ("GET", "/2/dm_events"), ("POST", "/2/tweets")],
)
def test_an_app_token_on_a_user_context_endpoint_is_403_with_xs_generic_problem(sandbox, method, path):
    response = requests.request(
        method, f"{sandbox.base_url}{path}", headers=sandbox.app_headers, json={"text": "hi"}, timeout=5
    )

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "about:blank"
    assert response.json()["title"] == "Forbidden"
    assert int(response.headers["x-rate-limit-remaining"]) >= 0
