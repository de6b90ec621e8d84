"""The sandbox answers raw HTTP like X does: shapes, fields, errors, limits, control API."""

import requests

from crm_twitter.sandbox.state import SANDBOX_APP_BEARER_TOKEN

APP = {"Authorization": f"Bearer {SANDBOX_APP_BEARER_TOKEN}"}


def get(sandbox, path, **params):
    return requests.get(f"{sandbox.base_url}{path}", params=params, headers=APP, timeout=5)


def test_without_fields_a_tweet_has_only_xs_default_fields(sandbox):
    alice = sandbox.state.add_user("alice")
    tweet = sandbox.state.customer_tweet(alice, "@nobody hello")

    body = get(sandbox, f"/2/tweets/{tweet['id']}").json()

    assert body == {"data": {"id": tweet["id"], "text": "@nobody hello", "edit_history_tweet_ids": [tweet["id"]]}}


def test_requested_fields_are_returned_including_ones_the_desk_does_not_know(sandbox):
    alice = sandbox.state.add_user("alice")
    tweet = sandbox.state.customer_tweet(alice, "hi", note_tweet={"text": "a much longer text"})

    body = get(sandbox, "/2/tweets", ids=tweet["id"], **{"tweet.fields": "author_id,note_tweet,lang"}).json()

    assert body["data"][0]["note_tweet"] == {"text": "a much longer text"}
    assert body["data"][0]["author_id"] == alice["id"]
    assert "conversation_id" not in body["data"][0]
    assert "includes" not in body


def test_ids_are_increasing_strings_and_timestamps_have_milliseconds(sandbox):
    alice = sandbox.state.add_user("alice")
    first = sandbox.state.customer_tweet(alice, "one")
    second = sandbox.state.customer_tweet(alice, "two")

    assert isinstance(first["id"], str) and first["id"].isdigit() and len(first["id"]) >= 18
    assert int(second["id"]) > int(first["id"])
    assert first["created_at"][-5] == "." or first["created_at"][19] == "."
    assert first["created_at"].endswith("Z") and len(first["created_at"]) == len("2026-01-01T00:00:00.000Z")


def test_expansions_fill_includes_users_tweets_and_media(sandbox):
    brand = sandbox.state.add_brand("AcmeHelp")
    alice = sandbox.state.add_user("alice")
    root = sandbox.state.customer_tweet(alice, "@AcmeHelp broken!", media=["photo of the crack"])
    reply = sandbox.state.brand_reply(brand, root, "@alice sorry!")

    body = get(
        sandbox,
        "/2/tweets",
        ids=reply["id"],
        expansions="author_id,referenced_tweets.id,in_reply_to_user_id,attachments.media_keys",
        **{"user.fields": "public_metrics", "media.fields": "alt_text,url"},
    ).json()

    assert {u["username"] for u in body["includes"]["users"]} == {"AcmeHelp", "alice"}
    assert body["includes"]["tweets"][0]["id"] == root["id"]
    assert "media" not in body["includes"]  # only the reply's own attachments are expanded


def test_lookup_of_a_missing_tweet_returns_xs_not_found_error(sandbox):
    body = get(sandbox, "/2/tweets", ids="123456789").json()

    assert body == {
        "errors": [
            {
                "value": "123456789",
                "detail": "Could not find tweet with ids: [123456789].",
                "title": "Not Found Error",
                "resource_type": "tweet",
                "parameter": "ids",
                "resource_id": "123456789",
                "type": "https://api.x.com/2/problems/resource-not-found",
            }
        ]
    }


def test_max_results_outside_5_to_100_is_an_invalid_request(sandbox):
    brand = sandbox.state.add_brand("AcmeHelp")

    response = get(sandbox, f"/2/users/{brand['id']}/mentions", max_results=3)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Invalid Request"
    assert response.json()["type"] == "https://api.x.com/2/problems/invalid-request"
    assert "max_results" in response.json()["errors"][0]["message"]


def test_users_by_usernames_and_by_username(sandbox):
    sandbox.state.add_user("alice", name="Alice A")
    sandbox.state.add_user("bob")

    many = get(sandbox, "/2/users/by", usernames="alice,bob,ghost").json()
    one = get(sandbox, "/2/users/by/username/ALICE").json()

    assert [u["username"] for u in many["data"]] == ["alice", "bob"]
    assert many["errors"][0]["value"] == "ghost"
    assert one["data"]["name"] == "Alice A"


def test_users_me_with_an_app_token_is_forbidden_with_xs_generic_problem(sandbox):
    response = get(sandbox, "/2/users/me")

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "about:blank"
    assert response.json()["title"] == "Forbidden"
    assert "Application-Only is forbidden" in response.json()["detail"]


