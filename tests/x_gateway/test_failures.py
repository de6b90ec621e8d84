"""Faults and refusals become our own small set of errors, and every call is still recorded."""

import datetime as dt
import socket

import pytest
import requests

from crm_twitter.sandbox.state import SANDBOX_APP_BEARER_TOKEN
from crm_twitter.x.errors import XAuthError, XBadRequest, XMalformedResponse, XRateLimited, XTransientError
from crm_twitter.x.gateway import XGateway

MENTIONS = "GET /2/users/:id/mentions"


def test_429_raises_rate_limited_until_the_reset_header(sandbox, brand, gateway, calls):
    sandbox.faults.rate_limit(MENTIONS, reset_in=120)

    with pytest.raises(XRateLimited) as caught:
        gateway.get_mentions(brand["id"])

    expected = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=120)
    assert abs((caught.value.reset_at - expected).total_seconds()) <= 2
    assert caught.value.status_code == 429
    assert calls[-1].status_code == 429
    assert calls[-1].rate_limit.remaining == 0
    assert calls[-1].resource_ids == ()
    assert calls[-1].error.startswith("XRateLimited")


def test_429_without_a_reset_header_waits_the_15_minute_window(sandbox, brand, gateway, calls):
    sandbox.faults.rate_limit(MENTIONS, reset_header=False)

    with pytest.raises(XRateLimited) as caught:
        gateway.get_mentions(brand["id"])

    expected = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=15)
    assert abs((caught.value.reset_at - expected).total_seconds()) <= 2
    assert calls[-1].rate_limit.reset_at is None


def test_running_out_of_requests_is_rate_limited_until_the_window_resets(sandbox, brand, gateway):
    sandbox.state.set_rate_limit(MENTIONS, 2)
    gateway.get_mentions(brand["id"])
    gateway.get_mentions(brand["id"])

    with pytest.raises(XRateLimited) as caught:
        gateway.get_mentions(brand["id"])
    sandbox.state.advance(15 * 60 + 1)
    page = gateway.get_mentions(brand["id"])

    assert caught.value.reset_at > dt.datetime.now(dt.UTC)
    assert page.rate_limit.remaining == 1
    assert sandbox.state.request_log[-2]["status"] == 429


def test_the_429_body_is_xs_problem_json(sandbox, brand):
    sandbox.faults.rate_limit(MENTIONS)

    response = requests.get(
        f"{sandbox.base_url}/2/users/{brand['id']}/mentions",
        headers={"Authorization": f"Bearer {SANDBOX_APP_BEARER_TOKEN}"},
        timeout=5,
    )

    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    assert int(response.headers["x-rate-limit-reset"]) > 0


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_transient_and_may_have_been_seen(sandbox, brand, gateway, calls, status):
    sandbox.faults.server_error(MENTIONS, status=status)

    with pytest.raises(XTransientError) as caught:
        gateway.get_mentions(brand["id"])

    assert caught.value.status_code == status
    assert caught.value.request_sent is True
    assert calls[-1].status_code == status
    gateway.get_mentions(brand["id"])  # only the next request was broken


def test_a_body_that_is_not_json_is_malformed(sandbox, brand, gateway, calls):
    sandbox.faults.malformed(MENTIONS)

    with pytest.raises(XMalformedResponse):
        gateway.get_mentions(brand["id"])

    assert calls[-1].status_code == 200
    assert calls[-1].resource_ids == ()
    assert calls[-1].error.startswith("XMalformedResponse")


def test_json_of_the_wrong_shape_is_malformed(sandbox, brand, gateway):
    sandbox.faults.malformed(MENTIONS, body='{"data": {"id": "1"}, "meta": {}}')

    with pytest.raises(XMalformedResponse):
        gateway.get_mentions(brand["id"])


def test_a_tweet_without_text_is_malformed(sandbox, brand, gateway):
    sandbox.faults.malformed(MENTIONS, body='{"data": [{"id": "1"}], "meta": {"result_count": 1}}')

    with pytest.raises(XMalformedResponse):
        gateway.get_mentions(brand["id"])


def test_timeout_after_processing_means_the_post_may_exist(sandbox, brand, alice, calls):
    mention = sandbox.state.customer_tweet(alice, "@AcmeHelp hello?")
    sandbox.faults.timeout_after_processing("POST /2/tweets", stall=0.5)
    gateway = sandbox.gateway(brand, on_call=calls.append, timeout=0.2)

    with pytest.raises(XTransientError) as caught:
        gateway.create_reply(text="@alice_buys Hi, DM us!", in_reply_to_tweet_id=mention["id"])

    assert caught.value.request_sent is True
    assert caught.value.code == "timeout"
    assert [p["text"] for p in sandbox.state.posts] == ["@alice_buys Hi, DM us!"]  # X applied it
    assert calls[-1].status_code is None
    assert calls[-1].endpoint == "POST /2/tweets"


