"""The gateway reads X's errors the way X has written them: problem types on api.x.com or the
older api.twitter.com, bodies labelled application/problem+json or application/json."""

import pytest

from crm_twitter.x.errors import XAuthError, XBadRequest
from crm_twitter.x.gateway import problem_type

HOSTS = ["https://api.x.com/2/problems/", "https://api.twitter.com/2/problems/"]
LABELS = ["application/problem+json", "application/json; charset=utf-8"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://api.x.com/2/problems/resource-not-found", "resource-not-found"),
        ("https://api.twitter.com/2/problems/resource-not-found", "resource-not-found"),
        ("https://api.x.com/2/problems/invalid-request", "invalid-request"),
        ("about:blank", "about:blank"),
        ("https://example.com/2/problems/resource-not-found", ""),
        ("resource-not-found", ""),
        (None, ""),
    ],
)
def test_problem_type_names_xs_problems_on_either_host(value, expected):
    assert problem_type(value) == expected


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("label", LABELS)
def test_a_not_found_problem_is_not_found_whatever_its_host_and_label(sandbox, brand, gateway, host, label):
    sandbox.faults.error(
        "POST /2/tweets",
        status=400,
        body=f'{{"title": "Not Found Error", "detail": "Could not find tweet with id: [1].", "type": "{host}'
        'resource-not-found", "resource_type": "tweet"}',
        content_type=label,
    )

    with pytest.raises(XBadRequest) as caught:
        gateway.create_reply(text="@alice_buys Hi", in_reply_to_tweet_id="1")

    assert caught.value.code == "not_found"


@pytest.mark.parametrize("host", HOSTS)
def test_an_unsupported_authentication_problem_on_either_host_is_an_auth_error(sandbox, brand, gateway, host):
    sandbox.faults.error(
        "GET /2/users/me",
        status=403,
        body=f'{{"title": "Unsupported Authentication", "detail": "Not for this endpoint.", "type": "{host}'
        'unsupported-authentication", "status": 403}',
        content_type="application/problem+json",
    )

    with pytest.raises(XAuthError):
        gateway.get_me()


@pytest.mark.parametrize("label", LABELS)
def test_a_stale_page_token_is_invalid_token_whatever_the_label(sandbox, brand, gateway, label):
    sandbox.faults.error(
        "GET /2/dm_events",
        status=400,
        body='{"errors": [{"parameters": {"pagination_token": ["x"]}, "message": "not valid"}],'
        ' "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",'
        ' "type": "https://api.x.com/2/problems/invalid-request"}',
        content_type=label,
    )

    with pytest.raises(XBadRequest) as caught:
        gateway.get_dm_events(pagination_token="x")

    assert caught.value.code == "invalid_token"


def test_the_sandboxs_own_errors_reach_the_desk_as_before(sandbox, brand, alice, gateway):
    mention = sandbox.state.customer_tweet(alice, "@AcmeHelp where is it")
    sandbox.state.delete_tweet(mention)

    page = gateway.get_tweets([mention["id"]])
    with pytest.raises(XAuthError):
        sandbox.gateway(brand, credentials={"bearer_token": sandbox.credentials(brand)["bearer_token"]}).get_me()

    assert problem_type(page.errors[0]["type"]) == "resource-not-found"