def test_every_answer_carries_rate_limit_headers(sandbox):
    brand = sandbox.state.add_brand("AcmeHelp")

    response = get(sandbox, f"/2/users/{brand['id']}/mentions")

    assert response.headers["x-rate-limit-limit"] == "450"
    assert response.headers["x-rate-limit-remaining"] == "449"
    assert int(response.headers["x-rate-limit-reset"]) > 0
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_deleting_a_tweet_hides_it_from_every_lookup(sandbox):
    brand = sandbox.state.add_brand("AcmeHelp")
    alice = sandbox.state.add_user("alice")
    tweet = sandbox.state.customer_tweet(alice, "@AcmeHelp regret this")
    sandbox.state.delete_tweet(tweet)

    mentions = get(sandbox, f"/2/users/{brand['id']}/mentions").json()
    single = get(sandbox, f"/2/tweets/{tweet['id']}").json()
    search = get(sandbox, "/2/tweets/search/recent", query=f"conversation_id:{tweet['id']}").json()

    assert mentions == {"meta": {"result_count": 0}}
    assert single["errors"][0]["title"] == "Not Found Error"
    assert "data" not in search


def test_search_supports_from_and_retweet_operators(sandbox):
    sandbox.state.add_brand("AcmeHelp")
    alice = sandbox.state.add_user("alice")
    bob = sandbox.state.add_user("bob")
    original = sandbox.state.customer_tweet(alice, "@AcmeHelp where is my parcel")
    sandbox.state.retweet(bob, original)

    no_retweets = get(sandbox, "/2/tweets/search/recent", query="@AcmeHelp -is:retweet").json()
    from_bob = get(sandbox, "/2/tweets/search/recent", query="from:bob").json()

    assert [t["id"] for t in no_retweets["data"]] == [original["id"]]
    assert from_bob["data"][0]["text"].startswith("RT @alice: ")


def test_served_resources_are_counted_per_kind(sandbox):
    brand = sandbox.state.add_brand("AcmeHelp")
    alice = sandbox.state.add_user("alice")
    tweets = [sandbox.state.customer_tweet(alice, f"@AcmeHelp {n}") for n in range(3)]

    get(sandbox, f"/2/users/{brand['id']}/mentions")
    get(sandbox, "/2/tweets", ids=",".join(t["id"] for t in tweets[:2]))
    get(sandbox, "/2/users", ids=alice["id"])

    assert dict(sandbox.state.resources_served) == {"owned_read": 3, "post_read": 2, "user_read": 1}


def test_control_endpoint_injects_faults_over_http(sandbox):
    brand = sandbox.state.add_brand("AcmeHelp")
    control = f"{sandbox.base_url}/_sandbox/faults"

    created = requests.post(
        control, json={"kind": "status", "endpoint": "GET /2/users/:id/mentions", "status": 500, "times": 2}, timeout=5
    )
    statuses = [get(sandbox, f"/2/users/{brand['id']}/mentions").status_code for _ in range(3)]

    assert created.status_code == 201
    assert statuses == [500, 500, 200]
    assert requests.get(control, timeout=5).json() == {"faults": []}


def test_control_endpoint_scripts_a_customer_and_reports_state(sandbox):
    sandbox.state.add_brand("AcmeHelp")
    sandbox.state.add_user("alice")

    made = requests.post(
        f"{sandbox.base_url}/_sandbox/tweets",
        json={"author": "alice", "text": "@AcmeHelp 包裹丢了 📦", "lang": "zh"},
        timeout=5,
    )
    state = requests.get(f"{sandbox.base_url}/_sandbox/state", timeout=5).json()
    requests.post(f"{sandbox.base_url}/_sandbox/clock", json={"advance": 60}, timeout=5)

    assert made.json()["data"]["text"] == "@AcmeHelp 包裹丢了 📦"
    assert state["tweets"] == 1
    assert state["brands"][0]["handle"] == "AcmeHelp"
    assert sandbox.state.clock_offset == 60


def test_media_placeholder_images_are_served(sandbox):
    alice = sandbox.state.add_user("alice")
    tweet = sandbox.state.customer_tweet(alice, "look", media=["<script>dented</script> box"])
    key = tweet["attachments"]["media_keys"][0]
    media = sandbox.state.media[key]

    photo = requests.get(media["url"], timeout=5)  # the file itself, as X's CDN serves it (media_files.py)
    response = requests.get(f"{sandbox.base_url}/_sandbox/media/{key}.svg", timeout=5)

    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.content.startswith(b"\xff\xd8\xff")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert "<script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_unknown_paths_are_404(sandbox):
    assert get(sandbox, "/2/spaces/search").status_code == 404