def test_connection_closed_after_processing_also_means_it_may_exist(sandbox, brand, alice, gateway):
    sandbox.faults.timeout_after_processing("POST /2/dm_conversations/with/:id/messages")

    with pytest.raises(XTransientError) as caught:
        gateway.send_dm(participant_id=alice["id"], text="Your refund is on its way")

    assert caught.value.request_sent is True
    assert [e["text"] for e in sandbox.state.dm_events] == ["Your refund is on its way"]


def test_a_dropped_connection_applies_nothing(sandbox, brand, alice, gateway):
    sandbox.faults.drop_connection("POST /2/dm_conversations/with/:id/messages")

    with pytest.raises(XTransientError):
        gateway.send_dm(participant_id=alice["id"], text="Hello")

    assert sandbox.state.dm_events == []


def test_nothing_listening_means_the_request_was_never_sent(sandbox, brand, calls):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = XGateway(
        credentials=sandbox.credentials(brand),
        x_user_id=brand["id"],
        base_url=f"http://127.0.0.1:{port}",
        on_call=calls.append,
        timeout=1,
    )

    with pytest.raises(XTransientError) as caught:
        gateway.create_post(text="hello")

    assert caught.value.request_sent is False
    assert calls[-1].status_code is None


def test_slow_responses_are_waited_for(sandbox, brand, gateway, calls):
    sandbox.faults.slow(MENTIONS, seconds=0.15)

    gateway.get_mentions(brand["id"])

    assert calls[-1].duration_ms >= 150


def test_a_revoked_token_is_an_auth_error(sandbox, brand, gateway, calls):
    sandbox.state.revoke_token(sandbox.credentials(brand)["access_token"])

    with pytest.raises(XAuthError) as caught:
        gateway.get_mentions(brand["id"])

    assert caught.value.status_code == 401
    assert caught.value.code == "auth"
    assert calls[-1].status_code == 401


def test_a_request_without_authorization_gets_401(sandbox, brand):
    response = requests.get(f"{sandbox.base_url}/2/users/{brand['id']}/mentions", timeout=5)

    assert response.status_code == 401
    assert response.json() == {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}


def test_a_suspended_brand_account_is_an_auth_error_with_code_suspended(sandbox, brand, gateway):
    sandbox.state.suspend(brand)

    with pytest.raises(XAuthError) as caught:
        gateway.get_me()

    assert caught.value.code == "suspended"


def test_no_credentials_at_all_is_an_auth_error_without_calling_x(sandbox, brand, calls):
    gateway = XGateway(credentials={}, x_user_id=brand["id"], on_call=calls.append)

    with pytest.raises(XAuthError):
        gateway.get_mentions(brand["id"])

    assert calls == []
    assert sandbox.state.request_log == []


def test_a_failing_recorder_never_breaks_the_call(sandbox, brand):
    def broken(record):
        raise RuntimeError("database is down")

    gateway = sandbox.gateway(brand, on_call=broken)

    assert gateway.get_me()["id"] == brand["id"]


def test_tokens_are_never_in_the_sandbox_log(sandbox, brand, gateway):
    gateway.get_me()
    gateway.get_mentions(brand["id"])

    logged = repr(sandbox.state.request_log)
    for secret in sandbox.credentials(brand).values():
        assert secret not in logged


def test_for_account_uses_stored_credentials_and_records_api_calls(sandbox, db):
    from crm_twitter.models import ApiCall

    account = sandbox.brand_account("AcmeHelp")
    gateway = XGateway.for_account(account)

    gateway.get_me()

    call = ApiCall.objects.get()
    assert call.account == account
    assert call.endpoint == "GET /2/users/me"
    assert call.status_code == 200
    assert call.rate_limit_limit == 75


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (502, "<html><body>502 Bad Gateway</body></html>", XTransientError),
        (503, '["not", "an", "object"]', XTransientError),
        (400, '{"errors": [1, 2]}', XBadRequest),
        (418, "I'm a teapot", XBadRequest),
    ],
)
def test_odd_error_bodies_still_become_our_errors(sandbox, brand, gateway, calls, status, body, error):
    sandbox.faults.error(MENTIONS, status=status, body=body)

    with pytest.raises(error) as caught:
        gateway.get_mentions(brand["id"])

    assert caught.value.status_code == status
    assert calls[-1].status_code == status


def test_a_403_for_missing_permissions_is_an_auth_error(sandbox, brand, gateway):
    sandbox.faults.error(
        "POST /2/tweets",
        status=403,
        body='{"title": "Forbidden", "type": "about:blank", "status": 403,'
        ' "detail": "You are not permitted to perform this action."}',
    )

    with pytest.raises(XAuthError):
        gateway.create_post(text="hello")
