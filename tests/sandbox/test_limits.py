"""X's limits on what a self-serve app may send: DMs per window, cashtags per post."""

import pytest
import requests

from crm_twitter.sandbox.state import DM_SEND, DM_SEND_LIMIT
from crm_twitter.x.errors import XBadRequest, XRateLimited


@pytest.fixture
def brand(sandbox):
    return sandbox.state.add_brand("AcmeHelp")


@pytest.fixture
def alice(sandbox):
    return sandbox.state.add_user("alice_buys")


def test_a_user_may_send_15_dms_per_15_minutes_as_xs_rate_limit_table_says(sandbox, brand, alice):
    gateway = sandbox.gateway(brand)
    for n in range(DM_SEND_LIMIT):
        gateway.send_dm(participant_id=alice["id"], text=f"Update {n}")

    with pytest.raises(XRateLimited):
        gateway.send_dm(participant_id=alice["id"], text="one too many")
    sandbox.state.advance(15 * 60 + 1)
    gateway.send_dm(participant_id=alice["id"], text="next window")

    assert DM_SEND_LIMIT == 15
    assert len(sandbox.state.dm_events) == 16
    assert sandbox.state.requests_to(DM_SEND)[-1]["status"] == 201


def test_a_test_that_sends_more_dms_raises_the_limit_explicitly(sandbox, brand, alice):
    sandbox.state.set_rate_limit(DM_SEND, 40)
    gateway = sandbox.gateway(brand)

    for n in range(20):
        gateway.send_dm(participant_id=alice["id"], text=f"Update {n}")

    assert len(sandbox.state.dm_events) == 20


def test_the_dm_limit_can_be_changed_over_the_control_api(sandbox, brand, alice):
    answer = requests.post(
        f"{sandbox.base_url}/_sandbox/rate-limits", json={"endpoint": DM_SEND, "limit": 2}, timeout=5
    ).json()
    gateway = sandbox.gateway(brand)
    gateway.send_dm(participant_id=alice["id"], text="one")
    gateway.send_dm(participant_id=alice["id"], text="two")

    with pytest.raises(XRateLimited):
        gateway.send_dm(participant_id=alice["id"], text="three")
    assert answer == {"endpoint": DM_SEND, "app_limit": 2, "user_limit": 2}


def test_an_unknown_endpoint_is_refused_by_the_control_api(sandbox):
    response = requests.post(
        f"{sandbox.base_url}/_sandbox/rate-limits", json={"endpoint": "GET /2/spaces", "limit": 2}, timeout=5
    )

    assert response.status_code == 400


def test_a_post_with_two_cashtags_is_refused_as_x_refuses_self_serve_apps(sandbox, brand):
    with pytest.raises(XBadRequest) as caught:
        sandbox.gateway(brand).create_post(text="Our partners $ACME and $BETA ship today")

    assert caught.value.status_code == 403
    assert "cashtag" in caught.value.detail
    assert sandbox.state.posts == []


def test_one_cashtag_is_allowed_and_comes_back_as_an_entity(sandbox, brand):
    sent = sandbox.gateway(brand).create_post(text="Questions about $ACME orders? Ask us.")

    posted = sandbox.state.tweets[sent.id]
    assert posted["entities"]["cashtags"] == [{"start": 16, "end": 21, "tag": "ACME"}]


@pytest.mark.parametrize("text", ["Refund of $25 and US$30 sent", "Price is $19.99, not $2O", "Pay$ACME $ABCDEFG"])
def test_dollar_amounts_are_not_cashtags(sandbox, brand, text):
    sandbox.gateway(brand).create_post(text=text)

    assert len(sandbox.state.posts) == 1


def test_lifting_the_cashtag_limit_allows_more(sandbox, brand):
    sandbox.state.cashtag_limit = None

    sandbox.gateway(brand).create_post(text="Our partners $ACME and $BETA ship today")

    assert len(sandbox.state.posts) == 1
